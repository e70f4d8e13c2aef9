/**
 * Readers parked until a stream grows: long-polls, live tails and consumer groups.
 */
export class StreamWaiters {
  readonly #waiting = new Map<string, Set<() => void>>();

  wait(stream: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true || timeoutMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.#waiting.get(stream);
      if (set === undefined) {
        set = new Set();
        this.#waiting.set(stream, set);
      }
      const waiters = set;
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiting.get(stream) === waiters) this.#waiting.delete(stream);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      waiters.add(done);
    });
  }

  wake(stream: string): void {
    const waiters = this.#waiting.get(stream);
    if (waiters === undefined) return;
    for (const done of [...waiters]) done();
  }

  wakeAll(): void {
    for (const stream of [...this.#waiting.keys()]) this.wake(stream);
  }
}

/**
 * Readers parked until a stream grows: long-polls, live tails, consumer groups and
 * subscriptions. Each stream has a version that grows on every wake-up, so a reader that
 * noted the version before reading and passes it to `wait` is answered at once when an
 * append landed in between: no wake-up is lost across the read's event-loop turns.
 */
export class StreamWaiters {
  readonly #waiting = new Map<string, Set<() => void>>();
  readonly #versions = new Map<string, number>();

  version(stream: string): number {
    return this.#versions.get(stream) ?? 0;
  }

  wait(stream: string, timeoutMs: number, signal?: AbortSignal, since?: number): Promise<void> {
    if (signal?.aborted === true || timeoutMs <= 0) return Promise.resolve();
    if (since !== undefined && since !== this.version(stream)) return Promise.resolve();
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
    this.#versions.set(stream, this.version(stream) + 1);
    const waiters = this.#waiting.get(stream);
    if (waiters === undefined) return;
    for (const done of [...waiters]) done();
  }

  wakeAll(): void {
    for (const stream of [...this.#waiting.keys()]) this.wake(stream);
  }
}

/** A flag a loop sleeps on: `notify` ends the current (or the next) `wait` early. */
export class Wakeup {
  #notified = false;
  #resolve: (() => void) | undefined;

  notify(): void {
    this.#notified = true;
    this.#resolve?.();
  }

  /** Resolves on `notify` (at once if notified since the last `clear`) or after `timeoutMs`. */
  wait(timeoutMs: number): Promise<void> {
    if (this.#notified || timeoutMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.#resolve === done) this.#resolve = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#resolve = done;
    });
  }

  clear(): void {
    this.#notified = false;
  }
}

/**
 * Shares a process's delivery slots among tenants: at most `total` requests in flight, at
 * most `perTenant` for one tenant, and when slots are short the waiting tenants take turns,
 * so one tenant's slow or busy endpoints cannot starve another's.
 *
 * @example
 * const release = await share.acquire('acme', signal);
 * try { await send(); } finally { release(); }
 */
export class FairShare {
  readonly #total: number;
  readonly #perTenant: number;
  readonly #inUse = new Map<string, number>();
  /** Waiting acquirers per tenant; the map's order is the turn order. */
  readonly #queues = new Map<string, (() => void)[]>();
  #used = 0;

  constructor(total: number, perTenant: number) {
    this.#total = total;
    this.#perTenant = Math.min(perTenant, total);
  }

  get inFlight(): number {
    return this.#used;
  }

  /** Resolves with a release function once a slot is granted; rejects when `signal` aborts first. */
  acquire(tenant: string, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    if (this.#queues.size === 0 && this.#free(tenant)) return Promise.resolve(this.#take(tenant));
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', abort);
        resolve(this.#take(tenant));
      };
      const abort = (): void => {
        const queue = this.#queues.get(tenant);
        const at = queue?.indexOf(grant) ?? -1;
        if (queue !== undefined && at >= 0) {
          queue.splice(at, 1);
          if (queue.length === 0) this.#queues.delete(tenant);
        }
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', abort, { once: true });
      const queue = this.#queues.get(tenant);
      if (queue === undefined) this.#queues.set(tenant, [grant]);
      else queue.push(grant);
      this.#dispatch();
    });
  }

  #free(tenant: string): boolean {
    return this.#used < this.#total && (this.#inUse.get(tenant) ?? 0) < this.#perTenant;
  }

  #take(tenant: string): () => void {
    this.#used++;
    this.#inUse.set(tenant, (this.#inUse.get(tenant) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#used--;
      const left = (this.#inUse.get(tenant) ?? 1) - 1;
      if (left === 0) this.#inUse.delete(tenant);
      else this.#inUse.set(tenant, left);
      this.#dispatch();
    };
  }

  /** Grants free slots one tenant at a time, moving each served tenant to the back of the turn. */
  #dispatch(): void {
    let progressed = true;
    while (progressed && this.#used < this.#total) {
      progressed = false;
      for (const [tenant, queue] of this.#queues) {
        if (this.#used >= this.#total) break;
        if (!this.#free(tenant)) continue;
        const grant = queue.shift()!;
        this.#queues.delete(tenant);
        if (queue.length > 0) this.#queues.set(tenant, queue);
        grant();
        progressed = true;
      }
    }
  }
}

/** One attempt as `GET /v1/subscriptions/{name}/deliveries` shows it. */
export interface DeliveryAttemptView {
  at: string;
  /** The records the request carried (for a batch, the first ten). */
  records: { id: string; stream: string; partition: number; offset: number }[];
  recordCount: number;
  attempt: number;
  outcome: 'delivered' | 'failed' | 'dead_lettered' | 'gone';
  status?: number;
  error?: string;
  /** The start of the answer's body, at most 1 KiB. */
  response?: string;
  latencyMs: number;
  /** When the next attempt is due, for a failed one that will be retried. */
  nextAttemptAt?: string;
}

/**
 * The recent attempts of each subscription in this process, newest last, at most `capacity`
 * each: a bounded window for operators, not a history (the metrics and dead letters are).
 */
export class DeliveryLog {
  readonly #capacity: number;
  readonly #entries = new Map<string, DeliveryAttemptView[]>();

  constructor(capacity = 200) {
    this.#capacity = capacity;
  }

  add(subscription: string, entry: DeliveryAttemptView): void {
    let list = this.#entries.get(subscription);
    if (list === undefined) {
      list = [];
      this.#entries.set(subscription, list);
    }
    list.push(entry);
    if (list.length > this.#capacity) list.splice(0, list.length - this.#capacity);
  }

  recent(subscription: string, limit: number): DeliveryAttemptView[] {
    return (this.#entries.get(subscription) ?? []).slice(-limit).reverse();
  }

  forget(subscription: string): void {
    this.#entries.delete(subscription);
  }
}

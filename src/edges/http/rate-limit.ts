import { SluiceError } from '../../domain/errors.ts';

/**
 * A token bucket per tenant: `perSecond` requests a second with bursts up to one second's
 * worth. Answers with a 429 that says when to come back.
 */
export class TenantRateLimiter {
  readonly #perSecond: number;
  readonly #buckets = new Map<string, { tokens: number; updated: number }>();

  constructor(perSecond: number) {
    this.#perSecond = perSecond;
  }

  take(tenant: string, now = performance.now()): void {
    if (this.#perSecond <= 0) return;
    let bucket = this.#buckets.get(tenant);
    if (bucket === undefined) {
      bucket = { tokens: this.#perSecond, updated: now };
      this.#buckets.set(tenant, bucket);
    }
    bucket.tokens = Math.min(this.#perSecond, bucket.tokens + ((now - bucket.updated) / 1000) * this.#perSecond);
    bucket.updated = now;
    if (bucket.tokens < 1) {
      throw new SluiceError('rate_limited', `tenant "${tenant}" sends more than ${this.#perSecond} requests a second`, { retryAfter: 1 });
    }
    bucket.tokens -= 1;
  }
}

import type { DecodedBatch } from './record-batch.ts';

/**
 * The most recently written and read record batches, so that tails and subscriptions,
 * which read the batch just appended a few records at a time, do not fetch and decode it
 * from the file on every read. Bounded by the characters the batches hold.
 */
export class BatchCache {
  readonly #budget: number;
  /** In order of use, oldest first (a Map iterates in insertion order). */
  readonly #batches = new Map<string, { batch: DecodedBatch; characters: number }>();
  #characters = 0;

  constructor(budgetCharacters: number) {
    this.#budget = budgetCharacters;
  }

  get(streamId: number, partition: number, base: number): DecodedBatch | undefined {
    const key = cacheKey(streamId, partition, base);
    const entry = this.#batches.get(key);
    if (entry === undefined) return undefined;
    this.#batches.delete(key);
    this.#batches.set(key, entry);
    return entry.batch;
  }

  put(streamId: number, partition: number, base: number, batch: DecodedBatch, characters: number): void {
    if (characters > this.#budget) return;
    this.delete(streamId, partition, base);
    this.#batches.set(cacheKey(streamId, partition, base), { batch, characters });
    this.#characters += characters;
    for (const [key, entry] of this.#batches) {
      if (this.#characters <= this.#budget) break;
      this.#batches.delete(key);
      this.#characters -= entry.characters;
    }
  }

  delete(streamId: number, partition: number, base: number): void {
    const key = cacheKey(streamId, partition, base);
    const entry = this.#batches.get(key);
    if (entry === undefined) return;
    this.#batches.delete(key);
    this.#characters -= entry.characters;
  }

  /** Forgets every batch of a stream (deleted) or of all streams. */
  clear(streamId?: number): void {
    const prefix = `${streamId}:`;
    for (const [key, entry] of this.#batches) {
      if (streamId !== undefined && !key.startsWith(prefix)) continue;
      this.#batches.delete(key);
      this.#characters -= entry.characters;
    }
  }
}

function cacheKey(streamId: number, partition: number, base: number): string {
  return `${streamId}:${partition}:${base}`;
}

/**
 * The ids of one stream that a repeat is recognised by, bounded by a dedup window: at most
 * `ids` entries, each forgotten once its record is `ms` old.
 *
 * Entries live in a ring in the order they were added (the oldest is evicted first), as
 * parallel typed arrays, and a Map finds an entry's place in the ring by its key. The Map's
 * value is the entry's sequence number, a small integer V8 stores inline, so an entry costs
 * its key, one Map slot and 24 bytes of arrays: no object per id. The ring starts small and
 * doubles up to `ids`, so a stream with few ids takes little memory.
 */
import type { DedupWindow } from '../../ports/event-log.ts';

const FIRST_CAPACITY = 1024;

export interface WindowPosition {
  partition: number;
  offset: number;
}

export class IdWindow {
  readonly #limit: DedupWindow;
  /** key → sequence number of its entry; the entry's slot is `sequence % capacity`. */
  readonly #entries = new Map<string, number>();
  #keys: (string | undefined)[];
  #partitions: Int32Array;
  #offsets: Float64Array;
  /** When each entry's record was received, epoch ms. */
  #times: Float64Array;
  /** Sequence number of the oldest entry still in the ring, and of the next one. */
  #head = 0;
  #next = 0;

  constructor(limit: DedupWindow) {
    this.#limit = { ...limit };
    const capacity = Math.min(FIRST_CAPACITY, limit.ids);
    this.#keys = new Array<string | undefined>(capacity);
    this.#partitions = new Int32Array(capacity);
    this.#offsets = new Float64Array(capacity);
    this.#times = new Float64Array(capacity);
  }

  /** Entries the window holds (some may have aged out and wait for eviction). */
  get size(): number {
    return this.#entries.size;
  }

  /** Where the first record with `key` is, while it is within the window at `now`. */
  get(key: string, now: number): WindowPosition | undefined {
    const sequence = this.#entries.get(key);
    if (sequence === undefined) return undefined;
    const slot = sequence % this.#keys.length;
    if (this.#times[slot]! <= now - this.#limit.ms) {
      // Aged out while younger entries were added before it: forget it now, its slot later.
      this.#entries.delete(key);
      return undefined;
    }
    return { partition: this.#partitions[slot]!, offset: this.#offsets[slot]! };
  }

  has(key: string, now: number): boolean {
    return this.get(key, now) !== undefined;
  }

  /**
   * Remembers the first record with `key`, unless the window already holds one; answers
   * whether it was added. A record already too old for the window is not added.
   */
  add(key: string, partition: number, offset: number, time: number, now: number): boolean {
    this.evict(now);
    if (time <= now - this.#limit.ms || this.has(key, now)) return false;
    if (this.#next - this.#head >= this.#limit.ids) this.#evictOldest();
    if (this.#next - this.#head >= this.#keys.length) this.#grow();
    const slot = this.#next % this.#keys.length;
    this.#keys[slot] = key;
    this.#partitions[slot] = partition;
    this.#offsets[slot] = offset;
    this.#times[slot] = time;
    this.#entries.set(key, this.#next);
    this.#next++;
    return true;
  }

  /**
   * Points `key` at another record: the copy that readers keep when two processes stored
   * the same id at once (see later-copies.ts). Does nothing when the key is not held.
   */
  moveTo(key: string, partition: number, offset: number): void {
    const sequence = this.#entries.get(key);
    if (sequence === undefined) return;
    const slot = sequence % this.#keys.length;
    this.#partitions[slot] = partition;
    this.#offsets[slot] = offset;
  }

  /** Forgets the entries whose records are `ms` old at `now`, oldest first. */
  evict(now: number): void {
    const cutoff = now - this.#limit.ms;
    while (this.#head < this.#next && this.#times[this.#head % this.#keys.length]! <= cutoff) this.#evictOldest();
  }

  #evictOldest(): void {
    const slot = this.#head % this.#keys.length;
    const key = this.#keys[slot]!;
    // The key may have aged out and been added again since: only its own entry goes.
    if (this.#entries.get(key) === this.#head) this.#entries.delete(key);
    this.#keys[slot] = undefined;
    this.#head++;
  }

  #grow(): void {
    const capacity = Math.min(this.#keys.length * 2, this.#limit.ids);
    const keys = new Array<string | undefined>(capacity);
    const partitions = new Int32Array(capacity);
    const offsets = new Float64Array(capacity);
    const times = new Float64Array(capacity);
    for (let sequence = this.#head; sequence < this.#next; sequence++) {
      const from = sequence % this.#keys.length;
      const to = sequence % capacity;
      keys[to] = this.#keys[from];
      partitions[to] = this.#partitions[from]!;
      offsets[to] = this.#offsets[from]!;
      times[to] = this.#times[from]!;
    }
    this.#keys = keys;
    this.#partitions = partitions;
    this.#offsets = offsets;
    this.#times = times;
  }
}

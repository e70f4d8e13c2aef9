/**
 * The ids of one stream that a repeat is recognised by, bounded by a dedup window: at most
 * `ids` entries, each forgotten once its record is `ms` old.
 *
 * Everything lives in typed arrays, none of it in objects or strings the garbage collector
 * has to trace: a ring of entries in the order they were added (the oldest is evicted first),
 * the ids' UTF-8 bytes in a ring of bytes filled in the same order, and an open-addressing
 * hash table (linear probing) from an id's hash to its entry. Held as strings in a Map, 500,000
 * ids took about 115 bytes each of live heap and several times that in RSS once the collector
 * had room to work in; here an id costs its bytes plus about 45. The arrays start small and
 * double up to what `ids` needs, so a stream with few ids takes little memory.
 */
import { writeAscii } from '../domain/ascii-bytes.ts';
import type { DedupWindow } from '../ports/event-log.ts';

const FIRST_ENTRIES = 1024;
const encoder = new TextEncoder();

export interface WindowPosition {
  partition: number;
  offset: number;
}

export class IdWindow {
  readonly #limit: DedupWindow;
  // The entries, by slot (`sequence % capacity`).
  #partitions: Int32Array;
  #offsets: Float64Array;
  /** When each entry's record was received, epoch ms. */
  #times: Float64Array;
  #hashes: Int32Array;
  /** Where the entry's id starts in the byte ring (an ever-growing byte count), and its length. */
  #keyStarts: Float64Array;
  #keyLengths: Int32Array;
  /** 1 once an entry aged out ahead of its turn: its bytes and slot wait for the ring to pass. */
  #gone: Uint8Array;
  /** Sequence numbers of the oldest entry in the ring and of the next one. */
  #head = 0;
  #next = 0;
  /** Entries still found by their id. */
  #live = 0;
  /** The ids' bytes; its length is a power of two. */
  #bytes: Uint8Array;
  #bytesHead = 0;
  #bytesNext = 0;
  /** Hash table: slot + 1 of an entry, 0 where empty; its length is a power of two, at least twice the entries'. */
  #table: Int32Array;
  /** The id being looked up or added, as UTF-8. */
  #scratch = new Uint8Array(256);

  constructor(limit: DedupWindow) {
    this.#limit = { ...limit };
    const capacity = Math.min(FIRST_ENTRIES, limit.ids);
    this.#partitions = new Int32Array(capacity);
    this.#offsets = new Float64Array(capacity);
    this.#times = new Float64Array(capacity);
    this.#hashes = new Int32Array(capacity);
    this.#keyStarts = new Float64Array(capacity);
    this.#keyLengths = new Int32Array(capacity);
    this.#gone = new Uint8Array(capacity);
    this.#bytes = new Uint8Array(powerOfTwo(capacity * 32));
    this.#table = new Int32Array(powerOfTwo(capacity * 2));
  }

  /** Ids the window holds (some may have aged out and wait for eviction). */
  get size(): number {
    return this.#live;
  }

  /** Where the first record with `key` is, while it is within the window at `now`. */
  get(key: string, now: number): WindowPosition | undefined {
    const slot = this.#lookup(this.#encode(key), now);
    return slot < 0 ? undefined : { partition: this.#partitions[slot]!, offset: this.#offsets[slot]! };
  }

  has(key: string, now: number): boolean {
    return this.#lookup(this.#encode(key), now) >= 0;
  }

  /** The slot of the id now in the scratch buffer (`length` bytes) while it is within the window, or -1. */
  #lookup(length: number, now: number): number {
    const found = this.#find(length);
    if (found < 0) return -1;
    const slot = this.#table[found]! - 1;
    if (this.#times[slot]! > now - this.#limit.ms) return slot;
    // Aged out while younger entries were added before it: forget it now, its slot later.
    this.#unlink(found);
    this.#gone[slot] = 1;
    return -1;
  }

  /**
   * Remembers the first record with `key`, unless the window already holds one; answers
   * whether it was added. A record already too old for the window is not added.
   */
  add(key: string, partition: number, offset: number, time: number, now: number): boolean {
    this.evict(now);
    if (time <= now - this.#limit.ms) return false;
    const length = this.#encode(key);
    if (this.#lookup(length, now) >= 0) return false;
    if (this.#next - this.#head >= this.#limit.ids) this.#evictOldest();
    if (this.#next - this.#head >= this.#partitions.length) this.#growEntries();
    while (this.#bytesNext - this.#bytesHead + length > this.#bytes.length) this.#growBytes();
    const mask = this.#bytes.length - 1;
    for (let i = 0; i < length; i++) this.#bytes[(this.#bytesNext + i) & mask] = this.#scratch[i]!;
    const slot = this.#next % this.#partitions.length;
    this.#partitions[slot] = partition;
    this.#offsets[slot] = offset;
    this.#times[slot] = time;
    this.#hashes[slot] = hashOf(this.#scratch, length);
    this.#keyStarts[slot] = this.#bytesNext;
    this.#keyLengths[slot] = length;
    this.#gone[slot] = 0;
    this.#bytesNext += length;
    this.#next++;
    this.#link(slot);
    return true;
  }

  /**
   * Points `key` at another record: the copy that readers keep when two processes stored
   * the same id at once (see later-copies.ts). Does nothing when the key is not held.
   */
  moveTo(key: string, partition: number, offset: number): void {
    const found = this.#find(this.#encode(key));
    if (found < 0) return;
    const slot = this.#table[found]! - 1;
    this.#partitions[slot] = partition;
    this.#offsets[slot] = offset;
  }

  /** Forgets the entries whose records are `ms` old at `now`, oldest first. */
  evict(now: number): void {
    const cutoff = now - this.#limit.ms;
    while (this.#head < this.#next && this.#times[this.#head % this.#partitions.length]! <= cutoff) this.#evictOldest();
  }

  #evictOldest(): void {
    const slot = this.#head % this.#partitions.length;
    if (this.#gone[slot] === 0) this.#unlink(this.#tableIndexOf(slot));
    this.#bytesHead = this.#keyStarts[slot]! + this.#keyLengths[slot]!;
    this.#head++;
    if (this.#head === this.#next) {
      // Empty: start the counters over, so they never grow past what a double holds exactly.
      this.#head = this.#next = 0;
      this.#bytesHead = this.#bytesNext = 0;
    }
  }

  /** The id into the scratch buffer as UTF-8; answers its length in bytes. */
  #encode(key: string): number {
    if (key.length * 3 > this.#scratch.length) this.#scratch = new Uint8Array(powerOfTwo(key.length * 3));
    // Ids are mostly ASCII (UUIDs, counters), and this runs twice per new id.
    const ascii = writeAscii(key, this.#scratch);
    return ascii >= 0 ? ascii : encoder.encodeInto(key, this.#scratch).written;
  }

  /** The table index holding the id now in the scratch buffer (`length` bytes), or -1. */
  #find(length: number): number {
    const hash = hashOf(this.#scratch, length);
    const mask = this.#table.length - 1;
    for (let at = hash & mask; ; at = (at + 1) & mask) {
      const held = this.#table[at]!;
      if (held === 0) return -1;
      const slot = held - 1;
      if (this.#hashes[slot] === hash && this.#keyLengths[slot] === length && this.#sameKey(slot, length)) return at;
    }
  }

  #sameKey(slot: number, length: number): boolean {
    const mask = this.#bytes.length - 1;
    const start = this.#keyStarts[slot]!;
    for (let i = 0; i < length; i++) if (this.#bytes[(start + i) & mask] !== this.#scratch[i]) return false;
    return true;
  }

  #link(slot: number): void {
    const mask = this.#table.length - 1;
    let at = this.#hashes[slot]! & mask;
    while (this.#table[at] !== 0) at = (at + 1) & mask;
    this.#table[at] = slot + 1;
    this.#live++;
  }

  #tableIndexOf(slot: number): number {
    const mask = this.#table.length - 1;
    let at = this.#hashes[slot]! & mask;
    while (this.#table[at] !== slot + 1) at = (at + 1) & mask;
    return at;
  }

  /** Empties a table index and moves later entries of its probe run back, so lookups still find them. */
  #unlink(at: number): void {
    const mask = this.#table.length - 1;
    let hole = at;
    for (let next = (hole + 1) & mask; this.#table[next] !== 0; next = (next + 1) & mask) {
      const home = this.#hashes[this.#table[next]! - 1]! & mask;
      // The entry at `next` may fill the hole unless its home lies after the hole, up to `next`.
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (stays) continue;
      this.#table[hole] = this.#table[next]!;
      hole = next;
    }
    this.#table[hole] = 0;
    this.#live--;
  }

  #growEntries(): void {
    const from = this.#partitions.length;
    const capacity = Math.min(from * 2, this.#limit.ids);
    const move = <T extends Int32Array | Float64Array | Uint8Array>(old: T, fresh: T): T => {
      for (let sequence = this.#head; sequence < this.#next; sequence++) fresh[sequence % capacity] = old[sequence % from]!;
      return fresh;
    };
    this.#partitions = move(this.#partitions, new Int32Array(capacity));
    this.#offsets = move(this.#offsets, new Float64Array(capacity));
    this.#times = move(this.#times, new Float64Array(capacity));
    this.#hashes = move(this.#hashes, new Int32Array(capacity));
    this.#keyStarts = move(this.#keyStarts, new Float64Array(capacity));
    this.#keyLengths = move(this.#keyLengths, new Int32Array(capacity));
    this.#gone = move(this.#gone, new Uint8Array(capacity));
    // Slots moved: the table is built again.
    this.#table = new Int32Array(powerOfTwo(capacity * 2));
    this.#live = 0;
    for (let sequence = this.#head; sequence < this.#next; sequence++) {
      const slot = sequence % capacity;
      if (this.#gone[slot] === 0) this.#link(slot);
    }
  }

  #growBytes(): void {
    const old = this.#bytes;
    const bytes = new Uint8Array(old.length * 2);
    const oldMask = old.length - 1;
    const mask = bytes.length - 1;
    for (let at = this.#bytesHead; at < this.#bytesNext; at++) bytes[at & mask] = old[at & oldMask]!;
    this.#bytes = bytes;
  }
}

function powerOfTwo(atLeast: number): number {
  let size = 1;
  while (size < atLeast) size *= 2;
  return size;
}

/** FNV-1a over the bytes, as a signed 32-bit integer. */
function hashOf(bytes: Uint8Array, length: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash | 0;
}

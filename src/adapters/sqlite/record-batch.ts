/**
 * The embedded log's unit of storage: the records one flush appended to one partition, kept
 * in a single row as Kafka's log keeps a record batch. A row per record cost SQLite a B-tree
 * insert each; a row per batch costs one, whatever the batch's size.
 *
 * A batch is two columns:
 * - `layout`: each record's timestamp (float64), then the lengths of its id, key (-1 for
 *   none), attributes and value (int32), in UTF-16 code units;
 * - `data`: every record's id, attributes, value and key, one after another, as text.
 * Lengths count UTF-16 units because the text is sliced as a JavaScript string; SQLite's
 * UTF-8 round trip keeps those counts (an unpaired surrogate comes back as U+FFFD, one unit).
 */
export interface BatchRecord {
  id: string;
  key: string | null;
  timestamp: number;
  /** The record attributes as JSON text. */
  attrs: string;
  value: string;
}

export interface EncodedBatch {
  count: number;
  /** The newest timestamp in the batch; timestamps never decrease within a partition. */
  lastTimestamp: number;
  /** Attribute and value characters, what byte retention counts. */
  size: number;
  layout: Uint8Array;
  data: string;
}

const fieldsPerRecord = 4;

/** Collects one partition's records of a flush. */
export class BatchBuilder {
  readonly #parts: string[] = [];
  readonly #timestamps: number[] = [];
  readonly #lengths: number[] = [];
  #size = 0;

  get count(): number {
    return this.#timestamps.length;
  }

  add(record: BatchRecord): void {
    this.#timestamps.push(record.timestamp);
    this.#parts.push(record.id, record.attrs, record.value);
    if (record.key === null) {
      this.#lengths.push(record.id.length, -1, record.attrs.length, record.value.length);
    } else {
      this.#parts.push(record.key);
      this.#lengths.push(record.id.length, record.key.length, record.attrs.length, record.value.length);
    }
    this.#size += record.attrs.length + record.value.length;
  }

  encode(): EncodedBatch {
    const count = this.count;
    const layout = new ArrayBuffer(count * 8 + count * fieldsPerRecord * 4);
    new Float64Array(layout, 0, count).set(this.#timestamps);
    new Int32Array(layout, count * 8, count * fieldsPerRecord).set(this.#lengths);
    return {
      count,
      lastTimestamp: this.#timestamps[count - 1] ?? 0,
      size: this.#size,
      layout: new Uint8Array(layout),
      data: this.#parts.join(''),
    };
  }
}

/** A stored batch, read: records are sliced out of its text on demand. */
export class DecodedBatch {
  readonly count: number;
  readonly #timestamps: Float64Array;
  readonly #lengths: Int32Array;
  /** Where each record starts in `#data`. */
  readonly #starts: Int32Array;
  readonly #data: string;

  constructor(layout: Uint8Array, data: string) {
    const count = layout.byteLength / (8 + fieldsPerRecord * 4);
    if (!Number.isInteger(count)) throw new Error(`a stored record batch has a layout of ${layout.byteLength} bytes, which no batch has`);
    // A copy: a BLOB read from SQLite need not be aligned for typed arrays.
    const aligned = layout.slice().buffer;
    this.count = count;
    this.#timestamps = new Float64Array(aligned, 0, count);
    this.#lengths = new Int32Array(aligned, count * 8, count * fieldsPerRecord);
    this.#starts = new Int32Array(count + 1);
    let position = 0;
    for (let i = 0; i < count; i++) {
      this.#starts[i] = position;
      const at = i * fieldsPerRecord;
      position += this.#lengths[at]! + Math.max(0, this.#lengths[at + 1]!) + this.#lengths[at + 2]! + this.#lengths[at + 3]!;
    }
    this.#starts[count] = position;
    if (position !== data.length) throw new Error(`a stored record batch holds ${data.length} characters where its layout says ${position}`);
    this.#data = data;
  }

  timestamp(index: number): number {
    return this.#timestamps[index]!;
  }

  /** The index of the first record at or after `timestamp`; `count` when there is none. */
  firstAtOrAfter(timestamp: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#timestamps[middle]! < timestamp) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The record's attribute and value characters, what byte retention counts. */
  size(index: number): number {
    return this.#lengths[index * fieldsPerRecord + 2]! + this.#lengths[index * fieldsPerRecord + 3]!;
  }

  id(index: number): string {
    const start = this.#starts[index]!;
    return this.#data.slice(start, start + this.#lengths[index * fieldsPerRecord]!);
  }

  record(index: number): BatchRecord {
    const at = index * fieldsPerRecord;
    const idLength = this.#lengths[at]!;
    const attrsLength = this.#lengths[at + 2]!;
    const valueLength = this.#lengths[at + 3]!;
    const keyLength = this.#lengths[at + 1]!;
    let position = this.#starts[index]!;
    const id = this.#data.slice(position, (position += idLength));
    const attrs = this.#data.slice(position, (position += attrsLength));
    const value = this.#data.slice(position, (position += valueLength));
    const key = keyLength < 0 ? null : this.#data.slice(position, position + keyLength);
    return { id, key, timestamp: this.#timestamps[index]!, attrs, value };
  }
}

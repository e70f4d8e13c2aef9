/**
 * The records of one writer round on their way to the producer thread, which writes them as
 * Kafka record batches (record-batch.ts). Columns (arrays of strings and typed arrays) copy between threads
 * several times faster than an array of small objects, as for the SQLite store thread. The values,
 * most of a round's bytes, travel as UTF-8 in one buffer that is handed over, not copied: as
 * strings they were cloned into the thread's heap and lived there until the broker answered,
 * long enough to be copied by its scavenges and promoted.
 */
import type { AppendRecord } from '../../ports/event-log.ts';

export interface ProduceColumns {
  topic: string[];
  partition: Int32Array;
  id: string[];
  unique: Uint8Array;
  /** Set where a repeat is recognised by something other than the id (written as the `sluice_unique` header's value). */
  dedupKey: (string | undefined)[];
  /** For unique records: the offset up to which the partition's ids were checked (header `sluice_checkedto`); NaN when none. */
  checkedTo: Float64Array;
  key: (string | null)[];
  /** Receive time, epoch milliseconds. */
  timestamp: Float64Array;
  type: string[];
  source: string[];
  time: string[];
  subject: (string | null)[];
  /** NaN when the record has no schema id. */
  schemaId: Float64Array;
  /** Every record's data as JSON text in UTF-8, back to back, in a buffer of its own (see `transferList`). */
  values: Uint8Array;
  /** Where record i's value ends in `values`; it starts where record i − 1's ends. */
  valueEnds: Int32Array;
}

/** `checkedTo[i]` goes with `records[i]` (see ProduceColumns.checkedTo); none when left out. */
export function toProduceColumns(records: readonly AppendRecord[], topicOf: (stream: string) => string, checkedTo?: Float64Array): ProduceColumns {
  const count = records.length;
  const columns: ProduceColumns = {
    topic: new Array<string>(count),
    partition: new Int32Array(count),
    id: new Array<string>(count),
    unique: new Uint8Array(count),
    // Left empty (holes) but where a record has one: nearly none do.
    dedupKey: new Array<string | undefined>(count),
    checkedTo: checkedTo ?? new Float64Array(count).fill(Number.NaN),
    key: new Array<string | null>(count),
    timestamp: new Float64Array(count),
    type: new Array<string>(count),
    source: new Array<string>(count),
    time: new Array<string>(count),
    subject: new Array<string | null>(count),
    schemaId: new Float64Array(count),
    ...packValues(records),
  };
  records.forEach((record, i) => {
    const { attributes } = record;
    columns.topic[i] = topicOf(record.stream);
    columns.partition[i] = record.partition;
    columns.id[i] = record.id;
    columns.unique[i] = record.unique ? 1 : 0;
    if (record.dedupKey !== undefined) columns.dedupKey[i] = record.dedupKey;
    columns.key[i] = record.key;
    columns.timestamp[i] = record.timestamp;
    columns.type[i] = attributes.type;
    columns.source[i] = attributes.source;
    columns.time[i] = attributes.time;
    columns.subject[i] = attributes.subject ?? null;
    columns.schemaId[i] = attributes.schemaId ?? Number.NaN;
  });
  return columns;
}

/** What to hand over rather than copy when the columns are posted to another thread. */
export function transferList(columns: ProduceColumns): ArrayBuffer[] {
  return [columns.values.buffer as ArrayBuffer];
}

/** Where record `i`'s value starts in `columns.values`. */
export function valueStart(columns: ProduceColumns, i: number): number {
  return i === 0 ? 0 : columns.valueEnds[i - 1]!;
}

function packValues(records: readonly AppendRecord[]): { values: Uint8Array; valueEnds: Int32Array } {
  let units = 0;
  for (const record of records) units += record.value.length;
  // Sized for mostly ASCII; grown when a value does not fit. Not from the shared pool: it is transferred.
  let buffer = Buffer.allocUnsafeSlow(units + (units >>> 3) + 64);
  const valueEnds = new Int32Array(records.length);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const value = records[i]!.value;
    let written = buffer.write(value, at);
    // A write stops before a character that does not fit, leaving under 4 bytes free.
    if (buffer.length - at - written < 4 && written < Buffer.byteLength(value)) {
      const grown = Buffer.allocUnsafeSlow(Math.max(buffer.length * 2, at + Buffer.byteLength(value) + 64));
      buffer.copy(grown, 0, 0, at);
      buffer = grown;
      written = buffer.write(value, at);
    }
    at += written;
    valueEnds[i] = at;
  }
  return { values: new Uint8Array(buffer.buffer, 0, at), valueEnds };
}

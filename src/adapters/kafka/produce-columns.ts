/**
 * The records of one writer round on their way to the producer thread, which writes them as
 * Kafka record batches (record-batch.ts). Columns (arrays of strings and typed arrays) copy between threads
 * several times faster than an array of small objects, as for the SQLite store thread.
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
  /** The data as JSON text. */
  value: string[];
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
    value: new Array<string>(count),
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
    columns.value[i] = record.value;
  });
  return columns;
}

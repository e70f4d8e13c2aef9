import type { AppendRecord, AppendResult } from '../../ports/event-log.ts';

/**
 * Appends as columns for the trip to the store thread: arrays of strings and typed arrays
 * copy between threads several times faster than an array of small objects.
 */
export interface AppendColumns {
  stream: string[];
  partition: Int32Array;
  id: string[];
  unique: Uint8Array;
  /** Set where a repeat is recognised by something other than the id. */
  dedupKey: (string | undefined)[];
  key: (string | null)[];
  timestamp: Float64Array;
  /** The record attributes as JSON text, stored as is. */
  attrs: string[];
  value: string[];
}

export interface ResultColumns {
  partition: Int32Array;
  offset: Float64Array;
  duplicate: Uint8Array;
}

/** One record as the SQLite log stores it. */
export interface StoredAppend {
  stream: string;
  partition: number;
  id: string;
  unique: boolean;
  /** What the id index holds for a unique record: the id, or the record's `dedupKey`. */
  dedupKey: string;
  key: string | null;
  timestamp: number;
  attrs: string;
  value: string;
}

export function toColumns(records: readonly AppendRecord[]): AppendColumns {
  const count = records.length;
  const columns: AppendColumns = {
    stream: new Array<string>(count),
    partition: new Int32Array(count),
    id: new Array<string>(count),
    unique: new Uint8Array(count),
    // Left empty (holes) but where a record has one: nearly none do.
    dedupKey: new Array<string | undefined>(count),
    key: new Array<string | null>(count),
    timestamp: new Float64Array(count),
    attrs: new Array<string>(count),
    value: new Array<string>(count),
  };
  records.forEach((record, i) => {
    columns.stream[i] = record.stream;
    columns.partition[i] = record.partition;
    columns.id[i] = record.id;
    columns.unique[i] = record.unique ? 1 : 0;
    if (record.dedupKey !== undefined) columns.dedupKey[i] = record.dedupKey;
    columns.key[i] = record.key;
    columns.timestamp[i] = record.timestamp;
    columns.attrs[i] = JSON.stringify(record.attributes);
    columns.value[i] = record.value;
  });
  return columns;
}

export function fromColumns(columns: AppendColumns): StoredAppend[] {
  return columns.stream.map((stream, i) => ({
    stream,
    partition: columns.partition[i]!,
    id: columns.id[i]!,
    unique: columns.unique[i] === 1,
    dedupKey: columns.dedupKey[i] ?? columns.id[i]!,
    key: columns.key[i] ?? null,
    timestamp: columns.timestamp[i]!,
    attrs: columns.attrs[i]!,
    value: columns.value[i]!,
  }));
}

export function toResultColumns(results: readonly AppendResult[]): ResultColumns {
  const columns: ResultColumns = {
    partition: new Int32Array(results.length),
    offset: new Float64Array(results.length),
    duplicate: new Uint8Array(results.length),
  };
  results.forEach((result, i) => {
    columns.partition[i] = result.partition;
    columns.offset[i] = result.offset;
    columns.duplicate[i] = result.duplicate ? 1 : 0;
  });
  return columns;
}

export function fromResultColumns(columns: ResultColumns): AppendResult[] {
  return Array.from(columns.partition, (partition, i) => ({ partition, offset: columns.offset[i]!, duplicate: columns.duplicate[i] === 1 }));
}

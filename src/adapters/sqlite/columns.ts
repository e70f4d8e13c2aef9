import { type AppendColumns, unpackColumns } from '../../ports/append-columns.ts';
import type { AppendResult } from '../../ports/event-log.ts';

export { type AppendColumns, toColumns } from '../../ports/append-columns.ts';

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

export function fromColumns(columns: AppendColumns): StoredAppend[] {
  return unpackColumns(columns, (i, id, attrs, value, key) => ({
    stream: columns.streams[columns.stream[i]!]!,
    partition: columns.partition[i]!,
    id,
    unique: columns.unique[i] === 1,
    dedupKey: columns.dedupKey[i] ?? id,
    key,
    timestamp: columns.timestamp[i]!,
    attrs,
    value,
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

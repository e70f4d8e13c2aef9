import { type AppendColumns, unpackColumns } from '../../ports/append-columns.ts';

export { type AppendColumns, type ResultColumns, concatColumns, fromResultColumns, toColumns, toResultColumns } from '../../ports/append-columns.ts';

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

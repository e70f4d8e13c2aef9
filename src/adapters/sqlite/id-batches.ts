import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** One id of the id log: its place in its stream's order of ids (`seq`) and its record's. */
export interface LoggedId {
  streamId: number;
  seq: number;
  id: string;
  partition: number;
  offset: number;
}

/** A row of `id_batches` (log-layout.ts) as SQLite answers it. */
export interface IdBatchRow {
  last_seq: number;
  count: number;
  at: number;
  ids: string;
  places: Uint8Array;
}

/** Bytes per id in `places`: its offset (float64), then apart its partition and its id's length (uint32 each). */
const bytesPerId = 16;

/**
 * Writes a flush's new ids to the id log, one row per stream: the ids one after another in one
 * text and their places packed in one blob, as a record batch holds its records. One row per
 * id had cost the store thread about 1.2 µs per id, even 64 rows to a statement.
 */
export class IdBatchWriter {
  readonly #insert: StatementSync;

  constructor(db: DatabaseSync) {
    this.#insert = db.prepare('INSERT INTO id_batches (stream_id, last_seq, count, at, ids, places) VALUES (?, ?, ?, ?, ?, ?)');
  }

  /** Inside the flush's transaction: every row is stored with it, or none. Each stream's ids come with consecutive `seq`s, in order. */
  write(ids: readonly LoggedId[], at: number): void {
    if (ids.length === 0) return;
    const byStream = new Map<number, LoggedId[]>();
    for (const id of ids) {
      const ofStream = byStream.get(id.streamId);
      if (ofStream === undefined) byStream.set(id.streamId, [id]);
      else ofStream.push(id);
    }
    for (const [streamId, ofStream] of byStream) this.writeRow(streamId, ofStream, at);
  }

  /** One row: ids of one stream with consecutive `seq`s, in order, received at `at`. */
  writeRow(streamId: number, ids: readonly Pick<LoggedId, 'seq' | 'id' | 'partition' | 'offset'>[], at: number): void {
    const { text, places } = encodeIdBatch(ids);
    this.#insert.run(streamId, ids[ids.length - 1]!.seq, ids.length, at, text, places);
  }
}

function encodeIdBatch(ids: readonly Pick<LoggedId, 'id' | 'partition' | 'offset'>[]): { text: string; places: Uint8Array } {
  const count = ids.length;
  const buffer = new ArrayBuffer(count * bytesPerId);
  const offsets = new Float64Array(buffer, 0, count);
  const partitions = new Uint32Array(buffer, count * 8, count);
  const lengths = new Uint32Array(buffer, count * 12, count);
  let text = '';
  for (let i = 0; i < count; i++) {
    const { id, partition, offset } = ids[i]!;
    offsets[i] = offset;
    partitions[i] = partition;
    lengths[i] = id.length;
    text += id;
  }
  return { text, places: new Uint8Array(buffer) };
}

/** Calls `each` for every id of a row from `from` on (by `seq`), in order. */
export function forEachLoggedId(row: IdBatchRow, from: number, each: (seq: number, id: string, partition: number, offset: number) => void): void {
  const { count } = row;
  // SQLite's bytes need not be aligned for a Float64Array: a copy is.
  const buffer = row.places.slice().buffer;
  if (buffer.byteLength !== count * bytesPerId) throw new Error(`an id batch of ${count} ids has ${buffer.byteLength} bytes of places`);
  const offsets = new Float64Array(buffer, 0, count);
  const partitions = new Uint32Array(buffer, count * 8, count);
  const lengths = new Uint32Array(buffer, count * 12, count);
  const firstSeq = row.last_seq - count + 1;
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = start + lengths[i]!;
    if (firstSeq + i >= from) each(firstSeq + i, row.ids.slice(start, end), partitions[i]!, offsets[i]!);
    start = end;
  }
}

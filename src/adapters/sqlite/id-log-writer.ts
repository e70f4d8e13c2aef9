import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** One id as the id log stores it (log-layout.ts). */
export interface IdLogRow {
  streamId: number;
  seq: number;
  id: string;
  partition: number;
  offset: number;
}

/** Rows per INSERT, largest first; 64 × 6 parameters stays far below SQLite's limit of 32,766. */
const statementSizes = [64, 8, 1];
const columnsPerRow = 6;

/**
 * Appends a flush's new ids to the id log, many rows per statement: each `run` of node:sqlite
 * costs about as much again as the row it inserts, so one row per statement doubled what an
 * id cost the store thread.
 */
export class IdLogWriter {
  readonly #inserts: { rows: number; statement: StatementSync; values: (string | number)[] }[];

  constructor(db: DatabaseSync) {
    const insert = 'INSERT INTO id_log (stream_id, seq, id, partition, offset, at) VALUES ';
    this.#inserts = statementSizes.map((rows) => ({
      rows,
      statement: db.prepare(insert + Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?)').join(', ')),
      values: new Array<string | number>(rows * columnsPerRow),
    }));
  }

  /** Inside the flush's transaction: every row is stored with it, or none. */
  write(rows: readonly IdLogRow[], at: number): void {
    let next = 0;
    for (const { rows: size, statement, values } of this.#inserts) {
      for (; next + size <= rows.length; next += size) {
        for (let i = 0; i < size; i++) {
          const row = rows[next + i]!;
          const base = i * columnsPerRow;
          values[base] = row.streamId;
          values[base + 1] = row.seq;
          values[base + 2] = row.id;
          values[base + 3] = row.partition;
          values[base + 4] = row.offset;
          values[base + 5] = at;
        }
        statement.run(...values);
      }
    }
  }
}

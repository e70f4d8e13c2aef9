import type { DatabaseSync } from 'node:sqlite';
import { IdBatchWriter } from './id-batches.ts';
import { BatchBuilder } from './record-batch.ts';

/**
 * How the event log is laid out in the file, recorded in `PRAGMA user_version`:
 * - 0: one row per record (`records`), as written by the first releases;
 * - 1: one row per record batch (`record_batches`, see record-batch.ts); the id index holds
 *   each id's place in its stream's deduplication window (`seq`, `at`);
 * - 2: the id index is a log of ids in the order they came (`id_log`, keyed by stream and
 *   `seq`), which the event log loads into memory (`../id-window.ts`) to find repeats. Keyed
 *   by id, every commit inserted its ids at random places of the B-tree: with random UUIDs,
 *   commits of 1,600 events wrote 18.6 KB to the disk per event (against 1.0 KB without
 *   ids) and the store spent 33–36 µs of CPU per event. Appended in order, a commit writes
 *   the ids at the end of the log.
 * - 3: the id log holds a commit's ids of a stream in one row (`id_batches`, keyed by stream
 *   and the last `seq` of the row; see id-batches.ts), as record batches hold records: a row
 *   per id cost the store thread about 1.2 µs per id.
 * - 4: no index of batches by time (`record_batches_by_time`). A batch's newest timestamp never
 *   falls below the one before it in its partition (the log stamps a record no earlier than
 *   the record before it), so a time is found by a binary search over the offsets' index.
 *   Every commit wrote to that index for each partition it touched: a commit of 20 single
 *   events over 4 partitions took about a fifth less wall time and CPU without it (medians
 *   of three alternated pairs, 1.33 → 1.07 ms and 0.53 → 0.44 ms; docs/BENCHMARKS.md,
 *   "Commits of single events").
 * Opening a file migrates it to the current layout in one transaction; a file written by a
 * newer release is refused rather than misread.
 *
 * Batches live in a rowid table with the offsets in an index of their own: a WITHOUT ROWID
 * table keys its B-tree by whole rows, and SQLite reads a row's overflow pages to compare it
 * with a key, so each seek among batches of ~150 KB read megabytes.
 */
export const currentLayout = 4;

const recordBatchesTable = `
CREATE TABLE IF NOT EXISTS record_batches (
  stream_id INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  base_offset INTEGER NOT NULL,
  count INTEGER NOT NULL,
  last_ts INTEGER NOT NULL,
  size INTEGER NOT NULL,
  layout BLOB NOT NULL,
  data TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS record_batches_by_offset ON record_batches (stream_id, partition, base_offset);
DROP INDEX IF EXISTS record_batches_by_time;
`;

const idBatchesTable = `
CREATE TABLE IF NOT EXISTS id_batches (
  stream_id INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  count INTEGER NOT NULL,
  at INTEGER NOT NULL,
  ids TEXT NOT NULL,
  places BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS id_batches_by_seq ON id_batches (stream_id, last_seq);
`;

/** Layout 2's id log, one row per id: made again only to migrate older files through it. */
const idLogTable = `
CREATE TABLE IF NOT EXISTS id_log (
  stream_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  id TEXT NOT NULL,
  partition INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (stream_id, seq)
) WITHOUT ROWID;
`;

/** Records per batch when rows of layout 0 are regrouped. */
const migratedBatchSize = 1000;

export class NewerLayoutError extends Error {}

/** A file brought from an earlier layout to this release's, and how long it took. */
export interface LayoutMigration {
  from: number;
  to: number;
  ms: number;
}

/** Brings the file to `currentLayout`; answers the migration when a file of an earlier release was rewritten (not for a new file). */
export function migrateLogLayout(db: DatabaseSync, file: string): LayoutMigration | undefined {
  const started = performance.now();
  const found = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  if (found > currentLayout) {
    throw new NewerLayoutError(
      `${file} was written by a newer Sluice (storage layout ${found}; this release reads up to ${currentLayout}); upgrade Sluice, or restore a backup taken before the upgrade`,
    );
  }
  if (found === currentLayout) return undefined;
  // Layout 0 predates the version number: a file with its table holds data; one without is new.
  const written = found > 0 || hasTable(db, 'records');
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(recordBatchesTable);
    if (hasTable(db, 'records')) batchRows(db);
    if (hasTable(db, 'record_ids')) {
      db.exec(idLogTable);
      logIds(db);
    }
    db.exec(idBatchesTable);
    if (hasTable(db, 'id_log')) batchIds(db);
    db.exec(`PRAGMA user_version = ${currentLayout}`);
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
  return written ? { from: found, to: currentLayout, ms: performance.now() - started } : undefined;
}

function hasTable(db: DatabaseSync, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

function hasColumn(db: DatabaseSync, table: string, column: string): boolean {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).some((row) => row.name === column);
}

/**
 * Layouts 0 and 1 → 2 (and from there to 3): the id index, keyed by id, becomes the log of ids in the order they
 * came. Layout 1 numbered each stream's ids (`seq`, with gaps where an id came again); they
 * are numbered again densely in that order, which keeps an id in the window at least as long
 * as before. Layout 0 had no order or time, nor had ids a layout-1 file took over from it
 * (all `seq` 0): their records' offsets stand for the order, so when a stream holds more than
 * a window of them the newest stay; they count as received now, so none leaves the window by
 * age at once.
 */
function logIds(db: DatabaseSync): void {
  const ordered = hasColumn(db, 'record_ids', 'seq');
  db.exec(
    'INSERT INTO id_log (stream_id, seq, id, partition, offset, at) ' +
      `SELECT stream_id, ROW_NUMBER() OVER (PARTITION BY stream_id ORDER BY ${ordered ? 'seq, at, offset, partition' : 'offset, partition'}) - 1, id, partition, offset, ` +
      `${ordered ? 'at' : String(Date.now())} FROM record_ids`,
  );
  db.exec('DROP TABLE record_ids');
}

/** Ids per row when layout 2's rows are regrouped. */
const migratedIdsPerBatch = 1000;

/**
 * Layout 2 → 3: each stream's ids, in `seq` order, regrouped into rows of consecutive `seq`s
 * received at the same time (the time is the row's), as the commits that logged them wrote them.
 */
function batchIds(db: DatabaseSync): void {
  const rows = db.prepare('SELECT stream_id AS streamId, seq, id, partition, offset, at FROM id_log ORDER BY stream_id, seq');
  const writer = new IdBatchWriter(db);
  let run: { streamId: number; seq: number; id: string; partition: number; offset: number; at: number }[] = [];
  const write = (): void => {
    if (run.length === 0) return;
    const last = run[run.length - 1]!;
    writer.writeRow(last.streamId, run, last.at);
    run = [];
  };
  for (const row of rows.iterate() as Iterable<(typeof run)[number]>) {
    const last = run[run.length - 1];
    if (last !== undefined && (row.streamId !== last.streamId || row.seq !== last.seq + 1 || row.at !== last.at || run.length === migratedIdsPerBatch)) write();
    run.push(row);
  }
  write();
  db.exec('DROP TABLE id_log');
}

/** Layout 0 → 1: each partition's rows, in offset order, regrouped into batches. */
function batchRows(db: DatabaseSync): void {
  const partitions = db.prepare('SELECT DISTINCT stream_id, partition FROM records').all() as { stream_id: number; partition: number }[];
  const rows = db.prepare('SELECT offset, id, key, ts, attrs, value FROM records WHERE stream_id = ? AND partition = ? ORDER BY offset');
  const insert = db.prepare(
    'INSERT INTO record_batches (stream_id, partition, base_offset, count, last_ts, size, layout, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  for (const { stream_id: streamId, partition } of partitions) {
    let builder = new BatchBuilder();
    let base = 0;
    let next = -1;
    const write = () => {
      if (builder.count === 0) return;
      const batch = builder.encode();
      insert.run(streamId, partition, base, batch.count, batch.lastTimestamp, batch.size, batch.layout, batch.data);
      builder = new BatchBuilder();
    };
    for (const row of rows.iterate(streamId, partition) as Iterable<{
      offset: number;
      id: string;
      key: string | null;
      ts: number;
      attrs: string;
      value: string;
    }>) {
      // Offsets are dense from a partition's first stored one, so a batch is a run of them.
      if (row.offset !== next || builder.count === migratedBatchSize) {
        write();
        base = row.offset;
      }
      builder.add({ id: row.id, key: row.key, timestamp: row.ts, attrs: row.attrs, value: row.value });
      next = row.offset + 1;
    }
    write();
  }
  db.exec('DROP TABLE records');
}

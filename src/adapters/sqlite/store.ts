import type { DedupWindow } from '../../ports/event-log.ts';
import type { Store } from '../../ports/store.ts';
import { SqliteCatalog } from './catalog.ts';
import { BackgroundCheckpointer, type CheckpointThreadReport, describeCheckpointReport } from './checkpointer.ts';
import { SqliteConsumerGroups } from './consumer-groups.ts';
import { openDatabase } from './database.ts';
import type { LayoutMigration } from './log-layout.ts';
import { SqliteEventLog } from './event-log.ts';
import { SqliteStateStore } from './state-store.ts';
import { StoreClient } from './thread/store-client.ts';
import { ThreadedCatalog, ThreadedConsumerGroups, ThreadedEventLog, ThreadedStateStore } from './thread/threaded-ports.ts';

/** What the embedded store can be opened with besides its directory. */
export interface SqliteStoreOptions {
  /** How far back repeated producer ids are recognised (`limits.dedupWindowMs`, `limits.dedupWindowIds`). */
  dedupWindow?: DedupWindow;
  /**
   * Copy the WAL into the database file from a thread of its own (`checkpointer.ts`) rather
   * than inside the commits that fill it (`store.checkpointThread`). Off, the database file
   * is held exclusively as well, and needs no shared memory. On by default in the store
   * thread; off by default for the adapters on the calling thread (tests).
   */
  backgroundCheckpoints?: boolean;
}

/** Where the store's own threads report what goes wrong in the background (pino's shape). */
export interface StoreLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

/**
 * Every port on one embedded SQLite file in `dataDir`, served by a thread of its own so
 * that writing and fsync never stall the HTTP event loop. This is what `sluice start` uses.
 */
export async function openSqliteStore(dataDir: string, options: SqliteStoreOptions = {}, logger?: StoreLogger): Promise<Store> {
  const reportCheckpoint = (report: CheckpointThreadReport): void => {
    const { level, message } = describeCheckpointReport(report);
    logger?.[level]({ dataDir, checkpoint: report.kind }, message);
  };
  const {
    client,
    catalog: entries,
    migration,
  } = await StoreClient.start(dataDir, { ...options, backgroundCheckpoints: options.backgroundCheckpoints ?? true }, reportCheckpoint);
  if (migration !== undefined) {
    logger?.info(
      { dataDir, layout: migration.to, from: migration.from, ms: Math.round(migration.ms) },
      `the data directory was written by an earlier release (storage layout ${migration.from}); it is now in layout ${migration.to} (took ${Math.round(migration.ms)} ms). Older releases cannot open it: keep the backup taken before the upgrade to go back`,
    );
  }
  const log = new ThreadedEventLog(client);
  const groups = new ThreadedConsumerGroups(client);
  const catalog = new ThreadedCatalog(client, entries);
  return {
    log,
    groups,
    catalog,
    state: new ThreadedStateStore(client),
    async close() {
      await log.close();
      await catalog.close();
      await client.close();
    },
  };
}

/** The same ports on the calling thread: used inside the store thread, and by tests. */
export function openInProcessStore(
  dataDir: string,
  options: SqliteStoreOptions = {},
  onCheckpointReport?: (report: CheckpointThreadReport) => void,
): Store & { log: SqliteEventLog; catalog: SqliteCatalog; groups: SqliteConsumerGroups; state: SqliteStateStore; migration: LayoutMigration | undefined } {
  const database = openDatabase(dataDir, { secondConnection: options.backgroundCheckpoints === true });
  const db = database.db;
  const log = new SqliteEventLog(db, options);
  const groups = new SqliteConsumerGroups(db);
  const catalog = new SqliteCatalog(db);
  const checkpointer = options.backgroundCheckpoints === true ? BackgroundCheckpointer.start(database.file, onCheckpointReport) : undefined;
  const stopNudging = checkpointer === undefined ? undefined : log.onAppended(() => checkpointer.committed());
  return {
    log,
    groups,
    catalog,
    state: new SqliteStateStore(db),
    migration: database.migration,
    async close() {
      stopNudging?.();
      await checkpointer?.stop();
      await log.close();
      await groups.close();
      await catalog.close();
      database.close();
    },
  };
}

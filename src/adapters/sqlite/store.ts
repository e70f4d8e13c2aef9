import type { DedupWindow } from '../../ports/event-log.ts';
import type { Store } from '../../ports/store.ts';
import { SqliteCatalog } from './catalog.ts';
import { BackgroundCheckpointer } from './checkpointer.ts';
import { SqliteConsumerGroups } from './consumer-groups.ts';
import { openDatabase } from './database.ts';
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

/**
 * Every port on one embedded SQLite file in `dataDir`, served by a thread of its own so
 * that writing and fsync never stall the HTTP event loop. This is what `sluice start` uses.
 */
export async function openSqliteStore(dataDir: string, options: SqliteStoreOptions = {}): Promise<Store> {
  const { client, catalog: entries } = await StoreClient.start(dataDir, { ...options, backgroundCheckpoints: options.backgroundCheckpoints ?? true });
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
): Store & { log: SqliteEventLog; catalog: SqliteCatalog; groups: SqliteConsumerGroups; state: SqliteStateStore } {
  const database = openDatabase(dataDir, { secondConnection: options.backgroundCheckpoints === true });
  const db = database.db;
  const log = new SqliteEventLog(db, options);
  const groups = new SqliteConsumerGroups(db);
  const catalog = new SqliteCatalog(db);
  const checkpointer = options.backgroundCheckpoints === true ? BackgroundCheckpointer.start(database.file) : undefined;
  const stopNudging = checkpointer === undefined ? undefined : log.onAppended(() => checkpointer.committed());
  return {
    log,
    groups,
    catalog,
    state: new SqliteStateStore(db),
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

import type { Store } from '../../ports/store.ts';
import { SqliteCatalog } from './catalog.ts';
import { SqliteConsumerGroups } from './consumer-groups.ts';
import { openDatabase } from './database.ts';
import { SqliteEventLog } from './event-log.ts';
import { SqliteStateStore } from './state-store.ts';
import { StoreClient } from './thread/store-client.ts';
import { ThreadedCatalog, ThreadedConsumerGroups, ThreadedEventLog, ThreadedStateStore } from './thread/threaded-ports.ts';

/**
 * Every port on one embedded SQLite file in `dataDir`, served by a thread of its own so
 * that writing and fsync never stall the HTTP event loop. This is what `sluice start` uses.
 */
export async function openSqliteStore(dataDir: string): Promise<Store> {
  const { client, catalog: entries } = await StoreClient.start(dataDir);
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
): Store & { log: SqliteEventLog; catalog: SqliteCatalog; groups: SqliteConsumerGroups; state: SqliteStateStore } {
  const db = openDatabase(dataDir);
  const log = new SqliteEventLog(db);
  const groups = new SqliteConsumerGroups(db);
  const catalog = new SqliteCatalog(db);
  return {
    log,
    groups,
    catalog,
    state: new SqliteStateStore(db),
    async close() {
      await log.close();
      await groups.close();
      await catalog.close();
      db.close();
    },
  };
}

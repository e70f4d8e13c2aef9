import type { Store } from '../../ports/store.ts';
import { SqliteCatalog } from './catalog.ts';
import { SqliteConsumerGroups } from './consumer-groups.ts';
import { openDatabase } from './database.ts';
import { SqliteEventLog } from './event-log.ts';

/** Every port on one embedded SQLite file in `dataDir`. */
export function openSqliteStore(dataDir: string): Store {
  const db = openDatabase(dataDir);
  const log = new SqliteEventLog(db);
  const groups = new SqliteConsumerGroups(db);
  const catalog = new SqliteCatalog(db);
  return {
    log,
    groups,
    catalog,
    async close() {
      await log.close();
      await groups.close();
      await catalog.close();
      db.close();
    },
  };
}

import type { Catalog } from './catalog.ts';
import type { ConsumerGroups } from './consumer-groups.ts';
import type { EventLog } from './event-log.ts';

/** Every port, opened together on one backing store (embedded SQLite or Kafka). */
export interface Store {
  log: EventLog;
  groups: ConsumerGroups;
  catalog: Catalog;
  close(): Promise<void>;
}

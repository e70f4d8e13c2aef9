import type { Catalog } from './catalog.ts';
import type { ConsumerGroups } from './consumer-groups.ts';
import type { EventLog } from './event-log.ts';
import type { SourceReader } from './source-reader.ts';
import type { StateStore } from './state-store.ts';

/** Every port, opened together on one backing store (embedded SQLite or Kafka). */
export interface Store {
  log: EventLog;
  groups: ConsumerGroups;
  catalog: Catalog;
  /** Keyed state and timers of stateful processors (correlations). */
  state: StateStore;
  /** Reads topics Sluice does not own; only stores on Kafka have it. */
  sources?: SourceReader;
  close(): Promise<void>;
}

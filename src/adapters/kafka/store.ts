/**
 * Every port on one Kafka cluster (docs/internals/kafka.md): streams are topics `<prefix><stream>`, the
 * catalog is the compacted topic `<prefix>_sluice_catalog`, committed offsets live in Kafka's
 * group coordinator under `<prefix><group>`, and group members are shared through the topic
 * `<prefix>_sluice_members`; keyed state (correlations) is a compacted changelog topic per
 * processor, `<prefix>_sluice_state.<namespace>`.
 */
import type { Store } from '../../ports/store.ts';
import { KafkaCatalog } from './catalog.ts';
import type { KafkaStoreOptions } from './client-options.ts';
import { resolveKafkaOptions } from './client-options.ts';
import { KafkaConsumerGroups } from './consumer-groups.ts';
import { KafkaEventLog } from './event-log.ts';
import { withPortErrors } from './port-errors.ts';
import { KafkaSourceReader } from './source-reader.ts';
import { KafkaStateStore } from './state-store.ts';

export type { KafkaStoreOptions } from './client-options.ts';

/** Opens every port; resolves once the catalog has been read to its end. */
export async function openKafkaStore(options: KafkaStoreOptions): Promise<Store> {
  const resolved = resolveKafkaOptions(options);
  const catalog = await KafkaCatalog.open(resolved);
  let groups: KafkaConsumerGroups;
  try {
    groups = await KafkaConsumerGroups.open(resolved);
  } catch (error) {
    await catalog.close();
    throw error;
  }
  const log = new KafkaEventLog(resolved);
  const sources = new KafkaSourceReader(resolved);
  const state = new KafkaStateStore(resolved);
  return {
    log: withPortErrors(log),
    groups: withPortErrors(groups),
    catalog: withPortErrors(catalog),
    sources: withPortErrors(sources),
    state: withPortErrors(state),
    async close() {
      await state.close();
      await sources.close();
      await log.close();
      await groups.close();
      await catalog.close();
    },
  };
}

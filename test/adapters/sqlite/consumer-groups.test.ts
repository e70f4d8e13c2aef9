import { consumerGroupsContract } from '../contracts/consumer-groups.contract.ts';
import { sqlitePort, sqliteVariants } from './sqlite-harness.ts';

for (const variant of sqliteVariants) {
  consumerGroupsContract(
    variant.name,
    sqlitePort(variant.open, (store) => store.groups),
    { shortSessionMs: 50 },
  );
}

import { stateStoreContract } from '../contracts/state-store.contract.ts';
import { sqlitePort, sqliteVariants } from './sqlite-harness.ts';

for (const variant of sqliteVariants) {
  stateStoreContract(
    variant.name,
    sqlitePort(variant.open, (store) => store.state),
  );
}

import { catalogContract } from '../contracts/catalog.contract.ts';
import { sqlitePort, sqliteVariants } from './sqlite-harness.ts';

for (const variant of sqliteVariants)
  catalogContract(
    variant.name,
    sqlitePort(variant.open, (store) => store.catalog),
  );

import { openSqliteStore } from '../../../src/adapters/sqlite/store.ts';
import { dedupWindowContract } from '../contracts/dedup-window.contract.ts';
import { sqlitePort } from './sqlite-harness.ts';

dedupWindowContract('sqlite', (t, dedupWindow) =>
  sqlitePort(
    (dataDir) => openSqliteStore(dataDir, { dedupWindow }),
    (store) => store.log,
  )(t),
);

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { TestContext } from 'node:test';
import { forEachLoggedId, type IdBatchRow } from '../../../src/adapters/sqlite/id-batches.ts';
import { openInProcessStore, openSqliteStore, type SqliteStoreOptions } from '../../../src/adapters/sqlite/store.ts';
import type { Store } from '../../../src/ports/store.ts';
import type { Opened, OpenPort } from '../contracts/harness.ts';

/** A temporary data directory, removed after the test. */
export function tempDataDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-sqlite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every id of the id log (`id_batches`), by stream name and in `seq` order. */
export function loggedIds(db: DatabaseSync): { stream: string; seq: number; id: string; partition: number; offset: number; at: number }[] {
  const rows = db
    .prepare(
      'SELECT s.name AS stream, b.last_seq, b.count, b.at, b.ids, b.places FROM id_batches b JOIN streams s ON s.id = b.stream_id ORDER BY s.name, b.last_seq',
    )
    .all() as unknown as (IdBatchRow & { stream: string })[];
  const ids: ReturnType<typeof loggedIds> = [];
  for (const row of rows) forEachLoggedId(row, 0, (seq, id, partition, offset) => ids.push({ stream: row.stream, seq, id, partition, offset, at: row.at }));
  return ids;
}

/** The two ways the SQLite adapter runs: in a store thread (what `sluice start` uses) and in process. */
export function sqliteVariantsWith(options: SqliteStoreOptions): { name: string; open: (dataDir: string) => Promise<Store> }[] {
  return [
    { name: 'sqlite store thread', open: (dataDir) => openSqliteStore(dataDir, options) },
    {
      name: 'sqlite in process',
      // Open inside the promise, so a refused open rejects instead of throwing synchronously.
      open: (dataDir) => new Promise<Store>((resolve) => resolve(openInProcessStore(dataDir, options))),
    },
  ];
}

export const sqliteVariants = sqliteVariantsWith({});

/**
 * Opens a store on a fresh temp directory and hands the contract one of its ports;
 * `reopen` closes the store and opens the same directory again. Whatever is open at the
 * end of the test is closed before the directory is removed.
 */
export function sqlitePort<P>(openStore: (dataDir: string) => Promise<Store>, pick: (store: Store) => P): OpenPort<P> {
  return async (t) => {
    const dir = tempDataDir(t);
    let current: Store | undefined = await openStore(dir);
    t.after(() => current?.close());
    const opened: Opened<P> = {
      port: pick(current),
      async reopen() {
        const previous = current;
        current = undefined;
        await previous?.close();
        current = await openStore(dir);
        return pick(current);
      },
    };
    return opened;
  };
}

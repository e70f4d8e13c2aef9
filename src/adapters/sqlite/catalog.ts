import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Catalog, CatalogChange, CatalogEntry, CatalogKind, CatalogKinds } from '../../ports/catalog.ts';
import { CatalogConflict } from '../../ports/catalog.ts';
import { CatalogState } from '../../ports/catalog-state.ts';
import { inTransaction } from './database.ts';

/** Where the highest revision handed out is kept, so deleting the newest entry cannot roll it back. */
const revisionMark = '\u0000catalog-revision';

/**
 * The catalog on SQLite. The whole catalog is small, so it is read once into memory and
 * written through; reads never touch the disk.
 */
export class SqliteCatalog implements Catalog {
  readonly #db: DatabaseSync;
  readonly #state = new CatalogState();
  readonly #upsert: StatementSync;
  readonly #remove: StatementSync;
  readonly #bumpSequence: StatementSync;
  readonly #markRevision: StatementSync;
  #revision = 0;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#upsert = db.prepare(
      'INSERT INTO catalog (kind, key, value, revision) VALUES (?, ?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, revision = excluded.revision',
    );
    this.#remove = db.prepare('DELETE FROM catalog WHERE kind = ? AND key = ?');
    this.#bumpSequence = db.prepare('INSERT INTO sequences (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value');
    this.#markRevision = db.prepare('INSERT INTO sequences (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)');
    const mark = db.prepare('SELECT value FROM sequences WHERE name = ?').get(revisionMark) as { value: number } | undefined;
    this.#revision = mark?.value ?? 0;
    const rows = db.prepare('SELECT kind, key, value, revision FROM catalog').all() as { kind: CatalogKind; key: string; value: string; revision: number }[];
    for (const row of rows) {
      this.#state.set({ kind: row.kind, key: row.key, value: JSON.parse(row.value) as CatalogKinds[CatalogKind], revision: row.revision });
      this.#revision = Math.max(this.#revision, row.revision);
    }
  }

  get<K extends CatalogKind>(kind: K, key: string): CatalogEntry<K> | undefined {
    return this.#state.get(kind, key);
  }

  list<K extends CatalogKind>(kind: K, keyPrefix = ''): CatalogEntry<K>[] {
    return this.#state.list(kind, keyPrefix);
  }

  put<K extends CatalogKind>(kind: K, key: string, value: CatalogKinds[K], options: { ifAbsent?: boolean } = {}): Promise<CatalogEntry<K>> {
    if (options.ifAbsent === true && this.get(kind, key) !== undefined) return Promise.reject(new CatalogConflict(kind, key));
    const revision = this.#revision + 1;
    inTransaction(this.#db, () => this.#upsert.run(kind, key, JSON.stringify(value), revision));
    this.#revision = revision;
    const entry: CatalogEntry<K> = { kind, key, value, revision };
    this.#state.set(entry);
    return Promise.resolve(entry);
  }

  delete(kind: CatalogKind, key: string): Promise<void> {
    inTransaction(this.#db, () => {
      this.#remove.run(kind, key);
      this.#markRevision.run(revisionMark, this.#revision);
    });
    this.#state.remove(kind, key);
    return Promise.resolve();
  }

  nextSequence(name: string): Promise<number> {
    const row = inTransaction(this.#db, () => this.#bumpSequence.get(name) as { value: number });
    return Promise.resolve(row.value);
  }

  /** Every entry, for a copy of the catalog held elsewhere. */
  entries(): CatalogEntry<CatalogKind>[] {
    return this.#state.all();
  }

  onChange(listener: (change: CatalogChange) => void): () => void {
    return this.#state.onChange(listener);
  }

  close(): Promise<void> {
    this.#state.clearListeners();
    return Promise.resolve();
  }
}

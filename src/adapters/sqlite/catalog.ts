import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Catalog, CatalogChange, CatalogEntry, CatalogKind, CatalogKinds } from '../../ports/catalog.ts';
import { CatalogConflict } from '../../ports/catalog.ts';
import { inTransaction } from './database.ts';

type AnyEntry = CatalogEntry<CatalogKind>;

/** Where the highest revision handed out is kept, so deleting the newest entry cannot roll it back. */
const revisionMark = '\u0000catalog-revision';

/**
 * The catalog on SQLite. The whole catalog is small, so it is read once into memory and
 * written through; reads never touch the disk.
 */
export class SqliteCatalog implements Catalog {
  readonly #db: DatabaseSync;
  readonly #entries = new Map<CatalogKind, Map<string, AnyEntry>>();
  readonly #listeners = new Set<(change: CatalogChange) => void>();
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
    this.#bumpSequence = db.prepare(
      'INSERT INTO sequences (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value',
    );
    this.#markRevision = db.prepare(
      'INSERT INTO sequences (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)',
    );
    const mark = db.prepare('SELECT value FROM sequences WHERE name = ?').get(revisionMark) as { value: number } | undefined;
    this.#revision = mark?.value ?? 0;
    const rows = db.prepare('SELECT kind, key, value, revision FROM catalog').all() as { kind: CatalogKind; key: string; value: string; revision: number }[];
    for (const row of rows) {
      this.#kind(row.kind).set(row.key, { kind: row.kind, key: row.key, value: JSON.parse(row.value) as CatalogKinds[CatalogKind], revision: row.revision });
      this.#revision = Math.max(this.#revision, row.revision);
    }
  }

  #kind(kind: CatalogKind): Map<string, AnyEntry> {
    let entries = this.#entries.get(kind);
    if (entries === undefined) {
      entries = new Map();
      this.#entries.set(kind, entries);
    }
    return entries;
  }

  get<K extends CatalogKind>(kind: K, key: string): CatalogEntry<K> | undefined {
    return this.#entries.get(kind)?.get(key) as CatalogEntry<K> | undefined;
  }

  list<K extends CatalogKind>(kind: K, keyPrefix = ''): CatalogEntry<K>[] {
    const entries = [...(this.#entries.get(kind)?.values() ?? [])] as CatalogEntry<K>[];
    return entries.filter((entry) => entry.key.startsWith(keyPrefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  put<K extends CatalogKind>(kind: K, key: string, value: CatalogKinds[K], options: { ifAbsent?: boolean } = {}): Promise<CatalogEntry<K>> {
    if (options.ifAbsent === true && this.get(kind, key) !== undefined) return Promise.reject(new CatalogConflict(kind, key));
    const revision = this.#revision + 1;
    inTransaction(this.#db, () => this.#upsert.run(kind, key, JSON.stringify(value), revision));
    this.#revision = revision;
    const entry: CatalogEntry<K> = { kind, key, value, revision };
    this.#kind(kind).set(key, entry);
    this.#emit({ kind, key, deleted: false });
    return Promise.resolve(entry);
  }

  delete(kind: CatalogKind, key: string): Promise<void> {
    inTransaction(this.#db, () => {
      this.#remove.run(kind, key);
      this.#markRevision.run(revisionMark, this.#revision);
    });
    this.#entries.get(kind)?.delete(key);
    this.#emit({ kind, key, deleted: true });
    return Promise.resolve();
  }

  nextSequence(name: string): Promise<number> {
    const row = inTransaction(this.#db, () => this.#bumpSequence.get(name) as { value: number });
    return Promise.resolve(row.value);
  }

  /** Every entry, for a copy of the catalog held elsewhere. */
  entries(): CatalogEntry<CatalogKind>[] {
    return [...this.#entries.values()].flatMap((entries) => [...entries.values()]);
  }

  onChange(listener: (change: CatalogChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(change: CatalogChange): void {
    for (const listener of this.#listeners) listener(change);
  }

  close(): Promise<void> {
    this.#listeners.clear();
    return Promise.resolve();
  }
}

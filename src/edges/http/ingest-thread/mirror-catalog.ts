import type { Catalog, CatalogChange, CatalogEntry, CatalogKind } from '../../../ports/catalog.ts';

type AnyEntry = CatalogEntry<CatalogKind>;

/**
 * The ingest thread's read-only copy of the catalog entries compiling a type needs, kept
 * level by the HTTP thread, which sends each change before any request that follows it.
 * Writes belong to the HTTP thread's catalog and are refused here.
 */
export class MirrorCatalog implements Catalog {
  readonly #byKind = new Map<CatalogKind, Map<string, AnyEntry>>();
  readonly #listeners = new Set<(change: CatalogChange) => void>();

  load(entries: readonly AnyEntry[]): void {
    for (const entry of entries) this.#entriesOf(entry.kind).set(entry.key, entry);
  }

  apply(kind: CatalogKind, key: string, entry: AnyEntry | undefined): void {
    if (entry === undefined) this.#byKind.get(kind)?.delete(key);
    else this.#entriesOf(kind).set(key, entry);
    for (const listener of this.#listeners) listener({ kind, key, deleted: entry === undefined });
  }

  get<K extends CatalogKind>(kind: K, key: string): CatalogEntry<K> | undefined {
    return this.#byKind.get(kind)?.get(key) as CatalogEntry<K> | undefined;
  }

  list<K extends CatalogKind>(kind: K, keyPrefix = ''): CatalogEntry<K>[] {
    const matching = [...(this.#byKind.get(kind)?.values() ?? [])].filter((entry) => entry.key.startsWith(keyPrefix));
    return matching.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) as CatalogEntry<K>[];
  }

  put(): Promise<never> {
    return Promise.reject(new Error('the ingest thread reads the catalog only'));
  }

  delete(): Promise<never> {
    return Promise.reject(new Error('the ingest thread reads the catalog only'));
  }

  nextSequence(): Promise<never> {
    return Promise.reject(new Error('the ingest thread reads the catalog only'));
  }

  onChange(listener: (change: CatalogChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    this.#listeners.clear();
    return Promise.resolve();
  }

  #entriesOf(kind: CatalogKind): Map<string, AnyEntry> {
    let entries = this.#byKind.get(kind);
    if (entries === undefined) {
      entries = new Map();
      this.#byKind.set(kind, entries);
    }
    return entries;
  }
}

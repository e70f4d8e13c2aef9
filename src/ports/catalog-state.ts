import type { CatalogChange, CatalogEntry, CatalogKind } from './catalog.ts';

type AnyEntry = CatalogEntry<CatalogKind>;

/**
 * The catalog as every adapter holds it in memory: entries by kind and key, and the
 * listeners told of each change. Adapters write through to their store, then here.
 */
export class CatalogState {
  readonly #entries = new Map<CatalogKind, Map<string, AnyEntry>>();
  readonly #listeners = new Set<(change: CatalogChange) => void>();

  constructor(entries: Iterable<AnyEntry> = []) {
    for (const entry of entries) this.#kind(entry.kind).set(entry.key, entry);
  }

  get<K extends CatalogKind>(kind: K, key: string): CatalogEntry<K> | undefined {
    return this.#entries.get(kind)?.get(key) as CatalogEntry<K> | undefined;
  }

  /** Entries of a kind whose key starts with the prefix, sorted by key. */
  list<K extends CatalogKind>(kind: K, keyPrefix = ''): CatalogEntry<K>[] {
    const entries = [...(this.#entries.get(kind)?.values() ?? [])] as CatalogEntry<K>[];
    return entries.filter((entry) => entry.key.startsWith(keyPrefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  all(): AnyEntry[] {
    return [...this.#entries.values()].flatMap((entries) => [...entries.values()]);
  }

  set<K extends CatalogKind>(entry: CatalogEntry<K>): void {
    this.#kind(entry.kind).set(entry.key, entry);
    this.#emit({ kind: entry.kind, key: entry.key, deleted: false });
  }

  remove(kind: CatalogKind, key: string): void {
    this.#entries.get(kind)?.delete(key);
    this.#emit({ kind, key, deleted: true });
  }

  onChange(listener: (change: CatalogChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  clearListeners(): void {
    this.#listeners.clear();
  }

  #kind(kind: CatalogKind): Map<string, AnyEntry> {
    let entries = this.#entries.get(kind);
    if (entries === undefined) {
      entries = new Map();
      this.#entries.set(kind, entries);
    }
    return entries;
  }

  #emit(change: CatalogChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}

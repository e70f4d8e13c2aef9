import type { Catalog, CatalogChange, CatalogEntry, CatalogKind } from '../../../ports/catalog.ts';
import { CatalogState } from '../../../ports/catalog-state.ts';

/**
 * The ingest thread's read-only copy of the catalog entries compiling a type needs, kept
 * level by the HTTP thread, which sends each change before any request that follows it.
 * Writes belong to the HTTP thread's catalog and are refused here.
 */
export class MirrorCatalog implements Catalog {
  readonly #state = new CatalogState();

  load(entries: readonly CatalogEntry<CatalogKind>[]): void {
    for (const entry of entries) this.#state.set(entry);
  }

  apply(kind: CatalogKind, key: string, entry: CatalogEntry<CatalogKind> | undefined): void {
    if (entry === undefined) this.#state.remove(kind, key);
    else this.#state.set(entry);
  }

  get<K extends CatalogKind>(kind: K, key: string): CatalogEntry<K> | undefined {
    return this.#state.get(kind, key);
  }

  list<K extends CatalogKind>(kind: K, keyPrefix?: string): CatalogEntry<K>[] {
    return this.#state.list(kind, keyPrefix);
  }

  put(): Promise<never> {
    return readOnly();
  }

  delete(): Promise<never> {
    return readOnly();
  }

  nextSequence(): Promise<never> {
    return readOnly();
  }

  onChange(listener: (change: CatalogChange) => void): () => void {
    return this.#state.onChange(listener);
  }

  close(): Promise<void> {
    this.#state.clearListeners();
    return Promise.resolve();
  }
}

function readOnly(): Promise<never> {
  return Promise.reject(new Error('the ingest thread reads the catalog only'));
}

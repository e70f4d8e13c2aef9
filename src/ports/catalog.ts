import type {
  ConsoleSessionDoc,
  ApiKeyDoc,
  CorrelationDoc,
  EventTypeDoc,
  RedriveDoc,
  SchemaDoc,
  SourceDoc,
  SubscriptionDoc,
  TenantDoc,
  TenantSecretDoc,
} from '../domain/catalog-docs.ts';

/** What each kind of catalog entry holds. Keys are strings chosen by the services. */
export interface CatalogKinds {
  tenant: TenantDoc;
  'api-key': ApiKeyDoc;
  'event-type': EventTypeDoc;
  schema: SchemaDoc;
  'schema-fingerprint': { id: number };
  redrive: RedriveDoc;
  'tenant-secret': TenantSecretDoc;
  /** Keyed by the SHA-256 of the session cookie. */
  'console-session': ConsoleSessionDoc;
  /** Keyed `<tenant>/<name>`. */
  source: SourceDoc;
  /** Keyed `<tenant>/<name>`. */
  subscription: SubscriptionDoc;
  /** Keyed `<tenant>/<name>`. */
  correlation: CorrelationDoc;
}

export type CatalogKind = keyof CatalogKinds;

export interface CatalogEntry<K extends CatalogKind> {
  kind: K;
  key: string;
  value: CatalogKinds[K];
  revision: number;
}

export interface CatalogChange {
  kind: CatalogKind;
  key: string;
  deleted: boolean;
}

/** Thrown by `put` when `ifAbsent` is set and the entry exists. */
export class CatalogConflict extends Error {
  readonly kind: CatalogKind;
  readonly key: string;

  constructor(kind: CatalogKind, key: string) {
    super(`catalog entry ${kind}/${key} already exists`);
    this.name = 'CatalogConflict';
    this.kind = kind;
    this.key = key;
  }
}

/**
 * A small replicated state machine: tenants, keys, event types, schemas.
 * Reads are synchronous against the materialised state, which every adapter keeps in
 * memory (it is small); writes are durable before they resolve.
 */
export interface Catalog {
  get<K extends CatalogKind>(kind: K, key: string): CatalogEntry<K> | undefined;
  list<K extends CatalogKind>(kind: K, keyPrefix?: string): CatalogEntry<K>[];
  put<K extends CatalogKind>(kind: K, key: string, value: CatalogKinds[K], options?: { ifAbsent?: boolean }): Promise<CatalogEntry<K>>;
  delete(kind: CatalogKind, key: string): Promise<void>;
  /** A number no other caller of the same sequence ever receives, in any process. */
  nextSequence(name: string): Promise<number>;
  /** Called after every change, including those made by other processes. */
  onChange(listener: (change: CatalogChange) => void): () => void;
  close(): Promise<void>;
}

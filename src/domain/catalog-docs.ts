/** The documents the catalog holds. Plain data, so any adapter can store them as JSON. */

export type Scope = 'produce' | 'consume' | 'manage';
export const allScopes: readonly Scope[] = ['produce', 'consume', 'manage'];

export interface TenantDoc {
  id: string;
  name: string;
  createdAt: string;
}

export interface ApiKeyDoc {
  id: string;
  tenant: string;
  scopes: Scope[];
  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  hash: string;
  createdAt: string;
  description?: string;
}

export interface TypeVersionDoc {
  version: number;
  schemaId: number;
  createdAt: string;
}

export interface EventTypeDoc {
  tenant: string;
  name: string;
  stream: string;
  partitions: number;
  partitionKey?: string;
  versions: TypeVersionDoc[];
  createdAt: string;
  updatedAt: string;
}

export type SchemaFormat = 'JSON';

export interface SchemaDoc {
  id: number;
  tenant: string;
  format: SchemaFormat;
  /** The schema as canonical JSON text. */
  schema: string;
  fingerprint: string;
}

export interface RedriveDoc {
  tenant: string;
  deadLetterOffset: number;
  stream: string;
  partition: number;
  offset: number;
  at: string;
}

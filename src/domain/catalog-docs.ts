/** The documents the catalog holds. Plain data, so any adapter can store them as JSON. */
import type { CompatibilityLevel } from './compatibility/index.ts';
import type { PipelineConfig } from './pipeline-config.ts';

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
  /** Transform, filter and route steps; see docs/pipelines.md. */
  pipeline?: PipelineConfig;
  /** The rule new schema versions must obey; BACKWARD when unset. */
  compatibility?: CompatibilityLevel;
  createdAt: string;
  updatedAt: string;
}

/** Schema languages, named as Confluent's `schemaType`. */
export type SchemaFormat = 'JSON' | 'AVRO' | 'PROTOBUF';

export interface SchemaDoc {
  id: number;
  tenant: string;
  format: SchemaFormat;
  /** The schema as stored text: canonical JSON for JSON Schema and Avro, the `.proto` text for Protobuf. */
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
  /** The current pipeline's filter dropped the event on redrive: it left the dead letters without a stream. */
  filtered?: true;
}

/** A tenant's secrets that never leave the server: the salt of `hash` pipeline steps. */
export interface TenantSecretDoc {
  tenant: string;
  salt: string;
}

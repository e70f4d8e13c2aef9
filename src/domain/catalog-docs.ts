/** The documents the catalog holds. Plain data, so any adapter can store them as JSON. */
import type { CompatibilityLevel } from './compatibility/index.ts';
import type { PipelineConfig } from './pipeline-config.ts';

export type Scope = 'produce' | 'consume' | 'manage';
export const allScopes: readonly Scope[] = ['produce', 'consume', 'manage'];

export interface TenantDoc {
  id: string;
  name: string;
  createdAt: string;
  /** The tenant's registry defaults (Confluent's global `/config` and `/mode`); see docs/registry.md. */
  registry?: { compatibility?: CompatibilityLevel; mode?: RegistryMode };
}

/** Confluent's registry modes: READONLY refuses schema writes. */
export type RegistryMode = 'READWRITE' | 'READONLY' | 'IMPORT';
export const registryModes: readonly RegistryMode[] = ['READWRITE', 'READONLY', 'IMPORT'];

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
  /** Soft-deleted through the Confluent API: kept, but no longer used for new events. */
  deleted?: true;
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
  /** The Confluent subject, when it is not `<tenant>.<name>-value`; see docs/registry.md. */
  subject?: string;
  /** The subject's own registry mode; the tenant's default applies when unset. */
  mode?: RegistryMode;
  /** How much of the stream to keep (ms of age, bytes per partition); everything when unset. */
  retention?: { ms?: number; bytes?: number };
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
  /** Other schemas of the tenant this one uses (Confluent's references); see docs/registry.md. */
  references?: SchemaReferenceDoc[];
  /** Confluent's `metadata` (tags, properties, sensitive), kept and answered, not enforced. */
  metadata?: Record<string, unknown>;
  /** Confluent's `ruleSet` (domain and migration rules), kept and answered, not run. */
  ruleSet?: Record<string, unknown>;
}

/** A schema reference: the name the schema uses, the subject version it names, and that version's schema id. */
export interface SchemaReferenceDoc {
  name: string;
  subject: string;
  version: number;
  schemaId: number;
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
  /** A delivery dead letter sent again to this subscription (stream/partition/offset name the record). */
  subscription?: string;
}

/** A tenant's secrets that never leave the server: the salt of `hash` pipeline steps. */
/**
 * A console sign-in, keyed by the SHA-256 of its cookie value (the value itself is never kept).
 * It acts as the key (or the admin token) it was opened with, for as long as that key exists.
 */
export interface ConsoleSessionDoc {
  principal: { kind: 'admin' } | { kind: 'key'; tenant: string; keyId: string };
  /** Sent back by the console in `x-csrf-token` on every request that changes something. */
  csrf: string;
  createdAt: string;
  expiresAt: string;
}

export interface TenantSecretDoc {
  tenant: string;
  salt: string;
}

/** Where a Kafka source finds each record's event type. */
export type SourceTypeFrom = { header: string } | { key: true } | { field: string };

/** A Kafka topic Sluice does not own, consumed into one tenant's streams (docs/internals/kafka.md "Sources"). */
export interface SourceDoc {
  tenant: string;
  name: string;
  topic: string;
  /** Exactly one of `type` and `typeFrom` is set. */
  type?: string;
  typeFrom?: SourceTypeFrom;
  format: 'json' | 'confluent';
  /** The Kafka consumer group (before the installation's topic prefix). */
  group: string;
  createdAt: string;
  updatedAt: string;
}

/** Where a push subscription delivers: an HTTP(S) endpoint. */
export interface WebhookDestination {
  kind: 'webhook';
  url: string;
  /** Extra request headers (names in lower case), e.g. an authorization the endpoint expects. */
  headers?: Record<string, string>;
  /** `structured`: the CloudEvent as JSON (default); `binary`: the data as body, attributes as `ce-` headers. */
  mode: 'structured' | 'binary';
}

/** What a Kafka sink writes as each record's value. */
export type KafkaSinkFormat = 'json' | 'cloudevents' | 'avro' | 'protobuf' | 'json-schema';

/** How a sink writes a dead letter: the error beside the original, or the original's fields plus `error`. */
export type ErrorShape = 'envelope' | 'inline';

/** A sink that writes each record to a Kafka topic of any name (docs/sinks.md). */
export interface KafkaDestination {
  kind: 'kafka';
  topic: string;
  format: KafkaSinkFormat;
  /** A JSON Pointer into the data whose value becomes the Kafka key; absent: the record's key. */
  key?: string;
  /** `cloudevents`: the CloudEvents Kafka binding's `ce_` headers on each message; `none` (default). */
  headers: 'none' | 'cloudevents';
  /** Another cluster's bootstrap addresses; absent: the cluster Sluice runs on. */
  brokers?: string[];
  /** For the schema formats: the event type whose latest schema writes every record (default: each record's own). */
  schemaType?: string;
  /** How dead letters (type `_dead`) are written. */
  errorShape: ErrorShape;
  /**
   * Output and input progress in one Kafka transaction, so a `read_committed` consumer sees
   * each record once even across crashes; the cluster Sluice runs on only.
   */
  exactlyOnce?: true;
}

/** A sink that archives records to files on the server, rotated by size and age (docs/sinks.md). */
export interface FileDestination {
  kind: 'file';
  /** Relative to the installation's archive directory and the tenant's folder in it. */
  dir: string;
  format: 'ndjson' | 'ndjson.gz';
  /** `cloudevents`: each line a structured CloudEvent (default); `data`: the event data only. */
  content: 'cloudevents' | 'data';
  /** A file is completed when its lines reach `bytes` (before compression) or it is `seconds` old. */
  rotate: { bytes: number; seconds: number };
  errorShape: ErrorShape;
}

export type SubscriptionDestination = WebhookDestination | KafkaDestination | FileDestination;

/** A signing secret; the first of a subscription's list is current, older ones sign until they expire. */
export interface SigningSecret {
  /** `whsec_` followed by base64 of the key bytes (Standard Webhooks). */
  secret: string;
  createdAt: string;
  /** Epoch milliseconds after which this secret no longer signs (set when rotated away). */
  expiresAt?: number;
}

export interface DeliverySettings {
  /** Records per request: 1 sends each record alone; more sends a CloudEvents batch. */
  batchSize: number;
  /** Requests in flight at once per partition. */
  maxInFlight: number;
  /** How long one attempt may take, milliseconds. */
  timeoutMs: number;
  /** Delays before each retry, milliseconds; after the last, the record becomes a dead letter. */
  retrySchedule: number[];
  /** The subscription is disabled when every attempt failed for this long, milliseconds. */
  disableAfterMs: number;
}

export type SubscriptionState = 'active' | 'paused' | 'disabled';

/** A named reader of a tenant's streams that pushes each record to an endpoint, a Kafka topic or files (docs/subscriptions.md, docs/sinks.md). */
export interface SubscriptionDoc {
  tenant: string;
  name: string;
  /** Event type names; `_dead` stands for the tenant's dead letters. */
  types: string[];
  filter?: unknown;
  start: StartFromDoc;
  destination: SubscriptionDestination;
  delivery: DeliverySettings;
  /** Webhooks only; sinks have none. */
  secrets: SigningSecret[];
  state: SubscriptionState;
  /** Why the subscription was disabled (410 Gone, or failing for `disableAfterMs`). */
  disabledReason?: string;
  stateChangedAt: string;
  /**
   * Changes when the subscription is created or replayed. Progress is committed under a
   * consumer group of this incarnation, so a replay or a re-created subscription starts
   * afresh from `startOffsets`.
   */
  incarnation: string;
  /** Where each stream's partitions start in this incarnation: stream → next offset per partition. */
  startOffsets: Record<string, number[]>;
  createdAt: string;
  updatedAt: string;
}

/** Start positions as stored: a time is epoch milliseconds. */
export type StartFromDoc = 'earliest' | 'latest' | { time: number };

/** A correlation: events of several types joined by a key into one aggregate (docs/correlations.md). */
export interface CorrelationDoc {
  tenant: string;
  name: string;
  /** As given (checked when stored and again when run). */
  definition: unknown;
  /** `earliest`, `latest` or an RFC 3339 time: where the incarnation began reading. */
  start: string;
  /** Changes with every new definition: the state of an incarnation is its own. */
  incarnation: string;
  /** Where each input stream's partitions start in this incarnation. */
  startOffsets: Record<string, number[]>;
  createdAt: string;
  updatedAt: string;
}

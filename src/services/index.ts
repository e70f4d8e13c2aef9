import type { Store } from '../ports/store.ts';
import type { Telemetry } from '../ports/telemetry.ts';
import { ConfluentRegistry } from './confluent/schema-registry.ts';
import { DeadLetterService } from './dead-letters.ts';
import { GroupService } from './groups.ts';
import { IngestService } from './ingest.ts';
import { RetentionWorker } from './retention.ts';
import { DataLifecycle } from './data-lifecycle.ts';
import { SessionService } from './sessions.ts';
import { PipelineTester } from './pipeline-tester.ts';
import { StreamReader } from './reader.ts';
import { TypeRegistry } from './registry.ts';
import { SourceService } from './sources.ts';
import type { SubscriptionSettings } from './subscriptions/service.ts';
import { SubscriptionService } from './subscriptions/service.ts';
import { CorrelationService } from './correlations/service.ts';
import { TenantService } from './tenants.ts';
import type { ArchiveFiles } from '../ports/archive-files.ts';
import type { SinkProducer } from '../ports/sink-producer.ts';
import type { WebhookClient } from '../ports/webhook-client.ts';
import type { SinkSchemas } from './subscriptions/kafka-sink.ts';
import { Workers } from './workers.ts';
import { WireDecoder } from './schemas/wire-decoder.ts';

export interface Services {
  tenants: TenantService;
  registry: TypeRegistry;
  /** The Confluent Schema Registry API over `registry`. */
  confluent: ConfluentRegistry;
  ingest: IngestService;
  /** Confluent's wire format decoded with the registry's schemas, for every intake of framed records. */
  wire: WireDecoder;
  reader: StreamReader;
  groups: GroupService;
  deadLetters: DeadLetterService;
  pipelines: PipelineTester;
  /** Kafka topics consumed into streams; they run only on a Kafka store. */
  sources: SourceService;
  /** Push subscriptions: webhooks fed from streams. */
  subscriptions: SubscriptionService;
  /** Correlations: events of several types joined by a key into one aggregate. */
  correlations: CorrelationService;
  /** Deleting types and tenants, erasing a key's events. */
  lifecycle: DataLifecycle;
  /** Console sign-ins held in a cookie. */
  sessions: SessionService;
  /** Everything that runs in the background: sources, then subscriptions. */
  workers: Workers;
}

export interface ServiceSettings {
  adminToken: string;
  maxPendingEvents: number;
  sessionTimeoutMs: number;
  /** Deepest nesting of decoded source records (`limits.maxDepth`); default 32. */
  maxDepth?: number;
  subscriptions: SubscriptionSettings;
  /** How often types' retention is enforced, ms; default 60 s. */
  retentionIntervalMs?: number;
  /** How long a console sign-in lasts, ms; default 8 h. */
  consoleSessionTtlMs?: number;
}

/**
 * Records a Kafka source appends at once. Each append waits for a round trip to catch up the
 * id index and one to the broker whatever its size, so larger batches pass more records per
 * second (bench scenario 8: 2000 beat 500). Safe for large records too: the event log splits
 * a round per partition at 768 KiB, and a source's fetches (8 MiB) bound what it holds in
 * memory long before the count does. A constant, as it changes speed and not behaviour.
 */
const sourceMaxBatch = 2000;

/** Wires the use cases over the ports of one store. */
/** Outbound clients: webhooks over HTTP, Kafka sinks' producers, file sinks' files. */
export interface Outbound {
  webhooks: WebhookClient;
  sinkProducer: SinkProducer;
  archive: ArchiveFiles;
}

export function createServices(store: Store, telemetry: Telemetry, outbound: Outbound, settings: ServiceSettings): Services {
  const retention = new RetentionWorker(store.catalog, store.log, settings.retentionIntervalMs ?? 60_000);
  const tenants = new TenantService(store.catalog, store.log, settings.adminToken);
  const sessions = new SessionService(store.catalog, tenants, settings.consoleSessionTtlMs ?? 8 * 3_600_000);
  const registry = new TypeRegistry(store.catalog, store.log);
  const reader = new StreamReader(store.log);
  const ingest = new IngestService(registry, store.log, telemetry, { maxPendingEvents: settings.maxPendingEvents });
  const wire = new WireDecoder((id) => {
    const doc = store.catalog.get('schema', String(id))?.value;
    return doc === undefined
      ? undefined
      : { tenant: doc.tenant, format: doc.format, schema: doc.schema, dependencies: () => registry.dependenciesOf(doc.references) };
  });
  const sources = new SourceService(store.catalog, ingest, registry, wire, store.sources, { maxDepth: settings.maxDepth ?? 32, maxBatch: sourceMaxBatch });
  const schemas: SinkSchemas = {
    latestId: (tenant, type) => registry.compiled(tenant, type)?.latest.schemaId,
    stored: (id) => {
      const doc = store.catalog.get('schema', String(id))?.value;
      return doc === undefined ? undefined : { format: doc.format, schema: doc.schema, dependencies: registry.dependenciesOf(doc.references) };
    },
  };
  const sinks = { producer: outbound.sinkProducer, files: outbound.archive, schemas };
  const subscriptions = new SubscriptionService(store.catalog, store.log, store.groups, reader, outbound.webhooks, sinks, telemetry, settings.subscriptions);
  const correlations = new CorrelationService(store.catalog, store.log, store.groups, store.state, reader, ingest, {
    sessionTimeoutMs: settings.subscriptions.sessionTimeoutMs,
  });
  correlations.onOutcome((tenant, name, kind) => telemetry.correlationOutcome(tenant, name, kind));
  return {
    tenants,
    registry,
    confluent: new ConfluentRegistry(store.catalog, store.log, registry),
    reader,
    ingest,
    wire,
    groups: new GroupService(store.groups, store.log, reader, { sessionTimeoutMs: settings.sessionTimeoutMs }),
    deadLetters: new DeadLetterService(store.log, store.catalog, registry, ingest, (tenant, name, stream, partition, offset) =>
      subscriptions.redeliver(tenant, name, stream, partition, offset),
    ),
    pipelines: new PipelineTester(registry),
    sources,
    subscriptions,
    correlations,
    sessions,
    lifecycle: new DataLifecycle(store.catalog, store.log, registry, subscriptions, correlations, sources, sessions),
    workers: new Workers([
      { name: 'sources', start: (logger) => sources.start(logger), close: () => sources.close() },
      { name: 'subscriptions', start: (logger) => subscriptions.start(logger), close: () => subscriptions.close() },
      { name: 'correlations', start: (logger) => correlations.start(logger), close: () => correlations.close() },
      retention,
    ]),
  };
}

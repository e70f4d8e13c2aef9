import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { openSqliteStore } from './adapters/sqlite/store.ts';
import { openKafkaStoreWhenReachable } from './adapters/kafka/open-when-reachable.ts';
import { createWebhookClient } from './adapters/http/webhook-client.ts';
import { LocalArchiveFiles } from './adapters/file/archive-files.ts';
import { KafkaSinkProducer } from './adapters/kafka/sink-producer.ts';
import { resolveAdminToken } from './edges/config/admin-token.ts';
import { applyDeclarations } from './edges/config/apply-declarations.ts';
import type { SluiceConfig } from './edges/config/config.ts';
import { createHttpApp } from './edges/http/app.ts';
import { IngestThread } from './edges/http/ingest-thread/ingest-thread-client.ts';
import { createMetrics } from './edges/http/metrics.ts';
import type { Store } from './ports/store.ts';
import type { Services } from './services/index.ts';
import { createServices } from './services/index.ts';
import { turnOffPretenuring } from './heap-tuning.ts';

export interface Sluice {
  app: FastifyInstance;
  services: Services;
  store: Store;
  config: Readonly<SluiceConfig>;
  adminToken: string;
  /** True when this start created the admin token (it should be shown once). */
  adminTokenGenerated: boolean;
  logger: Logger;
  /** Listens on the configured host and port; answers the address. */
  listen(): Promise<string>;
  /** Stops accepting requests, ends live tails, drains background workers (sources, deliveries), closes the store. */
  close(): Promise<void>;
}

export const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * Builds a whole Sluice: store, services and HTTP API, wired but not listening.
 *
 * @example
 * const sluice = await createSluice(loadConfig({ flags: { port: 0, dataDir: '/tmp/s' } }));
 * const url = await sluice.listen();
 */
export async function createSluice(config: Readonly<SluiceConfig>, options: { logger?: Logger } = {}): Promise<Sluice> {
  turnOffPretenuring();
  const logger = options.logger ?? pino({ level: config.logLevel });
  const admin = resolveAdminToken(config.dataDir, config.adminToken);
  const dedupWindow = { ms: config.limits.dedupWindowMs, ids: config.limits.dedupWindowIds };
  const store =
    config.kafka === undefined
      ? await openSqliteStore(config.dataDir, { dedupWindow, backgroundCheckpoints: config.store.checkpointThread }, logger)
      : await openKafkaStoreWhenReachable({ ...config.kafka, dedupWindow }, logger);
  const metrics = createMetrics();
  const webhooks = createWebhookClient({ allowPrivateNetworks: config.delivery.allowPrivateNetworks });
  const sinkProducer = new KafkaSinkProducer({
    allowPrivateNetworks: config.delivery.allowPrivateNetworks,
    ...(config.kafka === undefined ? {} : { home: { brokers: config.kafka.brokers, topicPrefix: config.kafka.topicPrefix } }),
  });
  const archive = new LocalArchiveFiles(config.delivery.archiveDir ?? join(config.dataDir, 'archive'));
  const services = createServices(
    store,
    metrics.telemetry,
    { webhooks, sinkProducer, archive },
    {
      adminToken: admin.token,
      maxPendingEvents: config.limits.maxPendingEvents,
      sessionTimeoutMs: config.groups.sessionTimeoutMs,
      maxDepth: config.limits.maxDepth,
      retentionIntervalMs: config.limits.retentionCheckMs,
      consoleSessionTtlMs: config.console.sessionTtlMs,
      subscriptions: {
        allowPrivateNetworks: config.delivery.allowPrivateNetworks,
        maxInFlight: config.delivery.maxInFlight,
        maxInFlightPerTenant: config.delivery.maxInFlightPerTenant,
        sessionTimeoutMs: config.delivery.sessionTimeoutMs,
        rotationGraceMs: 24 * 3_600_000,
      },
    },
  );
  if (config.declarations !== undefined) {
    const applied = await applyDeclarations(services, config.declarations).catch(async (error: unknown) => {
      await webhooks.close();
      await sinkProducer.close();
      await store.close();
      throw error;
    });
    logger.info({ file: config.declarations.file, ...applied }, 'applied the config file');
  }
  // Workers start once the declared types exist, so sources' first records meet their schemas
  // and subscriptions find their streams.
  services.workers.start(logger);
  const shutdown = new AbortController();
  let ready = false;
  const ingestThread =
    config.limits.ingestThreadMinBytes > 0
      ? new IngestThread(store.catalog, { maxEventsPerRequest: config.limits.maxEventsPerRequest, maxDepth: config.limits.maxDepth }, logger)
      : undefined;
  const app = await createHttpApp({
    config,
    services,
    metrics,
    logger,
    shutdown: shutdown.signal,
    isReady: () => ready,
    version,
    ...(ingestThread === undefined ? {} : { ingestThread }),
  });
  app.addHook('preClose', (done) => {
    ready = false;
    shutdown.abort();
    done();
  });
  let closed: Promise<void> | undefined;
  return {
    app,
    services,
    store,
    config,
    adminToken: admin.token,
    adminTokenGenerated: admin.generated,
    logger,
    async listen() {
      const address = await app.listen({ host: config.host, port: config.port });
      ready = true;
      return address;
    },
    close() {
      closed ??= (async () => {
        await app.close();
        await ingestThread?.close();
        await services.workers.close();
        await store.close();
      })();
      return closed;
    },
  };
}

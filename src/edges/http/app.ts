import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { isUtf8 } from 'node:buffer';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.ts';
import type { SluiceConfig } from '../config/config.ts';
import { AllowedMethods } from './allowed-methods.ts';
import { documentErrors, registerApiSchemas } from './api-schemas.ts';
import { checkRouteAccess, makeAuthHook } from './auth.ts';
import { limitConnections } from './connection-limits.ts';
import { closeUnusedConnectionsOnShutdown } from './unused-connections.ts';
import { exceedsDepth } from '../../domain/json-depth.ts';
import { SluiceError } from '../../domain/errors.ts';
import { answerIngestDirectly } from './direct-ingest.ts';
import { handleError } from './error-handler.ts';
import { makeIngestBody } from './ingest-request.ts';
import type { Metrics } from './metrics.ts';
import { lazyChildLogger } from './request-logger.ts';
import { requestValidators } from './request-validators.ts';
import { TenantRateLimiter } from './rate-limit.ts';
import { confluentRoutes } from './routes/confluent.ts';
import { deadLetterRoutes } from './routes/dead-letters.ts';
import type { IngestThread } from './ingest-thread/ingest-thread-client.ts';
import { eventRoutes } from './routes/events.ts';
import { groupRoutes } from './routes/groups.ts';
import { operationRoutes } from './routes/operations.ts';
import { sourceRoutes } from './routes/sources.ts';
import { streamRoutes } from './routes/streams.ts';
import { subscriptionRoutes } from './routes/subscriptions.ts';
import { correlationRoutes } from './routes/correlations.ts';
import { consoleRoutes } from './routes/console.ts';
import { sessionRoutes } from './routes/session.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { typeRoutes } from './routes/types.ts';
import { wireEventRoutes } from './routes/wire-events.ts';

export interface HttpDependencies {
  config: Readonly<SluiceConfig>;
  services: Services;
  metrics: Metrics;
  logger: FastifyBaseLogger;
  /** Aborted when the server begins to shut down: ends live tails and long-polls. */
  shutdown: AbortSignal;
  isReady: () => boolean;
  version: string;
  /** Where large ingest bodies are prepared; without it, all are prepared on the HTTP thread. */
  ingestThread?: IngestThread;
}

/** Deepest nesting of a JSON request body outside ingest: far past any real one, well within what recursive walkers survive (schemas are bounded at 64 levels on their own, with invalid_schema). */
const maxRequestDepth = 512;

/** Builds the HTTP API; it does not listen. */
export async function createHttpApp(deps: HttpDependencies): Promise<FastifyInstance> {
  const { config, services, metrics } = deps;
  const bodyLimits = { ingestBytes: config.limits.maxBodyBytes, otherBytes: 1024 * 1024 };
  const app = Fastify({
    loggerInstance: deps.logger,
    // Per-request logs would cost more than the request at ingest rates; /metrics counts them.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: bodyLimits.otherBytes,
    // Stream names (`<tenant>.<type>`) reach 192 characters; Fastify's default cap is 100.
    // `/registry/config/{s}/` and `…/versions/`: Confluent's own Java client sends trailing slashes.
    routerOptions: { maxParamLength: 256, ignoreTrailingSlash: true },
    // Bad URL encodings and over-long parameters answer in the one error shape too.
    frameworkErrors: (error, request, reply) => {
      void handleError(error, request, reply, bodyLimits);
    },
    return503OnClosing: true,
    // A client that sends its request slowly (a byte every few seconds) or goes silent holds a
    // connection; both end after a bound. Node counts requestTimeout until the request is read,
    // so live tails and long-polls answered for longer are not cut.
    requestTimeout: config.limits.requestTimeoutMs,
    connectionTimeout: config.limits.idleTimeoutMs,
    // Node looks for requests past their time only this often (30 s by default).
    http: {
      headersTimeout: config.limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(5000, Math.max(250, Math.floor(config.limits.requestTimeoutMs / 4))),
    },
    forceCloseConnections: 'idle',
  });
  app.setChildLoggerFactory(lazyChildLogger);
  app.setValidatorCompiler(requestValidators(app));
  // Answers are written as they are: response schemas document them (and CI checks them
  // against the answers), but must never drop or convert a field on the way out.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  registerApiSchemas(app);

  limitConnections(app.server, config.limits);
  const closeUnusedConnections = closeUnusedConnectionsOnShutdown(app.server);
  let stopDirectIngest = (): void => {};
  app.addHook('preClose', (done) => {
    stopDirectIngest();
    closeUnusedConnections();
    done();
  });
  app.addHook('onRoute', checkRouteAccess('/docs'));
  const allowedMethods = new AllowedMethods();
  app.addHook('onRoute', (route) => allowedMethods.add(route.url, route.method));
  app.addHook('onRoute', documentErrors);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Sluice',
        version: deps.version,
        description: 'Multi-tenant event processor. Errors answer `{"error":{"code","message","fix","details"?}}`; see docs/errors.md.',
      },
      components: { securitySchemes: { key: { type: 'http', scheme: 'bearer' } } },
      security: [{ key: [] }],
    },
    // Shared shapes appear under components.schemas by their $id.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.setErrorHandler((error, request, reply) => handleError(error as Error, request, reply, bodyLimits));
  // JSON bodies of every route are read as bytes first: bytes that are not UTF-8 are refused
  // (decoding them would silently put U+FFFD in their place), then Fastify's own parser runs,
  // with its guard against prototype poisoning.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) {
      done(new SluiceError('invalid_utf8', 'the body is not valid UTF-8'), undefined);
      return;
    }
    void parseJson(request, bytes.toString('utf8'), done);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = allowedMethods.for(path);
    if (allowed.length > 0) {
      const error = new SluiceError('method_not_allowed', `${path} does not take ${request.method}; it takes ${allowed.join(', ')}`);
      return reply.code(405).header('allow', allowed.join(', ')).send({ error: error.toBody() });
    }
    return reply
      .code(404)
      .send({ error: { code: 'not_found', message: `no route ${request.method} ${path}`, fix: 'See /docs or /openapi.json for the routes.' } });
  });
  // Declared up front, so every request object has the same shape (V8 keeps one hidden class).
  app.decorateRequest('principal', undefined);
  app.decorateRequest('session', undefined);
  app.addHook('onRequest', makeAuthHook(services.tenants, services.sessions));
  // Every JSON body of the API's own routes, before any handler walks it (ingest bodies are
  // bytes, guarded per event by json-guard.ts).
  app.addHook('preValidation', (request, _reply, done) => {
    const body = request.body;
    if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && exceedsDepth(body, maxRequestDepth)) {
      done(
        new SluiceError('nesting_too_deep', `the request body nests deeper than ${maxRequestDepth} levels`, { details: [{ path: '', reason: 'too deep' }] }),
      );
      return;
    }
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  const limiter = new TenantRateLimiter(config.limits.tenantRequestsPerSecond);
  operationRoutes(app, metrics, deps.isReady);
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, () => app.swagger());
  tenantRoutes(app, services);
  sessionRoutes(app, services, config.console.sessionTtlMs);
  if (config.console.enabled) consoleRoutes(app);
  typeRoutes(app, services);
  wireEventRoutes(app, services, config.limits, limiter);
  const ingestBody = makeIngestBody(services, config.limits, metrics, deps.ingestThread);
  eventRoutes(app, ingestBody, config.limits, limiter);
  streamRoutes(app, services, deps.shutdown);
  groupRoutes(app, services, deps.shutdown);
  deadLetterRoutes(app, services);
  subscriptionRoutes(app, services);
  correlationRoutes(app, services);
  confluentRoutes(app, services, allowedMethods);
  sourceRoutes(app, services);
  stopDirectIngest = answerIngestDirectly(app.server, {
    tenants: services.tenants,
    ingestBody,
    limiter,
    maxBodyBytes: config.limits.maxBodyBytes,
    metrics,
    logger: deps.logger,
  });
  return app;
}

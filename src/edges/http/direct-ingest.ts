import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { IngestOutcome } from '../../services/ingest.ts';
import type { TenantService } from '../../services/tenants.ts';
import { authorize, principalFrom } from './auth.ts';
import { errorHeaders, toSluiceError } from './error-handler.ts';
import { ingestMediaTypes, mediaTypeOf } from './ingest-body.ts';
import { type IngestBody, ingestStatus } from './ingest-request.ts';
import type { Metrics } from './metrics.ts';
import type { TenantRateLimiter } from './rate-limit.ts';

export interface DirectIngestDependencies {
  /** Who the credentials stand for, read as Fastify's auth hook reads them (`principalFrom`). */
  tenants: Pick<TenantService, 'authenticate' | 'authenticateKey'>;
  ingestBody: IngestBody;
  limiter: TenantRateLimiter;
  /** `limits.maxBodyBytes`: a larger body goes to Fastify, which refuses it. */
  maxBodyBytes: number;
  metrics: Pick<Metrics, 'observeRequest'>;
  logger: Pick<FastifyBaseLogger, 'error'>;
}

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

const route = '/v1/events';
const jsonType = 'application/json; charset=utf-8';

/**
 * Answers `POST /v1/events` straight from node:http when its headers alone show that the
 * request needs nothing of Fastify's: the exact path, a tenant key with the `produce` scope in
 * the `Authorization` header, a media type `parseIngestBody` reads, and a body of declared length
 * within the limit. Fastify's routing,
 * hooks and reply pipeline cost about a fifth of a one-event request's time on the HTTP thread
 * (docs/BENCHMARKS.md, scenario 2). The body is handled by the same `ingestBody` as the route,
 * and answered in the same shapes, errors included (toSluiceError, errorHeaders).
 *
 * Every other request goes to Fastify's own handler untouched, so a missing or wrong key, a
 * chunked or oversized body and a request during shutdown are answered in one place only.
 * Call it once every route is registered; the answer stops taking requests (call it as the
 * server begins to close, so that Fastify answers new ones with 503).
 */
export function answerIngestDirectly(server: Server, deps: DirectIngestDependencies): () => void {
  const handlers = server.listeners('request') as RequestHandler[];
  // Fastify passes its handler to http.createServer, so it is the first listener; others
  // (unused-connections.ts) only watch and stay where they are.
  const fastify = handlers[0];
  if (fastify === undefined) throw new Error('answerIngestDirectly: the server has no request handler yet');
  let taking = true;
  server.removeListener('request', fastify);
  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    let tenant: string | undefined;
    try {
      tenant = taking ? directTenant(request, deps) : undefined;
    } catch {
      // Refused or failed credentials: Fastify's auth hook meets the same and answers them in
      // the one error shape.
      tenant = undefined;
    }
    if (tenant === undefined) fastify(request, response);
    else readAndIngest(request, response, tenant, deps);
  });
  return () => {
    taking = false;
  };
}

/** The tenant to ingest for, when the request is one to answer here; else undefined. */
function directTenant(request: IncomingMessage, deps: DirectIngestDependencies): string | undefined {
  if (request.method !== 'POST' || request.url !== route) return undefined;
  const { headers } = request;
  const authorization = headers.authorization;
  // Without the header, the console's session cookie may stand for a key: Fastify's to read.
  if (authorization === undefined) return undefined;
  // Other media types may belong to other routes of the same path (routes/wire-events.ts).
  // No header at all reads as JSON; a header without a media type is Fastify's to refuse.
  const contentType = headers['content-type'];
  if (contentType !== undefined && !ingestMediaTypes.has(mediaTypeOf(contentType))) return undefined;
  const length = Number(headers['content-length']);
  // node refuses a request with both Content-Length and Transfer-Encoding; a chunked one has no length.
  if (!(length > 0 && length <= deps.maxBodyBytes)) return undefined;
  const principal = principalFrom(authorization, deps.tenants);
  // The route's own rule (`access: 'produce'`); a refusal throws.
  authorize('produce', principal, authorization);
  return principal?.kind === 'key' ? principal.tenant : undefined;
}

function readAndIngest(request: IncomingMessage, response: ServerResponse, tenant: string, deps: DirectIngestDependencies): void {
  const started = performance.now();
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  // A request that ends early has no one to answer; node closes its connection.
  request.on('end', () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    let outcome: Promise<IngestOutcome>;
    try {
      deps.limiter.take(tenant);
      outcome = deps.ingestBody(tenant, request.headers, body);
    } catch (error) {
      outcome = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    outcome
      .then(
        (answer) => writeAnswer(response, ingestStatus(answer), answer.json, {}, started, deps),
        (error: unknown) => answerError(response, error, started, deps),
      )
      // Writing the answer is all that is left; a failure there must not end the process.
      .catch((error: unknown) => deps.logger.error({ err: error, method: 'POST', url: route }, 'answering an ingest request failed'));
  });
}

function answerError(response: ServerResponse, thrown: unknown, started: number, deps: DirectIngestDependencies): void {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const sluiceError = toSluiceError(error);
  if (sluiceError.status >= 500 && sluiceError.code === 'internal') deps.logger.error({ err: error, method: 'POST', url: route }, 'request failed');
  writeAnswer(response, sluiceError.status, JSON.stringify({ error: sluiceError.toBody() }), errorHeaders(sluiceError), started, deps);
}

function writeAnswer(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string>,
  started: number,
  deps: DirectIngestDependencies,
): void {
  // A client gone before its answer is not counted as answered (nor is it by Fastify, which
  // counts on the response's finish). A pipelined answer still queued has no socket yet.
  if (response.socket?.destroyed === true) return;
  response.writeHead(status, { ...headers, 'content-type': jsonType, 'content-length': Buffer.byteLength(body) }).end(body);
  deps.metrics.observeRequest('POST', route, status, (performance.now() - started) / 1000);
}

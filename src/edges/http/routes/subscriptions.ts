import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { SluiceError } from '../../../domain/errors.ts';
import type { Services } from '../../../services/index.ts';
import { noContent, pageSchema } from '../api-schemas.ts';
import { tenantOf } from '../auth.ts';
import { listQuerystring, pageOf, type ListQuery } from '../list-page.ts';

const nameParams = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
const tags = ['subscriptions'];
const manage = { access: 'manage' } as const;

/**
 * The definition as the service reads it. Its properties carry no types on purpose: the
 * service checks them and names every bad field in one invalid_subscription answer, and
 * typed properties here would be coerced (`coerceTypes: 'array'` turns "a" into ["a"]) or
 * refused one at a time.
 */
const definitionBody = {
  type: 'object',
  properties: {
    types: { description: 'event types to deliver (a list of names); "_dead" for the dead letters' },
    filter: { description: 'a content pattern (docs/patterns.md)' },
    start: { description: '"earliest", "latest" (the default) or an RFC 3339 time' },
    destination: {
      description:
        'a webhook {kind: "webhook", url, headers?, mode?: "structured" | "binary"}, a Kafka sink {kind: "kafka", topic, format?: "json" | "cloudevents" | "avro" | "protobuf" | "json-schema", key?, headers?: "none" | "cloudevents", brokers?, schemaType?, errorShape?} or a file sink {kind: "file", dir, format?: "ndjson" | "ndjson.gz", content?: "cloudevents" | "data", rotate?: {bytes?, seconds?}, errorShape?} (docs/sinks.md)',
    },
    delivery: { description: '{batchSize?, maxInFlight?, timeoutMs?, retrySchedule?, disableAfter?}; durations in milliseconds or text such as "5s"' },
    secret: { description: 'a whsec_ signing secret; generated (and answered once) when left out' },
  },
} as const;

// Response schemas describe the shapes for /openapi.json. Every object keeps fields it does
// not list (additionalProperties), so a field the service adds is never dropped on the way out.
const string = { type: 'string' } as const;
const integer = { type: 'integer' } as const;

const subscriptionView = {
  type: 'object',
  additionalProperties: true,
  properties: {
    name: string,
    types: { type: 'array', items: string },
    filter: { description: 'the content pattern, when the subscription has one' },
    start: { type: 'string', description: '"earliest", "latest" or an RFC 3339 time' },
    destination: {
      type: 'object',
      additionalProperties: true,
      description: 'as defined; see the request body',
      properties: {
        kind: { type: 'string', enum: ['webhook', 'kafka', 'file'] },
        headers: { description: 'webhook: extra request headers; kafka: "none" or "cloudevents"' },
      },
    },
    delivery: {
      type: 'object',
      additionalProperties: true,
      description: 'durations in milliseconds',
      properties: { batchSize: integer, maxInFlight: integer, timeoutMs: integer, retrySchedule: { type: 'array', items: integer }, disableAfter: integer },
    },
    state: { type: 'string', enum: ['active', 'paused', 'disabled'] },
    disabledReason: string,
    stateChangedAt: string,
    secrets: {
      type: 'array',
      description: 'the signing secrets by their first characters, current first; older ones sign until expiresAt',
      items: { type: 'object', additionalProperties: true, properties: { hint: string, createdAt: string, expiresAt: string } },
    },
    createdAt: string,
    updatedAt: string,
  },
} as const;

const subscriptionWithSecret = {
  ...subscriptionView,
  properties: {
    ...subscriptionView.properties,
    secret: { type: 'string', description: 'the signing secret, answered only when this request created or replaced it' },
  },
} as const;

const subscriptionStatus = {
  ...subscriptionView,
  properties: {
    ...subscriptionView.properties,
    partitions: {
      type: 'array',
      items: { type: 'object', additionalProperties: true, properties: { stream: string, partition: integer, committed: integer, end: integer, lag: integer } },
    },
    deliveringHere: {
      type: 'array',
      description: 'partitions this process delivers now; other processes deliver the rest',
      items: { type: 'object', additionalProperties: true, properties: { stream: string, partition: integer } },
    },
  },
} as const;

const deliveryAttempt = {
  type: 'object',
  additionalProperties: true,
  properties: {
    at: string,
    records: {
      type: 'array',
      description: 'the records the request carried (for a batch, the first ten)',
      items: { type: 'object', additionalProperties: true, properties: { id: string, stream: string, partition: integer, offset: integer } },
    },
    recordCount: integer,
    attempt: integer,
    outcome: { type: 'string', enum: ['delivered', 'failed', 'dead_lettered', 'gone'] },
    status: integer,
    error: string,
    response: { type: 'string', description: 'the start of the answer body, at most 1 KiB' },
    latencyMs: { type: 'number' },
    nextAttemptAt: string,
  },
} as const;

const rotateKeys = ['secret', 'graceSeconds'];

/** Lets a POST whose fields are all optional come without a body: it is read as `{}`. */
function emptyBodyIsObject(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  request.body ??= {};
  done();
}

/** `/v1/subscriptions`: push delivery of streams to webhooks (docs/subscriptions.md). */
export function subscriptionRoutes(app: FastifyInstance, services: Services): void {
  const { subscriptions } = services;

  app.get(
    '/v1/subscriptions',
    {
      config: manage,
      schema: {
        tags,
        summary: 'List subscriptions',
        querystring: listQuerystring,
        response: { 200: pageSchema(subscriptionView) },
      },
    },
    (request) => pageOf(subscriptions.list(tenantOf(request)), (item) => item.name, request.query as ListQuery),
  );

  app.get<{ Params: { name: string } }>(
    '/v1/subscriptions/:name',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Show a subscription: definition, state, progress and lag per partition',
        params: nameParams,
        response: { 200: subscriptionStatus },
      },
    },
    (request) => subscriptions.get(tenantOf(request), request.params.name),
  );

  app.put<{ Params: { name: string }; Body: unknown }>(
    '/v1/subscriptions/:name',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Create (201) or replace (200) a subscription; the signing secret is answered only when created or replaced',
        params: nameParams,
        body: definitionBody,
        response: { 200: subscriptionWithSecret, 201: subscriptionWithSecret },
      },
    },
    async (request, reply) => {
      const result = await subscriptions.put(tenantOf(request), request.params.name, request.body);
      const body = result.secret === undefined ? result.subscription : { ...result.subscription, secret: result.secret };
      return reply.code(result.created ? 201 : 200).send(body);
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/subscriptions/:name',
    {
      config: manage,
      schema: { tags, summary: 'Delete a subscription (deliveries stop; records stay in their streams)', params: nameParams, response: { 204: noContent } },
    },
    async (request, reply) => {
      await subscriptions.delete(tenantOf(request), request.params.name);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { name: string } }>(
    '/v1/subscriptions/:name/pause',
    {
      config: manage,
      schema: { tags, summary: 'Pause deliveries (requests in flight finish; progress is kept)', params: nameParams, response: { 200: subscriptionView } },
    },
    (request) => subscriptions.pause(tenantOf(request), request.params.name),
  );

  app.post<{ Params: { name: string } }>(
    '/v1/subscriptions/:name/resume',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Resume a paused or disabled subscription; waiting retries are sent at once',
        params: nameParams,
        response: { 200: subscriptionView },
      },
    },
    (request) => subscriptions.resume(tenantOf(request), request.params.name),
  );

  app.post<{ Params: { name: string }; Body: { from?: unknown } | undefined }>(
    '/v1/subscriptions/:name/replay',
    {
      config: manage,
      preValidation: emptyBodyIsObject,
      schema: {
        tags,
        summary: 'Deliver again from a point: "earliest", "latest", an RFC 3339 time, or an offset (every partition)',
        params: nameParams,
        // `from` is a string or a number; the service checks it.
        body: { type: 'object', properties: { from: { description: '"earliest", "latest", an RFC 3339 time, or an offset (a number)' } } },
        response: { 200: subscriptionStatus },
      },
    },
    (request) => subscriptions.replay(tenantOf(request), request.params.name, request.body?.from),
  );

  app.post<{ Params: { name: string }; Body: { secret?: unknown; graceSeconds?: number } | undefined }>(
    '/v1/subscriptions/:name/rotate-secret',
    {
      config: manage,
      preValidation: emptyBodyIsObject,
      schema: {
        tags,
        summary: 'A new signing secret (answered once); the old one keeps signing for graceSeconds (default 24 h)',
        params: nameParams,
        // Unknown keys are named by the handler (a schema's additionalProperties would not say which).
        body: {
          type: 'object',
          properties: {
            secret: { description: 'a whsec_ signing secret; generated when left out (checked by the service)' },
            graceSeconds: { type: 'integer', minimum: 0, maximum: 604_800, description: 'how long the old secret keeps signing, seconds' },
          },
        },
        response: { 200: { type: 'object', additionalProperties: true, properties: { secret: string, subscription: subscriptionView } } },
      },
    },
    (request) => {
      const unknown = Object.keys(request.body ?? {}).filter((key) => !rotateKeys.includes(key));
      if (unknown.length > 0) {
        throw new SluiceError('invalid_request', `rotate-secret takes ${rotateKeys.join(' and ')}, not ${unknown.map((key) => `"${key}"`).join(', ')}`, {
          details: unknown.map((key) => ({ path: `/${key}`, reason: `unknown key (expected ${rotateKeys.join(', ')})` })),
        });
      }
      const graceSeconds = request.body?.graceSeconds;
      return subscriptions.rotateSecret(
        tenantOf(request),
        request.params.name,
        request.body?.secret,
        graceSeconds === undefined ? undefined : graceSeconds * 1000,
      );
    },
  );

  app.get<{ Params: { name: string }; Querystring: { limit: number } }>(
    '/v1/subscriptions/:name/deliveries',
    {
      config: manage,
      schema: {
        tags,
        summary: "This process's recent delivery attempts, newest first",
        params: nameParams,
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } } },
        response: { 200: { type: 'object', additionalProperties: true, properties: { items: { type: 'array', items: deliveryAttempt } } } },
      },
    },
    (request) => ({ items: subscriptions.deliveries(tenantOf(request), request.params.name, request.query.limit) }),
  );
}

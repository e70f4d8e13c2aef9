import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../services/index.ts';
import { tenantOf } from '../auth.ts';

const nameParams = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
const tags = ['subscriptions'];

/** The definition as the service reads it; checked there, which names every bad field in one invalid_subscription answer. */
const definitionBody = {
  type: 'object',
  properties: {
    types: { type: 'array', items: { type: 'string' }, description: 'event types to deliver; "_dead" for the dead letters' },
    filter: { type: 'object', description: 'a content pattern (docs/patterns.md)' },
    start: { type: 'string', description: '"earliest", "latest" (the default) or an RFC 3339 time' },
    destination: { type: 'object', description: '{kind: "webhook", url, headers?, mode?: "structured" | "binary"}' },
    delivery: { type: 'object', description: '{batchSize?, maxInFlight?, timeoutMs?, retrySchedule?, disableAfter?}' },
    secret: { type: 'string', description: 'a whsec_ signing secret; generated when left out' },
  },
} as const;

/** `/v1/subscriptions`: push delivery of streams to webhooks (docs/subscriptions.md). */
export function subscriptionRoutes(app: FastifyInstance, services: Services): void {
  const { subscriptions } = services;

  app.get('/v1/subscriptions', { config: { access: 'manage' }, schema: { tags, summary: 'List subscriptions' } }, (request) => ({
    items: subscriptions.list(tenantOf(request)),
    next: null,
  }));

  app.get<{ Params: { name: string } }>(
    '/v1/subscriptions/:name',
    { config: { access: 'manage' }, schema: { tags, summary: 'Show a subscription: definition, state, progress and lag per partition', params: nameParams } },
    (request) => subscriptions.get(tenantOf(request), request.params.name),
  );

  app.put<{ Params: { name: string }; Body: unknown }>(
    '/v1/subscriptions/:name',
    { config: { access: 'manage' }, schema: { tags, summary: 'Create or replace a subscription; the signing secret is answered only when created or replaced', params: nameParams, body: definitionBody } },
    async (request, reply) => {
      const result = await subscriptions.put(tenantOf(request), request.params.name, request.body);
      const body = result.secret === undefined ? result.subscription : { ...result.subscription, secret: result.secret };
      return reply.code(result.created ? 201 : 200).send(body);
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/subscriptions/:name',
    { config: { access: 'manage' }, schema: { tags, summary: 'Delete a subscription (deliveries stop; records stay in their streams)', params: nameParams } },
    async (request, reply) => {
      await subscriptions.delete(tenantOf(request), request.params.name);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { name: string } }>(
    '/v1/subscriptions/:name/pause',
    { config: { access: 'manage' }, schema: { tags, summary: 'Pause deliveries (requests in flight finish; progress is kept)', params: nameParams } },
    (request) => subscriptions.pause(tenantOf(request), request.params.name),
  );

  app.post<{ Params: { name: string } }>(
    '/v1/subscriptions/:name/resume',
    { config: { access: 'manage' }, schema: { tags, summary: 'Resume a paused or disabled subscription; waiting retries are sent at once', params: nameParams } },
    (request) => subscriptions.resume(tenantOf(request), request.params.name),
  );

  app.post<{ Params: { name: string }; Body: { from?: unknown } | undefined }>(
    '/v1/subscriptions/:name/replay',
    {
      config: { access: 'manage' },
      schema: {
        tags,
        summary: 'Deliver again from a point: "earliest", "latest", an RFC 3339 time, or an offset (every partition)',
        params: nameParams,
        body: { type: 'object', properties: { from: { description: '"earliest", "latest", an RFC 3339 time, or an offset' } } },
      },
    },
    (request) => subscriptions.replay(tenantOf(request), request.params.name, request.body?.from),
  );

  app.post<{ Params: { name: string }; Body: { secret?: string; graceSeconds?: number } | undefined }>(
    '/v1/subscriptions/:name/rotate-secret',
    {
      config: { access: 'manage' },
      schema: {
        tags,
        summary: 'A new signing secret (answered once); the old one keeps signing for graceSeconds (default 24 h)',
        params: nameParams,
        body: { type: 'object', additionalProperties: false, properties: { secret: { type: 'string' }, graceSeconds: { type: 'integer', minimum: 0, maximum: 604_800 } } },
      },
    },
    (request) => subscriptions.rotateSecret(tenantOf(request), request.params.name, request.body?.secret, request.body?.graceSeconds === undefined ? undefined : request.body.graceSeconds * 1000),
  );

  app.get<{ Params: { name: string }; Querystring: { limit?: number } }>(
    '/v1/subscriptions/:name/deliveries',
    {
      config: { access: 'manage' },
      schema: {
        tags,
        summary: "This process's recent delivery attempts, newest first",
        params: nameParams,
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } } },
      },
    },
    (request) => ({ items: subscriptions.deliveries(tenantOf(request), request.params.name, request.query.limit ?? 50) }),
  );
}

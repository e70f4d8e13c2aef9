import type { FastifyInstance } from 'fastify';
import { tenantOf } from '../auth.ts';
import type { Services } from '../../../services/index.ts';
import { SluiceError } from '../../../domain/errors.ts';

const typeParams = { type: 'object', properties: { type: { type: 'string' } }, required: ['type'] } as const;

export function typeRoutes(app: FastifyInstance, services: Services): void {
  const { registry } = services;

  app.put<{ Params: { type: string }; Body: { schema: unknown; partitions?: number; partitionKey?: string } }>(
    '/v1/types/:type',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['types'],
        summary: 'Create an event type or add a schema version (a no-op when the schema is unchanged)',
        params: typeParams,
        body: {
          type: 'object',
          required: ['schema'],
          additionalProperties: false,
          properties: { schema: {}, partitions: { type: 'integer' }, partitionKey: { type: 'string' } },
        },
      },
    },
    async (request, reply) => {
      const { schema, partitions, partitionKey } = request.body;
      const definition: Parameters<typeof registry.putType>[2] = { schema };
      if (partitions !== undefined) definition.partitions = partitions;
      if (partitionKey !== undefined) definition.partitionKey = partitionKey;
      const result = await registry.putType(tenantOf(request), request.params.type, definition);
      return reply.code(result.changed ? 201 : 200).send(result);
    },
  );

  app.get('/v1/types', { config: { access: 'consume' }, schema: { tags: ['types'], summary: 'List event types' } }, (request) => ({
    items: registry.listTypes(tenantOf(request)),
    next: null,
  }));

  app.get<{ Params: { type: string } }>('/v1/types/:type', { config: { access: 'consume' }, schema: { tags: ['types'], summary: 'Show an event type', params: typeParams } }, (request) =>
    registry.getType(tenantOf(request), request.params.type),
  );

  app.get<{ Params: { type: string; version: string } }>(
    '/v1/types/:type/versions/:version',
    {
      config: { access: 'consume' },
      schema: { tags: ['types'], summary: 'Show one schema version (a number or "latest")', params: { type: 'object', properties: { type: { type: 'string' }, version: { type: 'string' } }, required: ['type', 'version'] } },
    },
    (request) => {
      const raw = request.params.version;
      if (raw !== 'latest' && !/^\d+$/.test(raw)) throw new SluiceError('invalid_request', `version "${raw}" is not a number or "latest"`);
      return registry.getVersion(tenantOf(request), request.params.type, raw === 'latest' ? 'latest' : Number(raw));
    },
  );
}

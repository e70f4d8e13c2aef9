import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../services/index.ts';
import { noContent, pageSchema } from '../api-schemas.ts';
import { tenantOf } from '../auth.ts';
import { listQuerystring, pageOf, type ListQuery } from '../list-page.ts';

const sourceView = {
  type: 'object',
  required: ['name', 'topic'],
  properties: {
    name: { type: 'string' },
    topic: { type: 'string' },
    type: { type: 'string' },
    typeFrom: { type: 'object' },
    format: { type: 'string' },
    group: { type: 'string' },
  },
} as const;

const nameParams = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;

/** `/v1/sources`: Kafka topics Sluice does not own, consumed into the tenant's streams (docs/internals/kafka.md, "Sources"). */
export function sourceRoutes(app: FastifyInstance, services: Services): void {
  const { sources } = services;

  app.get<{ Querystring: ListQuery }>(
    '/v1/sources',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['sources'],
        summary: 'List Kafka sources',
        querystring: listQuerystring,
        response: { 200: pageSchema(sourceView) },
      },
    },
    (request) => pageOf(sources.list(tenantOf(request)), (source) => source.name, request.query),
  );

  app.get<{ Params: { name: string } }>(
    '/v1/sources/:name',
    { config: { access: 'manage' }, schema: { tags: ['sources'], summary: 'Show a Kafka source', params: nameParams, response: { 200: sourceView } } },
    (request) => sources.get(tenantOf(request), request.params.name),
  );

  app.put<{ Params: { name: string }; Body: unknown }>(
    '/v1/sources/:name',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['sources'],
        summary: 'Create or replace a Kafka source (needs Sluice on Kafka)',
        params: nameParams,
        // Checked by the service, which names every bad field in one invalid_source answer.
        body: {
          type: 'object',
          properties: {
            topic: { type: 'string' },
            type: { type: 'string' },
            typeFrom: { type: 'object', description: '{header: name} | {key: true} | {field: "/json/pointer"}' },
            format: { type: 'string', description: 'json (the default) or confluent' },
            group: { type: 'string' },
          },
        },
        response: { 200: sourceView, 201: sourceView },
      },
    },
    async (request, reply) => {
      const result = await sources.put(tenantOf(request), request.params.name, request.body);
      return reply.code(result.created ? 201 : 200).send(result.source);
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/sources/:name',
    {
      config: { access: 'manage' },
      schema: { tags: ['sources'], summary: 'Delete a Kafka source (its committed offsets stay in Kafka)', params: nameParams, response: { 204: noContent } },
    },
    async (request, reply) => {
      await sources.delete(tenantOf(request), request.params.name);
      return reply.code(204).send();
    },
  );
}

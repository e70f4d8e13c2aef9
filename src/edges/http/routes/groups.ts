import type { FastifyInstance } from 'fastify';
import { noContent, pageSchema, ref } from '../api-schemas.ts';
import type { CommittedOffset } from '../../../ports/consumer-groups.ts';
import type { PollRequest } from '../../../services/groups.ts';
import type { Services } from '../../../services/index.ts';
import { tenantOf } from '../auth.ts';
import { refuseIfRevoked, waitSignals } from '../request-signal.ts';
import { listQuerystring, pageOf, type ListQuery } from '../list-page.ts';

const position = {
  type: 'object',
  required: ['stream', 'partition', 'offset'],
  properties: { stream: { type: 'string' }, partition: { type: 'integer' }, offset: { type: 'integer' } },
} as const;

const groupParams = { type: 'object', properties: { group: { type: 'string' } }, required: ['group'] } as const;

export function groupRoutes(app: FastifyInstance, services: Services, shutdown: AbortSignal): void {
  const { groups } = services;

  app.post<{ Params: { group: string }; Body: PollRequest }>(
    '/v1/groups/:group/poll',
    {
      config: { access: 'consume' },
      schema: {
        tags: ['groups'],
        summary: "Join the group (or stay in it) and receive records from this member's partitions",
        params: groupParams,
        body: {
          type: 'object',
          required: ['streams'],
          additionalProperties: false,
          properties: {
            streams: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 100 },
            member: { type: 'string', minLength: 1, maxLength: 200 },
            max: { type: 'integer', minimum: 1, maximum: 1000 },
            waitMs: { type: 'integer', minimum: 0, maximum: 30000 },
            from: { enum: ['earliest', 'latest'] },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['member', 'generation', 'partitions', 'items', 'positions'],
            properties: {
              member: { type: 'string' },
              members: { type: 'array', items: { type: 'string' } },
              generation: { type: 'integer' },
              partitions: {
                type: 'array',
                items: { type: 'object', properties: { stream: { type: 'string' }, partition: { type: 'integer' } } },
                description: "this member's partitions",
              },
              items: { type: 'array', items: ref('Record') },
              positions: { type: 'array', items: position, description: 'where the next poll reads from, per partition' },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { signal, revoked } = waitSignals(request, reply, shutdown, services.tenants, services.sessions);
      const polled = await groups.poll(tenantOf(request), request.params.group, request.body, signal);
      refuseIfRevoked(revoked);
      return polled;
    },
  );

  app.post<{ Params: { group: string }; Body: { member: string; offsets?: CommittedOffset[] } }>(
    '/v1/groups/:group/commit',
    {
      config: { access: 'consume' },
      schema: {
        tags: ['groups'],
        summary: 'Commit offsets (the next offset to read); without `offsets`, commits everything this member has received',
        params: groupParams,
        body: {
          type: 'object',
          required: ['member'],
          additionalProperties: false,
          properties: {
            member: { type: 'string', minLength: 1 },
            offsets: {
              type: 'array',
              maxItems: 10000,
              items: {
                type: 'object',
                required: ['stream', 'partition', 'offset'],
                additionalProperties: false,
                properties: { stream: { type: 'string' }, partition: { type: 'integer', minimum: 0 }, offset: { type: 'integer', minimum: 0 } },
              },
            },
          },
        },
        response: { 200: { type: 'object', required: ['committed'], properties: { committed: { type: 'array', items: position } } } },
      },
    },
    async (request) => ({ committed: await groups.commit(tenantOf(request), request.params.group, request.body.member, request.body.offsets) }),
  );

  app.post<{ Params: { group: string }; Body: { member: string } }>(
    '/v1/groups/:group/leave',
    {
      config: { access: 'consume' },
      schema: {
        tags: ['groups'],
        summary: 'Leave the group now, so others take over at once',
        params: groupParams,
        body: { type: 'object', required: ['member'], properties: { member: { type: 'string' } } },
        response: { 204: noContent },
      },
    },
    async (request, reply) => {
      await groups.leave(tenantOf(request), request.params.group, request.body.member);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/v1/groups',
    {
      config: { access: 'consume' },
      schema: {
        tags: ['groups'],
        summary: 'List consumer groups',
        querystring: listQuerystring,
        response: {
          200: pageSchema({ type: 'string', description: 'a group name' }),
        },
      },
    },
    async (request) => pageOf(await groups.listGroups(tenantOf(request)), (name) => name, request.query),
  );

  app.get<{ Params: { group: string } }>(
    '/v1/groups/:group',
    { config: { access: 'consume' }, schema: { tags: ['groups'], summary: 'Committed offsets and lag', params: groupParams, response: { 200: ref('Group') } } },
    (request) => groups.describe(tenantOf(request), request.params.group),
  );
}

import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../services/index.ts';
import { SluiceError } from '../../../domain/errors.ts';
import { noContent, pageSchema, ref } from '../api-schemas.ts';
import { listQuerystring, pageOf, type ListQuery } from '../list-page.ts';

/** The admin, or a `manage` key of the tenant `:id` names (another tenant's key gets 404). */
const adminOrManager = { access: 'admin-or-manager' } as const;
const tenantParams = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;

export function tenantRoutes(app: FastifyInstance, services: Services): void {
  const { tenants } = services;

  app.post<{ Body: { id: string; name?: string } }>(
    '/v1/tenants',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['tenants'],
        summary: 'Create a tenant (admin)',
        body: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: { id: { type: 'string' }, name: { type: 'string', maxLength: 200 } },
        },
        response: { 201: ref('Tenant') },
      },
    },
    async (request, reply) => reply.code(201).send(await tenants.createTenant(request.body.id, request.body.name)),
  );

  app.get<{ Querystring: ListQuery }>(
    '/v1/tenants',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['tenants'],
        summary: 'List tenants (admin)',
        querystring: listQuerystring,
        response: { 200: pageSchema(ref('Tenant')) },
      },
    },
    (request) => pageOf(tenants.listTenants(), (tenant) => tenant.id, request.query),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/tenants/:id',
    { config: adminOrManager, schema: { tags: ['tenants'], summary: 'Show a tenant', params: tenantParams, response: { 200: ref('Tenant') } } },
    (request) => tenants.getTenant(request.params.id),
  );

  app.delete<{ Params: { id: string }; Querystring: { confirm?: string } }>(
    '/v1/tenants/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['tenants'],
        summary: 'Delete a tenant and everything it owns: keys, types and streams, subscriptions, correlations, sources (admin; ?confirm=<id>)',
        params: tenantParams,
        querystring: { type: 'object', additionalProperties: false, properties: { confirm: { type: 'string', description: 'the tenant id again' } } },
        response: {
          200: {
            type: 'object',
            required: ['tenant', 'deleted'],
            properties: {
              tenant: { type: 'string' },
              deleted: { type: 'object', additionalProperties: { type: 'integer' }, description: 'how many of each were deleted' },
            },
          },
        },
      },
    },
    (request) => {
      if (request.query.confirm !== request.params.id) {
        throw new SluiceError('confirmation_required', `deleting tenant "${request.params.id}" deletes everything it owns; add ?confirm=${request.params.id}`);
      }
      return services.lifecycle.deleteTenant(request.params.id);
    },
  );

  app.post<{ Params: { id: string }; Body: { scopes: string[]; description?: string } }>(
    '/v1/tenants/:id/keys',
    {
      config: adminOrManager,
      schema: {
        tags: ['keys'],
        summary: 'Create an API key; the secret is in `key` and is shown only this once',
        params: tenantParams,
        body: {
          type: 'object',
          required: ['scopes'],
          additionalProperties: false,
          properties: { scopes: { type: 'array', items: { type: 'string' }, maxItems: 3 }, description: { type: 'string', maxLength: 200 } },
        },
        response: { 201: ref('Key') },
      },
    },
    async (request, reply) => reply.code(201).send(await tenants.createKey(request.params.id, request.body.scopes, request.body.description)),
  );

  app.get<{ Params: { id: string }; Querystring: ListQuery }>(
    '/v1/tenants/:id/keys',
    {
      config: adminOrManager,
      schema: {
        tags: ['keys'],
        summary: 'List keys (never their secrets)',
        params: tenantParams,
        querystring: listQuerystring,
        response: { 200: pageSchema(ref('Key')) },
      },
    },
    (request) => pageOf(tenants.listKeys(request.params.id), (key) => key.id, request.query),
  );

  app.delete<{ Params: { id: string; keyId: string } }>(
    '/v1/tenants/:id/keys/:keyId',
    {
      config: adminOrManager,
      schema: {
        tags: ['keys'],
        summary: 'Revoke a key at once',
        params: { type: 'object', properties: { id: { type: 'string' }, keyId: { type: 'string' } }, required: ['id', 'keyId'] },
        response: { 204: noContent },
      },
    },
    async (request, reply) => {
      await tenants.revokeKey(request.params.id, request.params.keyId);
      return reply.code(204).send();
    },
  );
}

import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../services/index.ts';
import { pageSchema } from '../api-schemas.ts';
import { tenantOf } from '../auth.ts';
import { listQuerystring, pageOf, type ListQuery } from '../list-page.ts';

const nameParams = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
const instanceParams = { type: 'object', properties: { name: { type: 'string' }, key: { type: 'string' } }, required: ['name', 'key'] } as const;
const tags = ['correlations'];
const manage = { access: 'manage' } as const;
const string = { type: 'string' } as const;
const integer = { type: 'integer' } as const;

/** Untyped on purpose: the service checks the definition and names every bad field in one invalid_correlation answer. */
const definitionBody = {
  type: 'object',
  properties: {
    types: { description: 'the input event types (2 to 20)' },
    key: { description: 'a JSON Pointer into each event\'s data, e.g. "/transaction"' },
    keys: { description: 'a pointer per type, where it differs from key' },
    completion: { description: '"all" (the default), {count: n} or {pattern: <content pattern>}' },
    timeout: { description: 'e.g. "30s": after the last (or first) event, an incomplete instance expires' },
    timeoutFrom: { description: '"last" (the default) or "first"' },
    emit: { description: '{complete: <type>, expired: <type>}: the event types the aggregates are stored as' },
    keep: { description: '"first" (the default) or "last": which event of a type the aggregate holds' },
    late: { description: '"new-instance" (the default) or "drop": an event for a key whose instance ended' },
    limits: { description: '{maxOpenInstances?, maxEventsPerInstance?}' },
    start: { description: '"latest" (the default), "earliest" or an RFC 3339 time' },
  },
} as const;

const correlationView = {
  type: 'object',
  additionalProperties: true,
  properties: { name: string, definition: { description: 'as given' }, start: string, createdAt: string, updatedAt: string },
} as const;

const correlationStatus = {
  ...correlationView,
  properties: {
    ...correlationView.properties,
    open: integer,
    oldestOpenSince: string,
    counts: {
      type: 'object',
      additionalProperties: true,
      properties: { complete: integer, expired: integer, evicted: integer, duplicates: integer, late: integer, ignored: integer },
    },
    shards: integer,
    shardsHere: { type: 'array', items: integer },
    runningHere: { type: 'boolean' },
  },
} as const;

/** `/v1/correlations`: events of several types joined by a key (docs/correlations.md). */
export function correlationRoutes(app: FastifyInstance, services: Services): void {
  const { correlations } = services;

  app.get(
    '/v1/correlations',
    {
      config: manage,
      schema: {
        tags,
        summary: 'List correlations',
        querystring: listQuerystring,
        response: { 200: pageSchema(correlationView) },
      },
    },
    (request) => pageOf(correlations.list(tenantOf(request)), (item) => item.name, request.query as ListQuery),
  );

  app.get<{ Params: { name: string } }>(
    '/v1/correlations/:name',
    {
      config: manage,
      schema: { tags, summary: 'Show a correlation: definition, open instances, outcomes so far', params: nameParams, response: { 200: correlationStatus } },
    },
    (request) => correlations.get(tenantOf(request), request.params.name),
  );

  app.get<{ Params: { name: string }; Querystring: { limit: number; cursor?: string } }>(
    '/v1/correlations/:name/instances',
    {
      config: manage,
      schema: {
        tags,
        summary: 'The open instances: the events each has so far and its deadline, a page at a time',
        params: nameParams,
        querystring: listQuerystring,
        response: { 200: pageSchema({ type: 'object', description: 'a key with its open instance' }) },
      },
    },
    (request) => correlations.openInstances(tenantOf(request), request.params.name, request.query.limit, request.query.cursor),
  );

  app.get<{ Params: { name: string; key: string } }>(
    '/v1/correlations/:name/instances/:key',
    {
      config: manage,
      schema: { tags, summary: "One key's instance: the events so far and its deadline, or how its last instance ended", params: instanceParams },
    },
    (request) => correlations.instance(tenantOf(request), request.params.name, request.params.key),
  );

  app.put<{ Params: { name: string }; Body: unknown }>(
    '/v1/correlations/:name',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Create (201) or replace (200) a correlation; a changed definition starts with empty state',
        params: nameParams,
        body: definitionBody,
        response: { 200: correlationView, 201: correlationView },
      },
    },
    async (request, reply) => {
      const result = await correlations.put(tenantOf(request), request.params.name, request.body);
      return reply.code(result.created ? 201 : 200).send(result.correlation);
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/correlations/:name',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Delete a correlation and its state (outcomes already stored stay)',
        params: nameParams,
        response: { 204: { type: 'null', description: 'deleted' } },
      },
    },
    async (request, reply) => {
      await correlations.delete(tenantOf(request), request.params.name);
      return reply.code(204).send();
    },
  );
}

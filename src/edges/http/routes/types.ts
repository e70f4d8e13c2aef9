import type { FastifyInstance } from 'fastify';
import { tenantOf } from '../auth.ts';
import type { Services } from '../../../services/index.ts';
import { SluiceError } from '../../../domain/errors.ts';
import type { PipelineConfig } from '../../../domain/pipeline-config.ts';
import type { SchemaFormat } from '../../../domain/catalog-docs.ts';
import { compatibilityLevels, type CompatibilityLevel } from '../../../domain/compatibility/index.ts';
import { pageSchema, ref } from '../api-schemas.ts';
import { listQuerystring, pageOf, type ListQuery } from '../list-page.ts';

const typeParams = { type: 'object', properties: { type: { type: 'string' } }, required: ['type'] } as const;

export function typeRoutes(app: FastifyInstance, services: Services): void {
  const { registry } = services;

  app.put<{
    Params: { type: string };
    Body: {
      schema: unknown;
      schemaType?: SchemaFormat;
      compatibility?: CompatibilityLevel;
      partitions?: number;
      partitionKey?: string;
      pipeline?: PipelineConfig | null;
      retention?: { ms?: number; bytes?: number } | null;
    };
  }>(
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
          properties: {
            schema: { description: 'A JSON Schema or Avro schema (object), or the text of a .proto file' },
            schemaType: { enum: ['JSON', 'AVRO', 'PROTOBUF'], default: 'JSON' },
            compatibility: { enum: [...compatibilityLevels], description: 'the rule later versions must obey; BACKWARD when never set' },
            partitions: { type: 'integer' },
            partitionKey: { type: 'string' },
            pipeline: { type: ['object', 'null'] },
            retention: {
              type: ['object', 'null'],
              additionalProperties: false,
              description: 'how much of the stream to keep: `ms` of age, `bytes` per partition; null keeps everything (the default)',
              properties: { ms: { type: 'integer', minimum: 1000 }, bytes: { type: 'integer', minimum: 1024 } },
            },
          },
        },
        response: { 200: ref('TypeChange'), 201: ref('TypeChange') },
      },
    },
    async (request, reply) => {
      const { schema, schemaType, compatibility, partitions, partitionKey, pipeline, retention } = request.body;
      const definition: Parameters<typeof registry.putType>[2] = { schema };
      if (schemaType !== undefined) definition.schemaType = schemaType;
      if (compatibility !== undefined) definition.compatibility = compatibility;
      if (pipeline !== undefined) definition.pipeline = pipeline;
      if (partitions !== undefined) definition.partitions = partitions;
      if (partitionKey !== undefined) definition.partitionKey = partitionKey;
      if (retention !== undefined) definition.retention = retention;
      const result = await registry.putType(tenantOf(request), request.params.type, definition);
      return reply.code(result.changed ? 201 : 200).send(result);
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/v1/types',
    {
      config: { access: 'consume' },
      schema: {
        tags: ['types'],
        summary: 'List event types',
        querystring: listQuerystring,
        response: { 200: pageSchema(ref('EventType')) },
      },
    },
    (request) => pageOf(registry.listTypes(tenantOf(request)), (type) => type.type, request.query),
  );

  app.get<{ Params: { type: string } }>(
    '/v1/types/:type',
    { config: { access: 'consume' }, schema: { tags: ['types'], summary: 'Show an event type', params: typeParams, response: { 200: ref('EventType') } } },
    (request) => registry.getType(tenantOf(request), request.params.type),
  );

  app.get<{ Params: { type: string; version: string } }>(
    '/v1/types/:type/versions/:version',
    {
      config: { access: 'consume' },
      schema: {
        tags: ['types'],
        summary: 'Show one schema version (a number or "latest")',
        params: { type: 'object', properties: { type: { type: 'string' }, version: { type: 'string' } }, required: ['type', 'version'] },
        response: { 200: ref('SchemaVersion') },
      },
    },
    (request) => {
      const raw = request.params.version;
      if (raw !== 'latest' && !/^\d+$/.test(raw)) throw new SluiceError('invalid_request', `version "${raw}" is not a number or "latest"`);
      return registry.getVersion(tenantOf(request), request.params.type, raw === 'latest' ? 'latest' : Number(raw));
    },
  );

  app.delete<{ Params: { type: string } }>(
    '/v1/types/:type',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['types'],
        summary: 'Delete an event type: its schema versions and its stream with every record (409 while something uses it)',
        params: typeParams,
        response: { 200: { type: 'object', required: ['type', 'stream'], properties: { type: { type: 'string' }, stream: { type: 'string' } } } },
      },
    },
    (request) => services.lifecycle.deleteType(tenantOf(request), request.params.type),
  );

  app.post<{ Params: { type: string }; Body: { key: string } }>(
    '/v1/types/:type/erase',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['types'],
        summary: 'Erase every event stored with a key: the data becomes null and the key is cleared (embedded store; 409 on Kafka)',
        params: typeParams,
        body: { type: 'object', required: ['key'], additionalProperties: false, properties: { key: { type: 'string', minLength: 1, maxLength: 1024 } } },
        response: {
          200: {
            type: 'object',
            required: ['stream', 'key', 'erased'],
            properties: { stream: { type: 'string' }, key: { type: 'string' }, erased: { type: 'integer' } },
          },
        },
      },
    },
    (request) => services.lifecycle.eraseKey(tenantOf(request), request.params.type, request.body.key),
  );

  app.get<{ Params: { type: string } }>(
    '/v1/types/:type/pipeline',
    {
      config: { access: 'consume' },
      schema: { tags: ['pipelines'], summary: "Show a type's pipeline (steps, filter, route)", params: typeParams, response: { 200: ref('Pipeline') } },
    },
    (request) => registry.getPipeline(tenantOf(request), request.params.type),
  );

  app.put<{ Params: { type: string }; Body: PipelineConfig }>(
    '/v1/types/:type/pipeline',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['pipelines'],
        summary: "Replace a type's pipeline; `{}` removes it. Checked before it is stored (400 invalid_pipeline with every problem)",
        params: typeParams,
        body: { type: 'object' },
        response: { 200: ref('TypeChange') },
      },
    },
    async (request) => {
      const tenant = tenantOf(request);
      const changed = await registry.setPipeline(tenant, request.params.type, request.body);
      return { type: request.params.type, changed, pipeline: registry.getPipeline(tenant, request.params.type) };
    },
  );

  app.post<{ Params: { type: string }; Body: { events: unknown[]; pipeline?: PipelineConfig } }>(
    '/v1/types/:type/pipeline/test',
    {
      config: { access: 'consume' },
      schema: {
        tags: ['pipelines'],
        summary: 'Say what sample events would become (outputs, routes, or the dead-letter reason) without storing anything',
        description:
          'Each sample is an event without `type`: `{"data": {...}, "key"?, "subject"?, ...}`. Send `pipeline` to try a draft instead of the stored one.',
        params: typeParams,
        body: {
          type: 'object',
          required: ['events'],
          additionalProperties: false,
          properties: { events: { type: 'array', maxItems: 100 }, pipeline: { type: 'object' } },
        },
        response: {
          200: {
            type: 'object',
            required: ['results'],
            properties: {
              results: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['index', 'outcome'],
                  properties: {
                    index: { type: 'integer' },
                    outcome: { type: 'string', description: 'accepted, filtered or dead-letter' },
                    outputs: { type: 'array', description: 'what would be stored, per stream' },
                    error: { type: 'object', description: 'the dead-letter reason: stage, code, message, details' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => ({ results: await services.pipelines.test(tenantOf(request), request.params.type, request.body.events, request.body.pipeline) }),
  );
}

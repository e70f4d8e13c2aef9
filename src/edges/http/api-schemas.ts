import type { FastifyInstance, RouteOptions } from 'fastify';

/**
 * The shapes the API answers with, shared by routes through `$ref` and published in
 * /openapi.json under components. The server serialises answers with JSON.stringify (see
 * app.ts), so these document and are checked against the answers (Schemathesis in CI); they
 * never reshape them. Objects keep fields they do not list.
 */
const string = { type: 'string' } as const;
const integer = { type: 'integer' } as const;
const strings = { type: 'array', items: string } as const;
const time = { type: 'string', description: 'RFC 3339 time' } as const;

const detail = { type: 'object', required: ['path', 'reason'], properties: { path: string, reason: string } } as const;

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every error: a stable `code` (docs/errors.md), what was wrong, and how to fix it',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'fix'],
      properties: { code: string, message: string, fix: string, details: { type: 'array', items: detail } },
    },
  },
} as const;

export const registryErrorSchema = {
  $id: 'RegistryError',
  type: 'object',
  description: "Confluent Schema Registry's error shape",
  required: ['error_code', 'message'],
  properties: { error_code: integer, message: string },
} as const;

const tenant = {
  $id: 'Tenant',
  type: 'object',
  required: ['id', 'name', 'createdAt'],
  properties: { id: string, name: string, createdAt: time, registry: { type: 'object' } },
} as const;

const key = {
  $id: 'Key',
  type: 'object',
  required: ['id', 'tenant', 'scopes', 'createdAt'],
  properties: {
    id: string,
    tenant: string,
    scopes: strings,
    description: string,
    createdAt: time,
    key: { type: 'string', description: 'the secret: answered once, when the key is created' },
  },
} as const;

const versionSummary = {
  type: 'object',
  required: ['version', 'schemaId'],
  properties: { version: integer, schemaId: integer, createdAt: time, deleted: { type: 'boolean' } },
} as const;

const eventType = {
  $id: 'EventType',
  type: 'object',
  required: ['type', 'stream', 'partitions'],
  properties: {
    type: string,
    stream: string,
    partitions: integer,
    partitionKey: string,
    compatibility: string,
    latestVersion: { type: ['integer', 'null'] },
    versions: { type: 'array', items: versionSummary },
    pipeline: { type: 'object' },
    createdAt: time,
    updatedAt: time,
  },
} as const;

const schemaVersion = {
  $id: 'SchemaVersion',
  type: 'object',
  required: ['type', 'version', 'schemaId', 'schemaType', 'schema'],
  properties: {
    type: string,
    version: integer,
    schemaId: integer,
    schemaType: { enum: ['JSON', 'AVRO', 'PROTOBUF'] },
    schema: { description: 'an object (JSON Schema, Avro) or .proto text' },
    createdAt: time,
  },
} as const;

const typeChange = {
  $id: 'TypeChange',
  type: 'object',
  required: ['type', 'changed'],
  properties: {
    type: string,
    changed: { type: 'boolean', description: 'false when the request changed nothing' },
    version: integer,
    schemaId: integer,
    stream: string,
    partitions: integer,
    pipeline: { type: 'object' },
  },
} as const;

const streamInfo = {
  $id: 'StreamInfo',
  type: 'object',
  required: ['name', 'partitions', 'startOffsets', 'endOffsets'],
  properties: { name: string, partitions: integer, startOffsets: { type: 'array', items: integer }, endOffsets: { type: 'array', items: integer } },
} as const;

const record = {
  $id: 'Record',
  type: 'object',
  description: 'A stored event (or, in the `_dead` stream, a dead letter: see DeadLetter)',
  required: ['id', 'stream', 'partition', 'offset'],
  properties: {
    id: string,
    type: { type: ['string', 'null'] },
    source: string,
    time: string,
    subject: string,
    key: { type: ['string', 'null'] },
    tenant: string,
    stream: string,
    partition: integer,
    offset: integer,
    receivedAt: time,
    schemaId: integer,
    data: { description: 'the event data as stored' },
  },
} as const;

const deadLetter = {
  $id: 'DeadLetter',
  type: 'object',
  required: ['offset', 'stage', 'code', 'message', 'original'],
  properties: {
    id: string,
    type: { type: ['string', 'null'] },
    stream: string,
    offset: integer,
    stage: { type: 'string', description: 'where it failed: ingest, source, transform, route, delivery' },
    code: string,
    message: string,
    details: { type: 'array', items: detail },
    original: { type: 'string', description: 'the event as it was received' },
    receivedAt: time,
    redriven: { type: 'object', properties: { stream: string, partition: integer, offset: integer, at: time } },
  },
} as const;

const position = { type: 'object', required: ['stream', 'partition', 'offset'], properties: { stream: string, partition: integer, offset: integer } } as const;

const ingestOutcome = {
  $id: 'IngestOutcome',
  type: 'object',
  required: ['accepted', 'duplicates', 'rejected', 'filtered', 'results'],
  properties: {
    accepted: { type: 'integer', description: 'events stored by this request' },
    duplicates: { type: 'integer', description: 'events whose id was stored already: not stored again' },
    rejected: { type: 'integer', description: 'events dead-lettered' },
    filtered: { type: 'integer', description: 'events the pipeline filter dropped' },
    results: {
      type: 'array',
      description: 'one per event, in request order: its position, `filtered`, or the error and the dead letter',
      items: {
        type: 'object',
        properties: {
          id: string,
          stream: string,
          partition: integer,
          offset: integer,
          duplicate: { type: 'boolean' },
          routes: { type: 'array', items: position },
          filtered: { type: 'boolean' },
          index: integer,
          error: { type: 'object', required: ['code', 'message'], properties: { code: string, message: string, details: { type: 'array', items: detail } } },
          deadLetter: { type: 'object', properties: { stream: string, offset: integer } },
        },
      },
    },
  },
} as const;

const pipeline = {
  $id: 'Pipeline',
  type: 'object',
  description: 'steps, filter and route; {} when the type has none',
  properties: { steps: { type: 'array' }, filter: {}, route: {} },
} as const;

const groupView = {
  $id: 'Group',
  type: 'object',
  required: ['group'],
  properties: {
    group: string,
    members: strings,
    generation: integer,
    offsets: { type: 'array', items: { type: 'object', properties: { stream: string, partition: integer, offset: integer, end: integer, lag: integer } } },
  },
} as const;

/** The shared shapes, registered once with `addSchema`. */
export const apiSchemas = [
  errorSchema,
  registryErrorSchema,
  tenant,
  key,
  eventType,
  schemaVersion,
  typeChange,
  streamInfo,
  record,
  deadLetter,
  ingestOutcome,
  pipeline,
  groupView,
] as const;

type SchemaId = (typeof apiSchemas)[number]['$id'];

/** `{ $ref }` to a shared shape. */
export function ref(id: SchemaId): { $ref: string } {
  return { $ref: `${id}#` };
}

/** A page of a list: `items` of a shape, and the cursor of the next page (null at the end). */
export function pageSchema(items: object, next: object = { type: ['string', 'null'], description: 'the cursor of the next page; null at the end' }): object {
  return { type: 'object', required: ['items'], properties: { items: { type: 'array', items }, next } };
}

export const noContent = { type: 'null', description: 'done; no body' } as const;

export function registerApiSchemas(app: FastifyInstance): void {
  for (const schema of apiSchemas) app.addSchema(schema);
}

/**
 * Every documented route answers errors in one shape: `Error`, or `RegistryError` under
 * `/registry`. Added to each route as its `default` answer, so no route forgets it.
 */
export function documentErrors(route: RouteOptions): void {
  const schema = route.schema as ({ hide?: boolean; response?: Record<string, unknown> } & Record<string, unknown>) | undefined;
  if (schema === undefined || schema.hide === true) return;
  const error = route.url.startsWith('/registry') ? ref('RegistryError') : ref('Error');
  schema.response = { ...(schema.response ?? {}), default: { description: 'an error', ...error } };
}

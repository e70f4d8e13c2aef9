/**
 * What /openapi.json says of the registry's routes: Confluent Schema Registry's request and
 * answer shapes, in its content types.
 */
/** What Confluent Schema Registry answers with, and what its clients send. */
export const confluentContentType = 'application/vnd.schemaregistry.v1+json';

const string = { type: 'string' } as const;
const integer = { type: 'integer' } as const;
const reference = { type: 'object', required: ['name', 'subject', 'version'], properties: { name: string, subject: string, version: integer } } as const;
const schemaFields = {
  schema: { type: 'string', description: 'the schema as text: JSON Schema or Avro JSON, or .proto source' },
  schemaType: { enum: ['JSON', 'AVRO', 'PROTOBUF'], description: 'AVRO when left out' },
  references: { type: 'array', items: reference },
  metadata: { type: 'object' },
  ruleSet: { type: 'object' },
} as const;
const subjectVersion = {
  type: 'object',
  required: ['subject', 'version', 'id', 'schema'],
  properties: { subject: string, version: integer, id: integer, ...schemaFields },
} as const;
const level = { enum: ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'] } as const;

export const answers = {
  empty: { type: 'object' },
  object: { type: 'object' },
  any: { description: 'the schema itself: JSON for JSON Schema and Avro, a string for Protobuf' },
  strings: { type: 'array', items: string },
  integers: { type: 'array', items: integer },
  integer,
  id: { type: 'object', required: ['id'], properties: { id: integer } },
  subjectVersion,
  subjectVersions: { type: 'array', items: subjectVersion },
  subjectVersionRefs: { type: 'array', items: { type: 'object', required: ['subject', 'version'], properties: { subject: string, version: integer } } },
  schemaById: { type: 'object', required: ['schema'], properties: schemaFields },
  compatibility: {
    type: 'object',
    required: ['is_compatible'],
    properties: { is_compatible: { type: 'boolean' }, messages: { type: 'array', items: string } },
  },
  configLevel: { type: 'object', required: ['compatibilityLevel'], properties: { compatibilityLevel: level } },
  configSet: { type: 'object', required: ['compatibility'], properties: { compatibility: level } },
  mode: { type: 'object', required: ['mode'], properties: { mode: { enum: ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'] } } },
} as const;

export const bodies = {
  schemaBody: { type: 'object', required: ['schema'], properties: schemaFields },
  configBody: { type: 'object', required: ['compatibility'], properties: { compatibility: level, normalize: { type: 'boolean' } } },
  modeBody: { type: 'object', required: ['mode'], properties: { mode: { enum: ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'] } } },
} as const;

const access = { read: 'consume', write: 'manage' } as const;
/** What the registry's clients send: Confluent's types and plain JSON. */
export const registryMediaTypes = [confluentContentType, 'application/vnd.schemaregistry+json', 'application/json'];

/** A registry route's options: who may call it, and its documentation. */
export function op(kind: keyof typeof access, summary: string, answer: object, body?: object) {
  const schema: Record<string, unknown> = {
    tags: ['registry (Confluent)'],
    summary,
    produces: [confluentContentType, 'application/json'],
    response: { 200: answer },
  };
  if (body !== undefined) schema.body = { content: Object.fromEntries(registryMediaTypes.map((type) => [type, { schema: body }])) };
  return { config: { access: access[kind] }, schema };
}

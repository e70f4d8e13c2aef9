import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSluice, type ApiResponse, type TestSluice } from '../../helpers/sluice.ts';

const confluentType = 'application/vnd.schemaregistry.v1+json';
const confluentMediaType = /^application\/vnd\.schemaregistry\.v1\+json(;|$)/;

const fruitV1 = JSON.stringify({ type: 'record', name: 'acme.Fruit', fields: [{ name: 'name', type: 'string' }] });
const fruitWithColour = JSON.stringify({
  type: 'record',
  name: 'acme.Fruit',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'colour', type: 'string', default: 'green' },
  ],
});
const fruitWithWeight = JSON.stringify({
  type: 'record',
  name: 'acme.Fruit',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'weight', type: 'int' },
  ],
});

/** Calls the registry API the way Confluent clients do: their content type, a bearer key. */
function registryClient(server: TestSluice, key: string | null) {
  return <T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> =>
    server.call<T>(method, `/registry${path}`, body === undefined ? { token: key } : { token: key, body, contentType: confluentType });
}

async function setup(t: Parameters<typeof startSluice>[0]) {
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  return { server, key, reg: registryClient(server, key) };
}

void test('register, read, look up and list an Avro subject in Confluent bodies', async (t) => {
  const { server, key, reg } = await setup(t);

  const first = await reg('POST', '/subjects/acme.fruits-value/versions', { schema: fruitV1 });
  assert.equal(first.status, 200);
  assert.match(first.headers.get('content-type') ?? '', confluentMediaType);
  assert.deepEqual(Object.keys(first.body), ['id']);
  const id = first.body.id as number;
  assert.ok(Number.isInteger(id) && id > 0);

  const again = await reg('POST', '/subjects/acme.fruits-value/versions', { schema: fruitV1, schemaType: 'AVRO', references: [] });
  assert.deepEqual(again.body, { id });

  assert.deepEqual((await reg('GET', '/subjects')).body, ['acme.fruits-value']);
  assert.deepEqual((await reg('GET', '/subjects/acme.fruits-value/versions')).body, [1]);

  const version = await reg('GET', '/subjects/acme.fruits-value/versions/1');
  assert.equal(version.status, 200);
  assert.deepEqual(Object.keys(version.body), ['subject', 'version', 'id', 'schema'], 'schemaType is left out for Avro');
  assert.equal(version.body.subject, 'acme.fruits-value');
  assert.equal(version.body.version, 1);
  assert.equal(version.body.id, id);
  assert.deepEqual(JSON.parse(version.body.schema as string), JSON.parse(fruitV1));
  assert.deepEqual((await reg('GET', '/subjects/acme.fruits-value/versions/latest')).body, version.body);
  assert.deepEqual((await reg('GET', '/subjects/acme.fruits-value/versions/-1')).body, version.body);
  assert.deepEqual((await reg('GET', '/subjects/acme.fruits-value/versions/1/schema')).body, JSON.parse(fruitV1));
  assert.deepEqual((await reg('GET', '/subjects/acme.fruits-value/versions/1/referencedby')).body, []);

  const lookup = await reg('POST', '/subjects/acme.fruits-value', { schema: fruitV1 });
  assert.equal(lookup.status, 200);
  assert.deepEqual(lookup.body, version.body);

  const unknownSchema = await reg('POST', '/subjects/acme.fruits-value', { schema: fruitWithColour });
  assert.equal(unknownSchema.status, 404);
  assert.equal(unknownSchema.body.error_code, 40403);
  assert.match(unknownSchema.headers.get('content-type') ?? '', confluentMediaType);
  const unknownSubject = await reg('POST', '/subjects/acme.nothing-value', { schema: fruitV1 });
  assert.equal(unknownSubject.status, 404);
  assert.equal(unknownSubject.body.error_code, 40401);

  const byId = await reg('GET', `/schemas/ids/${id}`);
  assert.deepEqual(Object.keys(byId.body), ['schema']);
  assert.deepEqual(JSON.parse(byId.body.schema as string), JSON.parse(fruitV1));
  assert.deepEqual((await reg('GET', `/schemas/ids/${id}/schema`)).body, JSON.parse(fruitV1));
  assert.deepEqual((await reg('GET', `/schemas/ids/${id}/subjects`)).body, ['acme.fruits-value']);
  assert.deepEqual((await reg('GET', `/schemas/ids/${id}/versions`)).body, [{ subject: 'acme.fruits-value', version: 1 }]);
  assert.equal((await reg('GET', '/schemas/ids/999999')).body.error_code, 40403);
  assert.equal((await reg('GET', '/schemas/ids/abc')).body.error_code, 40403);
  assert.deepEqual((await reg('GET', '/schemas/types')).body, ['JSON', 'PROTOBUF', 'AVRO']);

  for (const bad of ['0', 'abc', '2147483648']) {
    const response = await reg('GET', `/subjects/acme.fruits-value/versions/${bad}`);
    assert.equal(response.status, 422, bad);
    assert.equal(response.body.error_code, 42202, bad);
  }
  const missing = await reg('GET', '/subjects/acme.fruits-value/versions/9');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error_code, 40402);

  // The subject is the event type `fruits`, with its stream and 4 partitions.
  const type = await server.call('GET', '/v1/types/fruits', { token: key });
  assert.equal(type.status, 200);
  assert.equal(type.body.stream, 'acme.fruits');
  assert.equal(type.body.partitions, 4);
  assert.deepEqual(
    type.body.versions.map((v: { schemaId: number }) => v.schemaId),
    [id],
  );
});

void test('JSON Schema and Protobuf subjects name their schemaType; bad registrations answer 42201', async (t) => {
  const { reg } = await setup(t);
  const jsonSchema = JSON.stringify({ type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] });
  const json = await reg('POST', '/subjects/acme.orders-value/versions', { schema: jsonSchema, schemaType: 'JSON' });
  assert.equal(json.status, 200);
  const jsonVersion = await reg('GET', '/subjects/acme.orders-value/versions/latest');
  assert.equal(jsonVersion.body.schemaType, 'JSON');
  assert.deepEqual(JSON.parse(jsonVersion.body.schema as string), JSON.parse(jsonSchema));
  assert.deepEqual((await reg('GET', `/schemas/ids/${json.body.id}`)).body.schemaType, 'JSON');

  const proto = 'syntax = "proto3";\nmessage Payment {\n  string id = 1;\n  int64 cents = 2;\n}';
  const protobuf = await reg('POST', '/subjects/acme.payments-value/versions', { schema: proto, schemaType: 'PROTOBUF' });
  assert.equal(protobuf.status, 200);
  const protoVersion = await reg('GET', '/subjects/acme.payments-value/versions/1');
  assert.equal(protoVersion.body.schemaType, 'PROTOBUF');
  assert.equal(protoVersion.body.schema, proto);
  const lookup = await reg('POST', '/subjects/acme.payments-value', { schema: proto, schemaType: 'PROTOBUF' });
  assert.equal(lookup.body.id, protobuf.body.id);

  const cases: [string, unknown][] = [
    ['not Avro', { schema: '{"type": "record", "name": "X"}' }],
    ['not JSON', { schema: '{oops', schemaType: 'JSON' }],
    ['not a .proto', { schema: 'message {', schemaType: 'PROTOBUF' }],
    ['unknown schemaType', { schema: fruitV1, schemaType: 'XML' }],
    ['no schema', { schemaType: 'AVRO' }],
    ['schema not a string', { schema: { type: 'string' } }],
    ['a reference to no subject', { schema: fruitV1, references: [{ name: 'x', subject: 'acme.x-value', version: 1 }] }],
    ['explicit id', { schema: fruitV1, id: 7 }],
  ];
  for (const [name, body] of cases) {
    const response = await reg('POST', '/subjects/acme.bad-value/versions', body);
    assert.equal(response.status, 422, name);
    assert.equal(response.body.error_code, 42201, name);
    assert.equal(typeof response.body.message, 'string', name);
  }
  const references = await reg('POST', '/subjects/acme.bad-value/versions', cases[6]![1]);
  assert.match(references.body.message as string, /subject 'acme\.x-value' not found/);
  assert.deepEqual((await reg('GET', '/subjects')).body, ['acme.orders-value', 'acme.payments-value'], 'failed registrations leave no subject');

  const json2 = await reg('POST', '/subjects/acme.orders-value/versions', { schema: fruitV1 });
  assert.equal(json2.status, 422, 'an Avro schema cannot follow JSON Schema versions');
  assert.equal(json2.body.error_code, 42201);
});

void test('compatibility checks, 409 on incompatible registration, and config shared with /v1/types', async (t) => {
  const { server, key, reg } = await setup(t);
  await reg('POST', '/subjects/acme.fruits-value/versions', { schema: fruitV1 });

  const incompatible = await reg('POST', '/compatibility/subjects/acme.fruits-value/versions/latest', { schema: fruitWithWeight });
  assert.equal(incompatible.status, 200);
  assert.deepEqual(incompatible.body, { is_compatible: false });
  const verbose = await reg('POST', '/compatibility/subjects/acme.fruits-value/versions/1?verbose=true', { schema: fruitWithWeight });
  assert.equal(verbose.body.is_compatible, false);
  assert.ok(verbose.body.messages.length > 0);
  assert.match(verbose.body.messages.join(' '), /weight/);
  assert.deepEqual((await reg('POST', '/compatibility/subjects/acme.fruits-value/versions/latest?verbose=true', { schema: fruitWithColour })).body, {
    is_compatible: true,
    messages: [],
  });
  assert.equal((await reg('POST', '/compatibility/subjects/acme.fruits-value/versions/5', { schema: fruitWithColour })).body.error_code, 40402);
  // As in Confluent: before a subject's first registration, any schema is compatible with it.
  assert.deepEqual((await reg('POST', '/compatibility/subjects/acme.none-value/versions/latest', { schema: fruitWithColour })).body, { is_compatible: true });

  const refused = await reg('POST', '/subjects/acme.fruits-value/versions', { schema: fruitWithWeight });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error_code, 409);
  assert.match(refused.body.message as string, /weight/);
  const accepted = await reg('POST', '/subjects/acme.fruits-value/versions', { schema: fruitWithColour });
  assert.equal(accepted.status, 200);
  assert.deepEqual((await reg('GET', '/subjects/acme.fruits-value/versions')).body, [1, 2]);
  // Registering an earlier version's schema again answers its id; no new version.
  const v1 = await reg('GET', '/subjects/acme.fruits-value/versions/1');
  assert.deepEqual((await reg('POST', '/subjects/acme.fruits-value/versions', { schema: fruitV1 })).body, { id: v1.body.id });
  assert.deepEqual((await reg('GET', '/subjects/acme.fruits-value/versions')).body, [1, 2]);

  assert.deepEqual((await reg('GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });
  const unset = await reg('GET', '/config/acme.fruits-value');
  assert.equal(unset.status, 404);
  assert.equal(unset.body.error_code, 40408);
  assert.deepEqual((await reg('GET', '/config/acme.fruits-value?defaultToGlobal=true')).body, { compatibilityLevel: 'BACKWARD' });

  assert.deepEqual((await reg('PUT', '/config/acme.fruits-value', { compatibility: 'NONE' })).body, { compatibility: 'NONE' });
  assert.deepEqual((await reg('GET', '/config/acme.fruits-value')).body, { compatibilityLevel: 'NONE' });
  assert.equal((await server.call('GET', '/v1/types/fruits', { token: key })).body.compatibility, 'NONE', "subject config is the type's compatibility");
  assert.equal((await reg('POST', '/subjects/acme.fruits-value/versions', { schema: fruitWithWeight })).status, 200, 'NONE lets any change in');

  const native = await server.call('PUT', '/v1/types/fruits', {
    token: key,
    body: { schema: JSON.parse(fruitWithWeight) as unknown, schemaType: 'AVRO', compatibility: 'FULL' },
  });
  assert.equal(native.status, 201);
  assert.deepEqual((await reg('GET', '/config/acme.fruits-value')).body, { compatibilityLevel: 'FULL' });

  const invalid = await reg('PUT', '/config', { compatibility: 'SOMETIMES' });
  assert.equal(invalid.status, 422);
  assert.equal(invalid.body.error_code, 42203);
  assert.deepEqual((await reg('PUT', '/config', { compatibility: 'forward' })).body, { compatibility: 'FORWARD' });
  assert.deepEqual((await reg('GET', '/config')).body, { compatibilityLevel: 'FORWARD' });
  await server.call('PUT', '/v1/types/plain', { token: key, body: { schema: { type: 'object' } } });
  assert.equal(
    (await server.call('GET', '/v1/types/plain', { token: key })).body.compatibility,
    'FORWARD',
    'the tenant default is the level of types without one',
  );

  assert.deepEqual((await reg('DELETE', '/config/acme.fruits-value')).body, { compatibilityLevel: 'FULL' });
  assert.equal((await reg('GET', '/config/acme.fruits-value')).body.error_code, 40408);
  assert.deepEqual((await reg('DELETE', '/config')).body, { compatibilityLevel: 'FORWARD' });
  assert.deepEqual((await reg('GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });

  // A config set before the first schema makes the subject's type, without versions.
  assert.deepEqual((await reg('PUT', '/config/acme.later-value', { compatibility: 'FULL_TRANSITIVE' })).body, { compatibility: 'FULL_TRANSITIVE' });
  assert.deepEqual((await reg('GET', '/subjects')).body, ['acme.fruits-value', 'acme.plain-value'], 'a subject without versions is not listed');
  assert.equal((await reg('POST', '/subjects/acme.later-value/versions', { schema: fruitV1 })).status, 200);
  assert.equal((await server.call('GET', '/v1/types/later', { token: key })).body.compatibility, 'FULL_TRANSITIVE');
});

void test('soft delete hides versions, permanent delete only after it, and ingest stops using deleted versions', async (t) => {
  const { server, key, reg } = await setup(t);
  const v1 = (await reg('POST', '/subjects/acme.fruits-value/versions', { schema: fruitV1 })).body.id as number;
  await reg('POST', '/subjects/acme.fruits-value/versions', { schema: fruitWithColour });

  const notSoft = await reg('DELETE', '/subjects/acme.fruits-value/versions/1?permanent=true');
  assert.equal(notSoft.status, 404);
  assert.equal(notSoft.body.error_code, 40407);
  assert.deepEqual((await reg('DELETE', '/subjects/acme.fruits-value/versions/1')).body, 1);
  assert.equal((await reg('DELETE', '/subjects/acme.fruits-value/versions/1')).body.error_code, 40406);
  assert.deepEqual((await reg('GET', '/subjects/acme.fruits-value/versions')).body, [2]);
  assert.deepEqual((await reg('GET', '/subjects/acme.fruits-value/versions?deleted=true')).body, [1, 2]);
  assert.equal((await reg('GET', '/subjects/acme.fruits-value/versions/1')).body.error_code, 40402);
  assert.equal((await reg('GET', '/subjects/acme.fruits-value/versions/1?deleted=true')).body.id, v1);
  assert.equal((await reg('POST', '/subjects/acme.fruits-value', { schema: fruitV1 })).body.error_code, 40403);
  assert.deepEqual((await reg('GET', `/schemas/ids/${v1}/versions`)).body, []);
  assert.deepEqual((await reg('GET', `/schemas/ids/${v1}/versions?deleted=true`)).body, [{ subject: 'acme.fruits-value', version: 1 }]);

  const permanentFirst = await reg('DELETE', '/subjects/acme.fruits-value?permanent=true');
  assert.equal(permanentFirst.status, 404);
  assert.equal(permanentFirst.body.error_code, 40405);
  assert.deepEqual((await reg('DELETE', '/subjects/acme.fruits-value')).body, [2]);
  assert.equal((await reg('DELETE', '/subjects/acme.fruits-value')).body.error_code, 40404);
  assert.deepEqual((await reg('GET', '/subjects')).body, []);
  assert.deepEqual((await reg('GET', '/subjects?deleted=true')).body, ['acme.fruits-value']);
  assert.equal((await reg('GET', '/subjects/acme.fruits-value/versions')).body.error_code, 40401);

  const sent = await server.call('POST', '/v1/events', { token: key, body: { type: 'fruits', data: { name: 'kiwi' } } });
  assert.equal(sent.status, 400, 'a soft-deleted subject no longer validates events');
  assert.equal(sent.body.results[0].error.code, 'unknown_type');

  assert.deepEqual((await reg('DELETE', '/subjects/acme.fruits-value?permanent=true')).body, [1, 2]);
  assert.deepEqual((await reg('GET', '/subjects?deleted=true')).body, []);
  assert.equal((await server.call('GET', '/v1/types/fruits', { token: key })).status, 404);
  assert.equal((await reg('DELETE', '/subjects/acme.fruits-value')).body.error_code, 40401);

  // After a soft delete, the same schema registers again as a new version with the same id.
  const again = await reg('POST', '/subjects/acme.fruits-value/versions', { schema: fruitV1 });
  assert.deepEqual(again.body, { id: v1 });
  assert.deepEqual((await reg('GET', '/subjects/acme.fruits-value/versions')).body, [1]);
  assert.deepEqual((await reg('DELETE', '/subjects/acme.fruits-value/versions/latest')).body, 1);
  assert.deepEqual((await reg('POST', '/subjects/acme.fruits-value/versions', { schema: fruitV1 })).body, { id: v1 });
  assert.deepEqual((await reg('GET', '/subjects/acme.fruits-value/versions?deleted=true')).body, [1, 2]);
});

void test('READONLY mode refuses writes with 42205; modes are per subject or tenant-wide', async (t) => {
  const { reg } = await setup(t);
  assert.deepEqual((await reg('GET', '/mode')).body, { mode: 'READWRITE' });
  await reg('POST', '/subjects/acme.fruits-value/versions', { schema: fruitV1 });
  assert.equal((await reg('GET', '/mode/acme.fruits-value')).body.error_code, 40409);
  assert.deepEqual((await reg('GET', '/mode/acme.fruits-value?defaultToGlobal=true')).body, { mode: 'READWRITE' });

  assert.deepEqual((await reg('PUT', '/mode/acme.fruits-value', { mode: 'READONLY' })).body, { mode: 'READONLY' });
  assert.deepEqual((await reg('GET', '/mode/acme.fruits-value')).body, { mode: 'READONLY' });
  const refused = await reg('POST', '/subjects/acme.fruits-value/versions', { schema: fruitWithColour });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error_code, 42205);
  assert.equal((await reg('DELETE', '/subjects/acme.fruits-value')).body.error_code, 42205);
  assert.equal((await reg('POST', '/subjects/acme.other-value/versions', { schema: fruitV1 })).status, 200, 'other subjects stay writable');

  assert.equal((await reg('PUT', '/mode', { mode: 'SOMETIMES' })).body.error_code, 42204);
  assert.deepEqual((await reg('PUT', '/mode', { mode: 'READONLY' })).body, { mode: 'READONLY' });
  assert.equal((await reg('POST', '/subjects/acme.third-value/versions', { schema: fruitV1 })).body.error_code, 42205);
  assert.deepEqual((await reg('PUT', '/mode', { mode: 'IMPORT' })).body, { mode: 'IMPORT' });
  assert.deepEqual((await reg('DELETE', '/mode/acme.fruits-value')).body, { mode: 'READONLY' });
  assert.equal((await reg('POST', '/subjects/acme.fruits-value/versions', { schema: fruitWithColour })).status, 200);
  assert.deepEqual((await reg('GET', '/mode/acme.fruits-value?defaultToGlobal=true')).body, { mode: 'IMPORT' });
});

void test("subject names map to event types; other tenants' subjects and schema ids stay invisible", async (t) => {
  const { server, key, reg } = await setup(t);
  const other = await server.tenantWithKey('globex');
  const theirs = registryClient(server, other);

  const id = (await reg('POST', '/subjects/acme.fruits-value/versions', { schema: fruitV1 })).body.id as number;
  assert.equal((await reg('POST', '/subjects/acme.fruits-key/versions', { schema: '"string"' })).status, 200);
  await server.call('PUT', '/v1/types/native', { token: key, body: { schema: { type: 'object' } } });
  assert.deepEqual((await reg('GET', '/subjects')).body, ['acme.fruits-key', 'acme.fruits-value', 'acme.native-value']);
  assert.equal((await server.call('GET', '/v1/types/fruits-key', { token: key })).status, 200, 'a -key subject is the type of that name');
  assert.equal((await reg('GET', '/subjects/acme.fruits-key-value/versions')).body.error_code, 40401, 'a type answers to one subject only');
  assert.equal((await reg('GET', '/subjects/acme.native-value/versions/1')).body.schemaType, 'JSON');

  // The tenant comes from the key, so a subject is any Confluent name, in the caller's tenant.
  assert.equal((await reg('POST', '/subjects/fruits-value/versions', { schema: fruitV1 })).body.id, id, "<type>-value is the type's other name");
  const spaced = await reg('POST', '/subjects/acme.bad%20name/versions', { schema: fruitV1 });
  assert.equal(spaced.status, 200, 'any name Confluent accepts is a subject');
  assert.equal((await reg('POST', '/subjects/%01control/versions', { schema: fruitV1 })).body.error_code, 42201, 'control characters are not');

  assert.deepEqual((await theirs('GET', '/subjects')).body, []);
  assert.deepEqual((await theirs('GET', '/subjects?deleted=true')).body, []);
  for (const [method, path, body] of [
    ['GET', '/subjects/acme.fruits-value/versions', undefined],
    ['GET', '/subjects/acme.fruits-value/versions/1', undefined],
    ['POST', '/subjects/acme.fruits-value', { schema: fruitV1 }],
    ['DELETE', '/subjects/acme.fruits-value', undefined],
    ['GET', '/subjects/fruits-value/versions', undefined],
  ] as const) {
    const response = await theirs(method, path, body);
    assert.equal(response.status, 404, `${method} ${path}`);
    assert.equal(response.body.error_code, 40401, `${method} ${path}`);
  }
  for (const path of [`/schemas/ids/${id}`, `/schemas/ids/${id}/schema`, `/schemas/ids/${id}/subjects`, `/schemas/ids/${id}/versions`]) {
    const response = await theirs('GET', path);
    assert.equal(response.status, 404, path);
    assert.equal(response.body.error_code, 40403, path);
  }
  // Writes under the same name are the other tenant's own subject: another id, nothing of acme's changed.
  const theirId = (await theirs('POST', '/subjects/acme.fruits-value/versions', { schema: fruitV1 })).body.id as number;
  assert.notEqual(theirId, id);
  assert.equal((await theirs('PUT', '/config/acme.fruits-value', { compatibility: 'NONE' })).status, 200);
  assert.deepEqual((await theirs('GET', '/subjects')).body, ['acme.fruits-value']);
  assert.deepEqual((await reg('GET', '/subjects/acme.fruits-value/versions')).body, [1], 'the other tenant changed nothing');
  assert.equal((await reg('GET', '/config/acme.fruits-value')).body.error_code, 40408);
  assert.equal((await reg('GET', `/schemas/ids/${theirId}`)).body.error_code, 40403);
});

void test("registry requests need a key with the right scope and answer errors in Confluent's shape", async (t) => {
  const { server, reg } = await setup(t);
  const readOnlyKey = await server.call('POST', '/v1/tenants/acme/keys', { body: { scopes: ['consume'] } });
  const reader = registryClient(server, readOnlyKey.body.key as string);

  const anonymous = await registryClient(server, null)('GET', '/subjects');
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.error_code, 40101);
  assert.match(anonymous.headers.get('content-type') ?? '', confluentMediaType);
  const admin = await server.call('GET', '/registry/subjects');
  assert.equal(admin.status, 403, 'the admin token is not a tenant');
  assert.equal(admin.body.error_code, 40301);

  assert.deepEqual((await reader('GET', '/subjects')).body, []);
  const write = await reader('POST', '/subjects/acme.fruits-value/versions', { schema: fruitV1 });
  assert.equal(write.status, 403);
  assert.equal(write.body.error_code, 40301);

  const [keyId, secret] = (readOnlyKey.body.key as string).split('.').slice(1);
  const basic = await fetch(`${server.url}/registry/subjects`, { headers: { authorization: `Basic ${Buffer.from(`${keyId}:${secret}`).toString('base64')}` } });
  assert.equal(basic.status, 200, 'Basic auth with keyId:secret');

  const noRoute = await reg('GET', '/nothing/here');
  assert.equal(noRoute.status, 404);
  assert.equal(noRoute.body.error_code, 404);

  const malformed = await server.call('POST', '/registry/subjects/acme.fruits-value/versions', {
    token: readOnlyKey.body.key,
    raw: '{"schema": ',
    contentType: confluentType,
  });
  assert.equal(malformed.status, 403, 'scopes are checked before the body');
  const key = (await server.call('POST', '/v1/tenants/acme/keys', { body: { scopes: ['manage'] } })).body.key as string;
  const broken = await server.call('POST', '/registry/subjects/acme.fruits-value/versions', { token: key, raw: '{"schema": ', contentType: confluentType });
  assert.equal(broken.status, 400);
  assert.equal(broken.body.error_code, 400);
  const plain = await server.call('POST', '/registry/subjects/acme.fruits-value/versions', { token: key, raw: fruitV1, contentType: 'text/plain' });
  assert.equal(plain.status, 415);
  assert.equal(plain.body.error_code, 415);
  for (const contentType of ['application/json', 'application/vnd.schemaregistry+json']) {
    const ok = await server.call('POST', '/registry/subjects/acme.fruits-value/versions', { token: key, body: { schema: fruitV1 }, contentType });
    assert.equal(ok.status, 200, contentType);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSluice } from '../../helpers/sluice.ts';

const avroLogin = {
  type: 'record',
  name: 'Login',
  fields: [
    { name: 'user_id', type: 'string' },
    { name: 'attempts', type: 'int' },
    { name: 'device', type: ['null', 'string'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ],
};

const orderProto = `
syntax = "proto3";
package shop;
message Order {
  string order_id = 1;
  int32 quantity = 2;
  repeated string skus = 3;
  Address ship_to = 4;
}
message Address { string city = 1; }
`;

void test('an Avro type validates JSON events in their plain shape and reports the failing path', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const created = await s.call('PUT', '/v1/types/login', { token: key, body: { schemaType: 'AVRO', schema: avroLogin } });
  assert.equal(created.status, 201);
  const again = await s.call('PUT', '/v1/types/login', { token: key, body: { schemaType: 'AVRO', schema: JSON.stringify(avroLogin) } });
  assert.equal(again.body.changed, false, 'the same Avro schema sent as a string is the same version');
  const version = await s.call('GET', '/v1/types/login/versions/latest', { token: key });
  assert.equal(version.body.schemaType, 'AVRO');
  assert.equal(version.body.schema.name, 'Login');

  const answer = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'login', data: { user_id: 'u1', attempts: 1, device: 'ios', tags: [] } },
      { type: 'login', data: { user_id: 'u2', attempts: 2, device: null, tags: ['a'] } },
      { type: 'login', data: { user_id: 'u3', attempts: 'three', tags: [7] } },
    ],
  });
  assert.equal(answer.status, 207);
  assert.equal(answer.body.accepted, 2);
  const error = answer.body.results[2].error;
  assert.equal(error.code, 'schema_validation_failed');
  assert.deepEqual(error.details.map((detail: { path: string }) => detail.path).sort(), ['/attempts', '/tags/0']);
});

void test('a Protobuf type validates events against the first message of the .proto file', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const created = await s.call('PUT', '/v1/types/orders', { token: key, body: { schemaType: 'PROTOBUF', schema: orderProto } });
  assert.equal(created.status, 201);
  const version = await s.call('GET', '/v1/types/orders/versions/1', { token: key });
  assert.equal(version.body.schemaType, 'PROTOBUF');
  assert.match(version.body.schema, /message Order/);

  const answer = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'orders', data: { order_id: 'o-1', quantity: 2, skus: ['a', 'b'], ship_to: { city: 'Oslo' } } },
      { type: 'orders', data: { order_id: 5 } },
    ],
  });
  assert.equal(answer.status, 207);
  assert.equal(answer.body.results[1].error.code, 'schema_validation_failed');
  assert.equal(answer.body.results[1].error.details[0].path, '/order_id');
});

void test('bad schemas of every format answer 422 invalid_schema, and a type keeps its schema language', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const bad: [string, unknown][] = [
    ['AVRO', { type: 'record', name: 'X', fields: [{ name: 'a', type: 'nope' }] }],
    ['AVRO', 'not json {'],
    ['PROTOBUF', 'syntax = "proto3"; message { broken'],
    ['PROTOBUF', { not: 'text' }],
    ['PROTOBUF', 'syntax = "proto3"; enum Only { A = 0; }'],
    ['JSON', { type: 12 }],
  ];
  for (const [schemaType, schema] of bad) {
    const answer = await s.call('PUT', '/v1/types/x', { token: key, body: { schemaType, schema } });
    assert.equal(answer.status, 422, `${schemaType} ${JSON.stringify(schema)}`);
    assert.equal(answer.body.error.code, 'invalid_schema');
  }
  assert.equal((await s.call('PUT', '/v1/types/x', { token: key, body: { schema: { type: 'object' } } })).status, 201);
  const switched = await s.call('PUT', '/v1/types/x', { token: key, body: { schemaType: 'AVRO', schema: 'string' } });
  assert.equal(switched.status, 422);
  assert.match(switched.body.error.message, /JSON schemas; a new version must be JSON too/);
  const unknown = await s.call('PUT', '/v1/types/x', { token: key, body: { schemaType: 'XML', schema: {} } });
  assert.equal(unknown.status, 400);
});

void test('a schema that breaks the compatibility level is refused with 409 and says how to evolve', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const v1 = { type: 'object', properties: { name: { type: 'string' } } };
  assert.equal((await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: v1 } })).status, 201);
  // Confluent's best-known verdict: an optional property added to an open content model is not BACKWARD compatible.
  const added = { type: 'object', properties: { name: { type: 'string' }, colour: { type: 'string' } } };
  const refused = await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: added } });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'incompatible_schema');
  assert.match(refused.body.error.message, /not BACKWARD compatible/);
  assert.ok(
    refused.body.error.details.some(
      (detail: { path: string; reason: string }) => detail.path === '#/properties/colour' && /PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL/.test(detail.reason),
    ),
  );
  assert.equal((await s.call('GET', '/v1/types/fruits', { token: key })).body.latestVersion, 1, 'nothing was registered');

  // FORWARD accepts the same change; the level is kept with the type.
  const forward = await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: added, compatibility: 'FORWARD' } });
  assert.equal(forward.status, 201);
  assert.equal(forward.body.version, 2);
  assert.equal((await s.call('GET', '/v1/types/fruits', { token: key })).body.compatibility, 'FORWARD');

  // Avro: a new field without a default cannot be read from old data under BACKWARD.
  const avroV1 = { type: 'record', name: 'Login', fields: [{ name: 'user_id', type: 'string' }] };
  assert.equal((await s.call('PUT', '/v1/types/login', { token: key, body: { schemaType: 'AVRO', schema: avroV1 } })).status, 201);
  const noDefault = { ...avroV1, fields: [...avroV1.fields, { name: 'device', type: 'string' }] };
  assert.equal((await s.call('PUT', '/v1/types/login', { token: key, body: { schemaType: 'AVRO', schema: noDefault } })).status, 409);
  const withDefault = { ...avroV1, fields: [...avroV1.fields, { name: 'device', type: 'string', default: 'unknown' }] };
  assert.equal((await s.call('PUT', '/v1/types/login', { token: key, body: { schemaType: 'AVRO', schema: withDefault } })).status, 201);
});

void test('patterns that could take exponential time run in linear time; schemas too deep or large are refused', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const redos = await s.call('PUT', '/v1/types/x', {
    token: key,
    body: { schema: { type: 'object', properties: { id: { type: 'string', pattern: '^(a+)+$' } } } },
  });
  assert.equal(redos.status, 201, 'a nested quantifier is accepted and runs on the linear-time engine');
  // On a backtracking engine this input takes longer than the test's whole time limit.
  const hostile = await s.call('POST', '/v1/events', { token: key, body: { type: 'x', data: { id: `${'a'.repeat(5000)}b` } } });
  assert.equal(hostile.status, 400);
  assert.equal(hostile.body.results[0].error.code, 'schema_validation_failed');
  const fine = await s.call('POST', '/v1/events', { token: key, body: { type: 'x', data: { id: 'aaaa' } } });
  assert.equal(fine.status, 200);
  const semver = await s.call('PUT', '/v1/types/y', { token: key, body: { schema: { type: 'string', pattern: '^[0-9]+\\.[0-9]+(\\.[0-9]+)?$' } } });
  assert.equal(semver.status, 201, 'a common optional group is not refused');
  const backref = await s.call('PUT', '/v1/types/z', { token: key, body: { schema: { type: 'object', patternProperties: { '^((a+)\\2)+$': {} } } } });
  assert.equal(backref.status, 422, 'an exponential pattern the linear engine cannot run is refused');
  assert.match(backref.body.error.message, /exponential time/);
  let deep: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < 100; i++) deep = { type: 'object', properties: { next: deep } };
  assert.equal((await s.call('PUT', '/v1/types/w', { token: key, body: { schema: deep } })).status, 422);
  const huge = {
    type: 'object',
    properties: Object.fromEntries(Array.from({ length: 9000 }, (_, i) => [`field_${i}_with_a_long_name`, { type: 'string', description: 'x'.repeat(20) }])),
  };
  const tooBig = await s.call('PUT', '/v1/types/w', { token: key, body: { schema: huge } });
  assert.equal(tooBig.status, 422);
  assert.match(tooBig.body.error.message, /larger than 256 KiB/);
});

void test('Protobuf events may use the canonical JSON mapping: enum names and 64-bit integers as strings', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const proto =
    'syntax = "proto3"; enum Status { UNKNOWN = 0; ACTIVE = 1; } message Account { string id = 1; int64 balance = 2; Status status = 3; repeated Status history = 4; }';
  assert.equal((await s.call('PUT', '/v1/types/accounts', { token: key, body: { schemaType: 'PROTOBUF', schema: proto } })).status, 201);
  const answer = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'accounts', data: { id: 'a1', balance: '9007199254740000', status: 'ACTIVE', history: ['UNKNOWN', 'ACTIVE'] } },
      { type: 'accounts', data: { id: 'a2', balance: 12, status: 1 } },
      { type: 'accounts', data: { id: 'a3', status: 'CLOSED' } },
      { type: 'accounts', data: { id: 'a4', balance: '12.5' } },
    ],
  });
  assert.equal(answer.status, 207);
  assert.equal(answer.body.accepted, 2);
  assert.equal(answer.body.results[2].error.details[0].path, '/status');
  assert.equal(answer.body.results[3].error.details[0].path, '/balance');
});

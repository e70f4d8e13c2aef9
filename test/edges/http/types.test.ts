import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSluice } from '../../helpers/sluice.ts';

const v1 = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };
const v2 = { type: 'object', properties: { name: { type: 'string' }, colour: { type: 'string' } }, required: ['name', 'colour'] };

void test('PUT creates a type at version 1; the same schema again changes nothing', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const created = await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: v1, partitions: 3, partitionKey: '/name' } });
  assert.equal(created.status, 201);
  assert.equal(created.body.type, 'fruits');
  assert.equal(created.body.version, 1);
  assert.equal(created.body.stream, 'acme.fruits');
  assert.equal(created.body.partitions, 3);
  assert.equal(created.body.partitionKey, '/name');
  assert.equal(created.body.changed, true);
  assert.equal(typeof created.body.schemaId, 'number');

  // Key order does not make a schema different.
  const reordered = { required: ['name'], properties: { name: { type: 'string' } }, type: 'object' };
  const again = await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: reordered } });
  assert.equal(again.status, 200);
  assert.equal(again.body.changed, false);
  assert.equal(again.body.version, 1);
  assert.equal(again.body.schemaId, created.body.schemaId);
  assert.equal(again.body.partitions, 3);
  assert.equal(again.body.partitionKey, '/name');

  const shown = await s.call('GET', '/v1/types/fruits', { token: key });
  assert.equal(shown.body.latestVersion, 1);
  assert.equal(shown.body.versions.length, 1);
});

void test('a changed schema becomes version 2; both versions stay readable', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const first = await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: v1 } });
  // v2 adds a required property, which BACKWARD (the default) refuses; versioning is what this test is about.
  const second = await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: v2, compatibility: 'NONE' } });
  assert.equal(second.status, 201);
  assert.equal(second.body.version, 2);
  assert.equal(second.body.changed, true);
  assert.notEqual(second.body.schemaId, first.body.schemaId);

  const list = await s.call('GET', '/v1/types', { token: key });
  assert.equal(list.status, 200);
  assert.equal(list.body.items.length, 1);
  assert.equal(list.body.items[0].type, 'fruits');
  assert.equal(list.body.items[0].latestVersion, 2);
  assert.equal(list.body.items[0].partitions, 4);

  const type = await s.call('GET', '/v1/types/fruits', { token: key });
  assert.equal(type.status, 200);
  assert.equal(type.body.stream, 'acme.fruits');
  assert.deepEqual(
    type.body.versions.map((v: { version: number; schemaId: number }) => [v.version, v.schemaId]),
    [
      [1, first.body.schemaId],
      [2, second.body.schemaId],
    ],
  );

  const version1 = await s.call('GET', '/v1/types/fruits/versions/1', { token: key });
  assert.equal(version1.status, 200);
  assert.equal(version1.body.version, 1);
  assert.equal(version1.body.schemaType, 'JSON');
  assert.deepEqual(version1.body.schema, v1);

  const latest = await s.call('GET', '/v1/types/fruits/versions/latest', { token: key });
  assert.equal(latest.status, 200);
  assert.equal(latest.body.version, 2);
  assert.deepEqual(latest.body.schema, v2);

  const missing = await s.call('GET', '/v1/types/fruits/versions/3', { token: key });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'not_found');
  const notNumber = await s.call('GET', '/v1/types/fruits/versions/first', { token: key });
  assert.equal(notNumber.status, 400);
  const noType = await s.call('GET', '/v1/types/vegetables', { token: key });
  assert.equal(noType.status, 404);
  assert.equal(noType.body.error.code, 'not_found');
});

void test('an invalid JSON Schema is refused with 422 invalid_schema and registers nothing', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const bad = [
    { type: 'no-such-type' },
    { type: 'object', required: 'name' },
    { type: 'string', pattern: '(' },
    { $ref: 'https://example.com/elsewhere.json' },
    [1, 2],
    'object',
    null,
  ];
  for (const schema of bad) {
    const response = await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema } });
    assert.equal(response.status, 422, JSON.stringify(schema));
    assert.equal(response.body.error.code, 'invalid_schema', JSON.stringify(schema));
    assert.ok(response.body.error.message.length > 0);
  }
  const list = await s.call('GET', '/v1/types', { token: key });
  assert.deepEqual(list.body.items, []);
  const streams = await s.call('GET', '/v1/streams', { token: key });
  assert.deepEqual(
    streams.body.items.map((stream: { name: string }) => stream.name),
    ['acme._dead'],
  );
});

void test('a draft-07 schema is accepted and enforced', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    definitions: { positive: { type: 'number', exclusiveMinimum: 0 } },
    properties: { amount: { $ref: '#/definitions/positive' }, items: { type: 'array', items: [{ type: 'string' }], additionalItems: false } },
    required: ['amount'],
  };
  const created = await s.call('PUT', '/v1/types/payments', { token: key, body: { schema } });
  assert.equal(created.status, 201);
  const events = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'payments', data: { amount: 5, items: ['a'] } },
      { type: 'payments', data: { amount: 0 } },
      { type: 'payments', data: { amount: 1, items: ['a', 'b'] } },
    ],
  });
  assert.equal(events.status, 207);
  assert.equal(events.body.accepted, 1);
  assert.equal(events.body.results[0].stream, 'acme.payments');
  assert.equal(events.body.results[1].error.code, 'schema_validation_failed');
  assert.equal(events.body.results[1].error.details[0].path, '/amount');
  assert.equal(events.body.results[2].error.code, 'schema_validation_failed');
});

void test('formats are checked: an email that is not one is refused', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const schema = {
    type: 'object',
    properties: { email: { type: 'string', format: 'email' }, at: { type: 'string', format: 'date-time' } },
    required: ['email'],
  };
  assert.equal((await s.call('PUT', '/v1/types/signups', { token: key, body: { schema } })).status, 201);
  const response = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'signups', data: { email: 'ada@example.com', at: '2026-01-31T12:00:00Z' } },
      { type: 'signups', data: { email: 'nope' } },
      { type: 'signups', data: { email: 'ada@example.com', at: 'yesterday' } },
    ],
  });
  assert.equal(response.status, 207);
  assert.equal(response.body.accepted, 1);
  assert.equal(response.body.rejected, 2);
  assert.equal(response.body.results[1].error.code, 'schema_validation_failed');
  assert.equal(response.body.results[1].error.details[0].path, '/email');
  assert.match(response.body.results[1].error.details[0].reason, /email/);
  assert.equal(response.body.results[2].error.details[0].path, '/at');
});

void test('the partition count of a type cannot change', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  assert.equal((await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: v1, partitions: 2 } })).status, 201);
  const changed = await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: v2, partitions: 8, compatibility: 'NONE' } });
  assert.equal(changed.status, 409);
  assert.equal(changed.body.error.code, 'partitions_immutable');
  // The refused request did not add a version either.
  const type = await s.call('GET', '/v1/types/fruits', { token: key });
  assert.equal(type.body.latestVersion, 1);
  assert.equal(type.body.partitions, 2);

  const same = await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: v2, partitions: 2, compatibility: 'NONE' } });
  assert.equal(same.status, 201);
  assert.equal(same.body.version, 2);
  assert.equal((await s.call('GET', '/v1/streams/acme.fruits', { token: key })).body.partitions, 2);

  for (const partitions of [0, -1, 1000, 1.5]) {
    const bad = await s.call('PUT', '/v1/types/other', { token: key, body: { schema: v1, partitions } });
    assert.equal(bad.status, 400, `partitions ${partitions}`);
    assert.equal(bad.body.error.code, 'invalid_request', `partitions ${partitions}`);
  }
});

void test('type names and partition keys are checked', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  for (const name of ['_dead', '-x', '.hidden']) {
    const response = await s.call('PUT', `/v1/types/${encodeURIComponent(name)}`, { token: key, body: { schema: v1 } });
    assert.equal(response.status, 400, name);
    assert.equal(response.body.error.code, 'invalid_name', name);
  }
  const pointer = await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: v1, partitionKey: 'name' } });
  assert.equal(pointer.status, 400);
  assert.equal(pointer.body.error.code, 'invalid_request');
  assert.equal(pointer.body.error.details[0].path, '/partitionKey');

  // The longest type name (128 characters) can be registered, produced to and read back.
  const longest = `T${'x'.repeat(127)}`;
  const created = await s.call('PUT', `/v1/types/${longest}`, { token: key, body: { schema: true } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal((await s.call('POST', '/v1/events', { token: key, body: { type: longest, data: 1 } })).status, 200);
  const read = await s.call('GET', `/v1/streams/acme.${longest}/events`, { token: key });
  assert.equal(read.status, 200);
  assert.equal(read.body.items.length, 1);
  assert.equal((await s.call('GET', `/v1/types/${longest}/versions/latest`, { token: key })).status, 200);
});

void test('a misspelled keyword or an invalid schema is refused with each problem named, not accepted to check nothing', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const typo = await s.call('PUT', '/v1/types/users', {
    token: key,
    body: { schema: { type: 'object', propertes: { name: { type: 'string' } }, required: ['name'] } },
  });
  assert.equal(typo.status, 422);
  assert.equal(typo.body.error.code, 'invalid_schema');
  assert.deepEqual(
    typo.body.error.details.map((d: { path: string }) => d.path),
    ['/propertes'],
  );
  assert.match(typo.body.error.details[0].reason, /did you mean "properties"/);

  const invalid = await s.call('PUT', '/v1/types/users', { token: key, body: { schema: { type: 'object', properties: { name: { type: 'strnig' } } } } });
  assert.equal(invalid.status, 422);
  assert.ok(
    invalid.body.error.details.some((d: { path: string; reason: string }) => d.path === '/properties/name/type' && d.reason.includes('"string"')),
    JSON.stringify(invalid.body.error.details),
  );

  const draft04 = await s.call('PUT', '/v1/types/users', {
    token: key,
    body: { schema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' } },
  });
  assert.equal(draft04.status, 422, 'a draft Sluice does not read is refused, not a server error');
  assert.equal(draft04.body.error.details[0].path, '/$schema');

  // Custom keywords of other vocabularies stay allowed.
  const custom = await s.call('PUT', '/v1/types/users', {
    token: key,
    body: { schema: { type: 'object', properties: { name: { type: 'string', example: 'Ada', 'x-pii': true } } } },
  });
  assert.equal(custom.status, 201, JSON.stringify(custom.body));
});

void test('a partitionKey on a field the schema does not require is refused, saying how to fix it', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const loose = { type: 'object', properties: { name: { type: 'string' } } };
  const refused = await s.call('PUT', '/v1/types/loose', { token: key, body: { schema: loose, partitionKey: '/name' } });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error.code, 'invalid_request');
  assert.deepEqual(refused.body.error.details, [
    { path: '/partitionKey', reason: 'add "name" to the schema\'s "required", or leave partitionKey out and send each event\'s key' },
  ]);
  const fixed = await s.call('PUT', '/v1/types/loose', { token: key, body: { schema: { ...loose, required: ['name'] }, partitionKey: '/name' } });
  assert.equal(fixed.status, 201);
  // A later version that stops requiring it is refused too.
  const regress = await s.call('PUT', '/v1/types/loose', { token: key, body: { schema: loose } });
  assert.equal(regress.status, 400);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { startSluice, type TestSluice } from '../../helpers/sluice.ts';

const fruitSchema = {
  type: 'record',
  name: 'Fruit',
  namespace: 'acme',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'weight', type: 'int' },
  ],
};
const orderSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } },
  required: ['sku', 'quantity'],
};
const paymentProto = `syntax = "proto3";
package acme;
message Payment {
  string id = 1;
  int32 cents = 2;
}`;

/** A stock Confluent client pointed at Sluice, authenticated with Basic keyId:secret. */
function client(server: TestSluice, key: string): SchemaRegistry {
  const [, keyId, secret] = key.split('.');
  assert.ok(keyId !== undefined && secret !== undefined, 'keys are sk.<keyId>.<secret>');
  // No client retries: a failure must show, not be retried away.
  return new SchemaRegistry({ host: `${server.url}/registry`, auth: { username: keyId, password: secret }, retry: { retries: 0 } });
}

void test('a stock Confluent client registers, looks up, fetches by id, encodes and decodes Avro, JSON Schema and Protobuf', async (t) => {
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  const producer = client(server, key);

  const cases = [
    { subject: 'acme.fruits-value', schema: { type: SchemaType.AVRO as const, schema: JSON.stringify(fruitSchema) }, payload: { name: 'kiwi', weight: 80 } },
    { subject: 'acme.orders-value', schema: { type: SchemaType.JSON as const, schema: JSON.stringify(orderSchema) }, payload: { sku: 'A-1', quantity: 3 } },
    { subject: 'acme.payments-value', schema: { type: SchemaType.PROTOBUF as const, schema: paymentProto }, payload: { id: 'p-1', cents: 1250 } },
  ];
  const ids = new Set<number>();
  for (const { subject, schema, payload } of cases) {
    const { id } = await producer.register(schema, { subject });
    ids.add(id);
    assert.equal((await producer.register(schema, { subject })).id, id, `${subject}: the same schema keeps its id`);
    assert.equal(await producer.getRegistryIdBySchema(subject, schema), id, `${subject}: lookup`);
    assert.equal(await producer.getLatestSchemaId(subject), id, `${subject}: latest`);
    assert.equal(await producer.getRegistryId(subject, 1), id, `${subject}: version 1`);

    const encoded = await producer.encode(id, payload);
    assert.equal(encoded[0], 0, 'Confluent wire format: magic byte 0');
    assert.equal(encoded.readInt32BE(1), id, 'then the schema id');
    // A second client has no cache: it must fetch the schema by id from Sluice to decode.
    const consumer = client(server, key);
    assert.deepEqual({ ...(await consumer.decode(encoded)) }, payload, `${subject}: decoded`);
  }
  assert.equal(ids.size, 3);

  const subjects = await server.call('GET', '/registry/subjects', { token: key });
  assert.deepEqual(subjects.body, ['acme.fruits-value', 'acme.orders-value', 'acme.payments-value']);
  // The client sets BACKWARD on a subject's first registration; it is the type's compatibility.
  assert.equal((await server.call('GET', '/v1/types/fruits', { token: key })).body.compatibility, 'BACKWARD');
});

void test('a stock Confluent client gets a 409 for an incompatible schema', async (t) => {
  const server = await startSluice(t);
  const registry = client(server, await server.tenantWithKey('acme'));
  await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(fruitSchema) }, { subject: 'acme.fruits-value' });
  const breaking = { ...fruitSchema, fields: [...fruitSchema.fields, { name: 'origin', type: 'string' }] };
  await assert.rejects(
    registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(breaking) }, { subject: 'acme.fruits-value' }),
    (error: Error & { status?: number }) => {
      assert.equal(error.status, 409);
      assert.match(error.message, /origin/);
      return true;
    },
  );
  const evolving = { ...fruitSchema, fields: [...fruitSchema.fields, { name: 'origin', type: 'string', default: 'unknown' }] };
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(evolving) }, { subject: 'acme.fruits-value' });
  assert.equal(await registry.getLatestSchemaId('acme.fruits-value'), id);
});

void test('a type registered through the Confluent client is an event type that validates events', async (t) => {
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  const registry = client(server, key);
  const v1 = await registry.register({ type: SchemaType.JSON, schema: JSON.stringify(orderSchema) }, { subject: 'acme.orders-value' });
  const looser = { ...orderSchema, required: ['sku'] };
  const v2 = await registry.register({ type: SchemaType.JSON, schema: JSON.stringify(looser) }, { subject: 'acme.orders-value' });

  const type = await server.call('GET', '/v1/types/orders', { token: key });
  assert.equal(type.status, 200);
  assert.equal(type.body.stream, 'acme.orders');
  assert.equal(type.body.partitions, 4);
  assert.deepEqual(
    type.body.versions.map((v: { version: number; schemaId: number }) => [v.version, v.schemaId]),
    [
      [1, v1.id],
      [2, v2.id],
    ],
  );
  assert.equal((await server.call('GET', '/v1/types/orders/versions/2', { token: key })).body.schemaType, 'JSON');

  const sent = await server.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'orders', data: { sku: 'A-1' } },
      { type: 'orders', data: { sku: 42 } },
    ],
  });
  assert.equal(sent.status, 207);
  assert.equal(sent.body.accepted, 1);
  assert.equal(sent.body.rejected, 1);
  assert.equal(sent.body.results[1].error.code, 'schema_validation_failed');
});

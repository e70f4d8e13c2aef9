import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { createAdmin, resolveKafkaOptions } from '../../src/adapters/kafka/client-options.ts';
import { consumeWithStockClient, ensurePythonClients, produceWithStockClient, pythonClientsSkipReason, registryAuth } from '../helpers/confluent-client.ts';
import { kafkaBrokers } from '../helpers/kafka.ts';
import { startSluice } from '../helpers/sluice.ts';

// The stock Confluent Python client (confluent-kafka with librdkafka and its schema registry
// serializers, default settings) against the test broker and Sluice's registry, unchanged.

/** The broker and the venv's python, or undefined after marking the test skipped. */
async function setup(t: TestContext): Promise<{ brokers: string[]; python: string } | undefined> {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return undefined;
  const python = await ensurePythonClients();
  if (python === undefined) {
    t.skip(pythonClientsSkipReason());
    return undefined;
  }
  return { brokers, python };
}

/** Deletes the topics after the test; best effort. */
function deleteTopicsAfter(t: TestContext, brokers: string[], topics: string[]): void {
  t.after(async () => {
    const admin = createAdmin(resolveKafkaOptions({ brokers, clientId: 'sluice-test' }), 'test-cleanup');
    try {
      await admin.deleteTopics({ topics });
    } catch {
      // a fresh broker per run removes leftovers
    } finally {
      await admin.close();
    }
  });
}

const suffix = (): string => randomBytes(4).toString('hex');

void test('the stock Python client produces JSON to a topic and consumes it back', async (t) => {
  const ready = await setup(t);
  if (ready === undefined) return;
  const { brokers, python } = ready;
  const topic = `sluicetest-stockpy-${suffix()}`;
  deleteTopicsAfter(t, brokers, [topic]);

  const records = [
    { key: 'k-1', value: { n: 1, name: 'kiwi' }, headers: { origin: 'python' } },
    { key: null, value: { n: 2, nested: { ok: true } } },
    { key: 'k-3', value: { n: 3, list: [1, 'two', null] } },
  ];
  assert.deepEqual(await produceWithStockClient({ python, bootstrap: brokers, topic, format: 'json', records, createTopic: true }), { produced: 3 });

  const messages = await consumeWithStockClient({ python, bootstrap: brokers, topic, format: 'json', count: 3, timeoutMs: 20_000 });
  assert.equal(messages.length, 3);
  assert.deepEqual(
    messages.map((m) => [m.topic, m.partition, m.offset, m.key, m.value]),
    records.map((r, i) => [topic, 0, i, r.key, r.value]),
  );
  assert.deepEqual(messages[0]?.headers, { origin: 'python' });
  assert.deepEqual(messages[1]?.headers, {});

  // Fewer messages than asked for: it stops at the timeout and answers what came.
  const partial = await consumeWithStockClient({ python, bootstrap: brokers, topic, format: 'raw', count: 5, timeoutMs: 3_000 });
  assert.equal(partial.length, 3);
  assert.deepEqual(JSON.parse(Buffer.from(partial[2]?.value as string, 'base64').toString('utf8')), records[2]?.value);
});

const readingSchema = {
  type: 'record',
  name: 'Reading',
  namespace: 'acme.sensors',
  fields: [
    { name: 'sensor', type: 'string' },
    { name: 'celsius', type: 'double' },
    { name: 'count', type: 'long' },
    { name: 'ok', type: 'boolean' },
    { name: 'unit', type: { type: 'enum', name: 'Unit', symbols: ['C', 'F'] } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'labels', type: { type: 'map', values: 'int' } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

void test('the stock Python AvroSerializer registers on Sluice and the AvroDeserializer decodes by the id in the header', async (t) => {
  const ready = await setup(t);
  if (ready === undefined) return;
  const { brokers, python } = ready;
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  const registry = { url: `${server.url}/registry`, auth: registryAuth(key) };
  // TopicNameStrategy: the subject is "<topic>-value", here the type's own stream's topic.
  const type = `readings-${suffix()}`;
  const topic = `acme.${type}`;
  deleteTopicsAfter(t, brokers, [topic]);

  const records = [
    { key: 's-1', value: { sensor: 's-1', celsius: 21.5, count: 1, ok: true, unit: 'C', tags: ['roof'], labels: { floor: 3 }, note: null } },
    { key: 's-2', value: { sensor: 's-2', celsius: -3.25, count: 9_007_199_254_740_991, ok: false, unit: 'F', tags: [], labels: {}, note: 'cold' } },
  ];
  const schema = JSON.stringify(readingSchema);
  assert.deepEqual(await produceWithStockClient({ python, bootstrap: brokers, topic, format: 'avro', registry, schema, records, createTopic: true }), {
    produced: 2,
  });

  // The serializer registered the schema under the topic's value subject, as an event type.
  assert.deepEqual((await server.call('GET', '/registry/subjects', { token: key })).body, [`${topic}-value`]);
  const registered = await server.call('GET', `/registry/subjects/${topic}-value/versions/latest`, { token: key });
  assert.equal(registered.status, 200);
  assert.equal(registered.body.version, 1);
  assert.equal((await server.call('GET', `/v1/types/${type}`, { token: key })).status, 200);

  // Confluent wire format: magic byte 0, then the registered schema id.
  const raw = await consumeWithStockClient({ python, bootstrap: brokers, topic, format: 'raw', count: 2 });
  assert.equal(raw.length, 2);
  for (const message of raw) {
    const bytes = Buffer.from(message.value as string, 'base64');
    assert.equal(bytes[0], 0);
    assert.equal(bytes.readInt32BE(1), registered.body.id);
  }

  // A second producer run finds the schema already registered and keeps its id.
  assert.deepEqual(
    await produceWithStockClient({
      python,
      bootstrap: brokers,
      topic,
      format: 'avro',
      registry,
      schema,
      records: [{ key: 's-3', value: { ...records[0]!.value, sensor: 's-3' } }],
    }),
    { produced: 1 },
  );
  assert.equal((await server.call('GET', `/registry/subjects/${topic}-value/versions`, { token: key })).body.length, 1);

  // A fresh client process has no cache: it fetches the writer schema from Sluice by id.
  const messages = await consumeWithStockClient({ python, bootstrap: brokers, topic, format: 'avro', registry, count: 3 });
  assert.deepEqual(
    messages.map((m) => m.key),
    ['s-1', 's-2', 's-3'],
  );
  assert.deepEqual(
    messages.map((m) => m.value),
    [...records.map((r) => r.value), { ...records[0]!.value, sensor: 's-3' }],
  );
});

const eventSchema = {
  type: 'record',
  name: 'Stamped',
  fields: [
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
};

// A stock deserializer fetches the writer schema by id: the stored schema must keep
// `logicalType`, or a timestamp-millis decodes as a plain long (Confluent keeps it too).
void test('Avro logical types survive the registry round trip (timestamp-millis decodes as a timestamp)', async (t) => {
  const ready = await setup(t);
  if (ready === undefined) return;
  const { brokers, python } = ready;
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  const registry = { url: `${server.url}/registry`, auth: registryAuth(key) };
  const topic = `acme.stamped-${suffix()}`;
  deleteTopicsAfter(t, brokers, [topic]);

  const value = { id: '6f1f4a52-3f0e-4d57-9a38-0d6c2f1b7c11', at: 1_700_000_000_500 };
  await produceWithStockClient({
    python,
    bootstrap: brokers,
    topic,
    format: 'avro',
    registry,
    schema: JSON.stringify(eventSchema),
    records: [{ key: 'e-1', value }],
    createTopic: true,
  });
  const [message] = await consumeWithStockClient({ python, bootstrap: brokers, topic, format: 'avro', registry, count: 1 });
  // The CLI prints a decoded datetime with isoformat().
  assert.deepEqual(message?.value, { id: value.id, at: '2023-11-14T22:13:20.500000+00:00' });
});

const orderSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Order',
  type: 'object',
  properties: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } },
  required: ['sku', 'quantity'],
};

void test('the stock Python JSONSerializer and JSONDeserializer work against Sluice', async (t) => {
  const ready = await setup(t);
  if (ready === undefined) return;
  const { brokers, python } = ready;
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  const registry = { url: `${server.url}/registry`, auth: registryAuth(key) };
  const topic = `acme.orders-${suffix()}`;
  deleteTopicsAfter(t, brokers, [topic]);

  const records = [
    { key: 'o-1', value: { sku: 'A-1', quantity: 3 } },
    { key: 'o-2', value: { sku: 'B-2', quantity: 1 } },
  ];
  const schema = JSON.stringify(orderSchema);
  assert.deepEqual(await produceWithStockClient({ python, bootstrap: brokers, topic, format: 'json-schema', registry, schema, records, createTopic: true }), {
    produced: 2,
  });
  // The serializer validates before it writes: an invalid value fails, as it would in production.
  await assert.rejects(
    produceWithStockClient({
      python,
      bootstrap: brokers,
      topic,
      format: 'json-schema',
      registry,
      schema,
      records: [{ key: 'o-3', value: { sku: 'C-3', quantity: 0 } }],
    }),
    /quantity|minimum|0 is less/,
  );

  const messages = await consumeWithStockClient({ python, bootstrap: brokers, topic, format: 'json-schema', registry, count: 2 });
  assert.deepEqual(
    messages.map((m) => [m.key, m.value]),
    records.map((r) => [r.key, r.value]),
  );
});

const paymentProto = `syntax = "proto3";
package acme;
message Payment {
  string id = 1;
  int32 cents = 2;
}`;

// Known gap: the stock Python ProtobufSerializer registers a schema as a base64 serialized
// FileDescriptorProto (and its deserializer fetches schemas with ?format=serialized); Sluice
// only parses .proto text and answers 422 "illegal token".
void test(
  'the stock Python ProtobufSerializer registers on Sluice and its messages decode',
  { todo: 'Sluice does not accept serialized FileDescriptorProto schemas' },
  async (t) => {
    const ready = await setup(t);
    if (ready === undefined) return;
    const { brokers, python } = ready;
    const server = await startSluice(t);
    const key = await server.tenantWithKey('acme');
    const registry = { url: `${server.url}/registry`, auth: registryAuth(key) };
    const topic = `acme.payments-${suffix()}`;
    deleteTopicsAfter(t, brokers, [topic]);

    const records = [{ key: 'p-1', value: { id: 'p-1', cents: 1250 } }];
    assert.deepEqual(
      await produceWithStockClient({ python, bootstrap: brokers, topic, format: 'protobuf', registry, schema: paymentProto, records, createTopic: true }),
      { produced: 1 },
    );
    const messages = await consumeWithStockClient({ python, bootstrap: brokers, topic, format: 'protobuf', schema: paymentProto, count: 1 });
    assert.deepEqual(
      messages.map((m) => m.value),
      [records[0]!.value],
    );
  },
);

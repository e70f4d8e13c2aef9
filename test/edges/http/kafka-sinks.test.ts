/**
 * Kafka sinks from the embedded store to a real broker: topics of any name, the event data
 * as JSON, CloudEvents, Avro in Confluent's wire format read back by a stock client pointed
 * at Sluice's registry, keys and partitions as a Java producer would choose them, and dead
 * letters in the documented error shape.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createAdmin, resolveKafkaOptions } from '../../../src/adapters/kafka/client-options.ts';
import { partitionForKey } from '../../../src/domain/partitioner.ts';
import { kafkaBrokers, readTopic } from '../../helpers/kafka.ts';
import { startSluice, type TestSluice } from '../../helpers/sluice.ts';

const loginSchema = {
  type: 'object',
  required: ['user', 'ip'],
  properties: { user: { type: 'string' }, ip: { type: 'string' }, attempts: { type: 'integer' } },
};
const orderAvro = {
  type: 'record',
  name: 'ProcessorToConsumer',
  namespace: 'com.example',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

function topicName(what: string): string {
  return `sink-${what}-${randomBytes(4).toString('hex')}`;
}

async function sinkOn(s: TestSluice, key: string, name: string, body: unknown): Promise<void> {
  const created = await s.call('PUT', `/v1/subscriptions/${name}`, { token: key, body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.secret, undefined, 'a sink has no signing secret');
}

void test("a JSON sink writes each event's data to a topic of any name, keyed as a Java producer would partition it", async (t) => {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return;
  const s = await startSluice(t, { delivery: { allowPrivateNetworks: true } });
  const key = await s.tenantWithKey('logins');
  assert.equal((await s.call('PUT', '/v1/types/user-login', { token: key, body: { schema: loginSchema, partitionKey: '/user' } })).status, 201);
  const topic = topicName('json');
  // An existing topic of three partitions, as the team that consumes it made it.
  const admin = createAdmin(resolveKafkaOptions({ brokers }), 'test');
  await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
  await admin.close();
  await sinkOn(s, key, 'processed', { types: ['user-login'], start: 'earliest', destination: { kind: 'kafka', topic, brokers, headers: 'cloudevents' } });
  const events = Array.from({ length: 30 }, (_, i) => ({ type: 'user-login', data: { user: `u${i % 7}`, ip: `10.0.0.${i}`, attempts: i } }));
  assert.equal((await s.call('POST', '/v1/events', { token: key, body: events })).status, 200);

  const messages = await readTopic(brokers, topic, events.length);
  assert.equal(
    messages.length,
    events.length,
    JSON.stringify((await s.call('GET', '/v1/subscriptions/processed/deliveries', { token: key })).body).slice(0, 600),
  );
  const partitions = 3;
  assert.equal(new Set(messages.map((m) => m.partition)).size, 3, 'seven users spread over the three partitions');
  for (const message of messages) {
    const data = JSON.parse(message.value.toString()) as { user: string; attempts: number };
    assert.equal(message.key?.toString(), data.user, 'the record key is passed through');
    assert.equal(message.headers.get('ce_type'), 'user-login');
    assert.equal(message.headers.get('ce_specversion'), '1.0');
    assert.equal(message.partition, partitionForKey(data.user, partitions));
  }
  // Per key, the output keeps the input's order.
  const byUser = new Map<string, number[]>();
  for (const m of messages.sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    const data = JSON.parse(m.value.toString()) as { user: string; attempts: number };
    byUser.set(data.user, [...(byUser.get(data.user) ?? []), data.attempts]);
  }
  for (const [user, attempts] of byUser)
    assert.deepEqual(
      attempts,
      [...attempts].sort((a, b) => a - b),
      `order of ${user}`,
    );

  const status = await s.call('GET', '/v1/subscriptions/processed', { token: key });
  assert.equal(status.body.destination.kind, 'kafka');
  await waitFor(async () => (await s.call('GET', '/v1/subscriptions/processed', { token: key })).body.partitions.every((p: { lag: number }) => p.lag === 0));
});

void test("an Avro sink writes Confluent wire format that a stock deserializer decodes through /registry, and the topic's subject resolves", async (t) => {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return;
  const s = await startSluice(t, { delivery: { allowPrivateNetworks: true } });
  const key = await s.tenantWithKey('processor');
  assert.equal(
    (await s.call('PUT', '/v1/types/to-finance', { token: key, body: { schemaType: 'AVRO', schema: orderAvro, partitionKey: '/orderId' } })).status,
    201,
  );
  const topic = topicName('avro');
  await sinkOn(s, key, 'finance', { types: ['to-finance'], start: 'earliest', destination: { kind: 'kafka', topic, format: 'avro', brokers } });
  const orders = [
    { orderId: 'o-1', amount: 12.5, note: null },
    { orderId: 'o-2', amount: 99, note: 'rush' },
  ];
  assert.equal((await s.call('POST', '/v1/events', { token: key, body: orders.map((data) => ({ type: 'to-finance', data })) })).status, 200);
  const messages = await readTopic(brokers, topic, orders.length);
  assert.equal(messages.length, 2);

  const [, keyId, secret] = key.split('.');
  const registry = new SchemaRegistry({ host: `${s.url}/registry`, auth: { username: keyId!, password: secret! }, retry: { retries: 0 } });
  const decoded = await Promise.all(messages.map(async (m) => ({ ...((await registry.decode(m.value)) as object) })));
  assert.deepEqual(
    decoded.sort((a, b) => String((a as { orderId: string }).orderId).localeCompare((b as { orderId: string }).orderId)),
    orders,
  );
  for (const m of messages)
    assert.equal(m.key?.toString(), JSON.parse(JSON.stringify(decoded.find((d) => (d as { orderId: string }).orderId === m.key?.toString()))).orderId);

  const latest = await s.call('GET', `/registry/subjects/${topic}-value/versions/latest`, { token: key });
  assert.equal(latest.status, 200, JSON.stringify(latest.body));
  assert.equal(latest.body.id, messages[0]!.value.readInt32BE(1), "the sink topic's subject is the schema the records name");
  const other = await s.tenantWithKey('other');
  assert.equal((await s.call('GET', `/registry/subjects/${topic}-value/versions/latest`, { token: other })).status, 404, 'another tenant sees nothing');
});

void test("a record that does not fit the sink's schema becomes a delivery dead letter; the rest go on", async (t) => {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return;
  const s = await startSluice(t, { delivery: { allowPrivateNetworks: true } });
  const key = await s.tenantWithKey('mixed');
  // The input type is JSON Schema and looser than the Avro output type the sink writes as.
  assert.equal((await s.call('PUT', '/v1/types/order', { token: key, body: { schema: { type: 'object' } } })).status, 201);
  assert.equal((await s.call('PUT', '/v1/types/order-out', { token: key, body: { schemaType: 'AVRO', schema: orderAvro } })).status, 201);
  const topic = topicName('fit');
  const refused = await s.call('PUT', '/v1/subscriptions/out', {
    token: key,
    body: { types: ['order'], destination: { kind: 'kafka', topic, format: 'avro', brokers } },
  });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error.code, 'invalid_subscription');
  assert.match(refused.body.error.details[0].reason, /JSON schema; format avro writes AVRO/i);
  await sinkOn(s, key, 'out', { types: ['order'], start: 'earliest', destination: { kind: 'kafka', topic, format: 'avro', brokers, schemaType: 'order-out' } });
  const body = [
    { type: 'order', data: { orderId: 'ok-1', amount: 1 } },
    { type: 'order', data: { orderId: 'bad', amount: 'lots' } },
    { type: 'order', data: { orderId: 'ok-2', amount: 2 } },
  ];
  assert.equal((await s.call('POST', '/v1/events', { token: key, body })).status, 200);
  const messages = await readTopic(brokers, topic, 2);
  assert.equal(messages.length, 2);
  await waitFor(async () => {
    const answer = await s.call('GET', '/v1/dead-letters', { token: key });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.items.length === 1;
  });
  const dead = (await s.call('GET', '/v1/dead-letters', { token: key })).body.items[0];
  assert.equal(dead.code, 'delivery_failed');
  assert.match(dead.message, /cannot write/);
});

void test("dead letters of one type go to their own topic in the error shape, the original's fields plus error", async (t) => {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return;
  const s = await startSluice(t, { delivery: { allowPrivateNetworks: true } });
  const key = await s.tenantWithKey('errors');
  assert.equal((await s.call('PUT', '/v1/types/user-login', { token: key, body: { schema: loginSchema } })).status, 201);
  assert.equal((await s.call('PUT', '/v1/types/other', { token: key, body: { schema: { type: 'object', required: ['x'] } } })).status, 201);
  const topic = topicName('errors');
  await sinkOn(s, key, 'schema-errors', {
    types: ['_dead'],
    filter: { type: ['user-login'] },
    start: 'earliest',
    destination: { kind: 'kafka', topic, brokers, errorShape: 'inline' },
  });
  const body = [
    { type: 'user-login', data: { user: 'ana', ip: '10.0.0.1' } },
    { type: 'user-login', data: { user: 'bob' } },
    { type: 'other', data: {} },
  ];
  assert.equal((await s.call('POST', '/v1/events', { token: key, body })).status, 207);
  const messages = await readTopic(brokers, topic, 1, 10_000);
  assert.equal(messages.length, 1, 'only the user-login dead letter');
  const value = JSON.parse(messages[0]!.value.toString()) as { user: string; error: { code: string; type: string; details: unknown[] } };
  assert.equal(value.user, 'bob');
  assert.equal(value.error.code, 'schema_validation_failed');
  assert.equal(value.error.type, 'user-login');
  assert.ok(value.error.details.length > 0);
});

void test('on the embedded store a Kafka sink must name its cluster; a schema format refuses dead letters', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('nocluster');
  assert.equal((await s.call('PUT', '/v1/types/order', { token: key, body: { schema: { type: 'object' } } })).status, 201);
  const answer = await s.call('PUT', '/v1/subscriptions/out', {
    token: key,
    body: { types: ['order', '_dead'], destination: { kind: 'kafka', topic: 'x', format: 'avro' } },
  });
  assert.equal(answer.status, 400);
  const paths = (answer.body.error.details as { path: string }[]).map((d) => d.path).sort();
  assert.deepEqual(paths, ['/destination/brokers', '/types/0', '/types/1']);
  const privateBrokers = await s.call('PUT', '/v1/subscriptions/out', {
    token: key,
    body: { types: ['order'], destination: { kind: 'kafka', topic: 'x', brokers: ['127.0.0.1:9092'] } },
  });
  assert.equal(privateBrokers.status, 400);
  assert.equal(privateBrokers.body.error.code, 'destination_refused');
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail('condition not met in time');
}

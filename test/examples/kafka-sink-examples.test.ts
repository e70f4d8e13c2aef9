/**
 * The two Kafka systems the sink examples replace, run as written against the real broker,
 * with the stock Confluent Python client (confluent-kafka, librdkafka, its serializers with
 * default settings) on both ends:
 * - examples/user-login-kafka: JSON logins on `user-login` → `processed-user-login` (the 8
 *   kept fields) and `schema-error-user-login` (the original fields plus the error);
 * - examples/avro-fanout: Avro on `producer.to.processor` (default subject naming) → Avro on
 *   `processor.to.finance`, `.marketing`, `.logistics`, decoded by the stock deserializer.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createAdmin, resolveKafkaOptions } from '../../src/adapters/kafka/client-options.ts';
import { loadConfig } from '../../src/edges/config/config.ts';
import { createSluice } from '../../src/sluice.ts';
import { consumeWithStockClient, ensurePythonClients, produceWithStockClient, pythonClientsSkipReason, registryAuth } from '../helpers/confluent-client.ts';
import { deleteTestTopics, kafkaBrokers } from '../helpers/kafka.ts';
import { adminToken, tempDir } from '../helpers/sluice.ts';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));

async function setup(t: TestContext, example: string, tenant: string, topics: string[]) {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return undefined;
  const python = await ensurePythonClients();
  if (python === undefined) {
    t.skip(pythonClientsSkipReason());
    return undefined;
  }
  const admin = createAdmin(resolveKafkaOptions({ brokers, clientId: 'sluice-test' }), 'test-setup');
  // The example's topics have fixed names: start from none of them.
  const existing = (await admin.listTopics()).filter((topic) => topics.includes(topic));
  if (existing.length > 0) await admin.deleteTopics({ topics: existing });
  await admin.close();
  const topicPrefix = `sluicetest-${randomBytes(4).toString('hex')}-`;
  t.after(async () => {
    await deleteTestTopics(resolveKafkaOptions({ brokers, topicPrefix }));
    const cleanup = createAdmin(resolveKafkaOptions({ brokers, clientId: 'sluice-test' }), 'test-cleanup');
    await cleanup.deleteTopics({ topics: (await cleanup.listTopics()).filter((topic) => topics.includes(topic)) }).catch(() => undefined);
    await cleanup.close();
  });
  const config = loadConfig({ configFile: `${examples}${example}/sluice.yaml`, flags: { port: 0, host: '127.0.0.1', dataDir: tempDir(t), logLevel: 'silent', adminToken, kafka: { brokers, topicPrefix, replicationFactor: 1 } }, env: {} });
  const sluice = await createSluice(config);
  const url = await sluice.listen();
  t.after(() => sluice.close());
  const created = await fetch(`${url}/v1/tenants/${tenant}/keys`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ scopes: ['produce', 'consume', 'manage'] }) });
  assert.equal(created.status, 201);
  const key = ((await created.json()) as { key: string }).key;
  return { brokers, python, url, key };
}

void test('examples/user-login-kafka: valid logins reach processed-user-login with 8 fields, invalid ones schema-error-user-login', { timeout: 180_000 }, async (t) => {
  const ready = await setup(t, 'user-login-kafka', 'mobile', ['user-login', 'processed-user-login', 'schema-error-user-login']);
  if (ready === undefined) return;
  const { brokers, python } = ready;
  const lines = readFileSync(`${examples}user-login-kafka/events.ndjson`, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { user_id: string | null });
  await produceWithStockClient({ python, bootstrap: brokers, topic: 'user-login', format: 'json', createTopic: true, records: lines.map((value) => ({ key: value.user_id, value })) });

  const processed = await consumeWithStockClient({ python, bootstrap: brokers, topic: 'processed-user-login', format: 'json', count: 2, timeoutMs: 60_000 });
  assert.equal(processed.length, 2);
  for (const message of processed) {
    assert.deepEqual(Object.keys(message.value).sort(), ['app_version', 'created_at', 'device_id', 'device_type', 'ip', 'locale', 'processed_at', 'user_id']);
    assert.match(message.value.ip, /^[0-9a-f]{64}$/, 'the ip is hashed');
    assert.equal(message.key, message.value.user_id, 'the key passes through');
  }
  const errors = await consumeWithStockClient({ python, bootstrap: brokers, topic: 'schema-error-user-login', format: 'json', count: 1, timeoutMs: 30_000 });
  assert.equal(errors.length, 1);
  const error = errors[0]!.value;
  assert.equal(error.user_id, null, 'the original fields');
  assert.equal(error.device_type, 'web');
  assert.equal(error.error.code, 'schema_validation_failed');
  assert.deepEqual(error.error.details, [{ path: '/user_id', reason: 'must be string' }]);
});

void test('examples/avro-fanout: stock AvroSerializer in, Avro for stock AvroDeserializers out on three topics, unknown destination dead-lettered', { timeout: 180_000 }, async (t) => {
  const outputs = ['processor.to.finance', 'processor.to.marketing', 'processor.to.logistics'];
  const ready = await setup(t, 'avro-fanout', 'processor', ['producer.to.processor', ...outputs]);
  if (ready === undefined) return;
  const { brokers, python, url, key } = ready;
  const registry = { url: `${url}/registry`, auth: registryAuth(key) };
  const orders = readFileSync(`${examples}avro-fanout/orders.ndjson`, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { key: string; value: { order_id: string; destination_service_type: string } });
  await produceWithStockClient({
    python,
    bootstrap: brokers,
    topic: 'producer.to.processor',
    format: 'avro',
    registry,
    schema: readFileSync(`${examples}avro-fanout/schemas/producer-to-processor.avsc`, 'utf8'),
    createTopic: true,
    records: orders,
  });

  const expected: Record<string, string[]> = { 'processor.to.finance': ['o-1', 'o-4'], 'processor.to.marketing': ['o-2'], 'processor.to.logistics': ['o-3'] };
  for (const topic of outputs) {
    const messages = await consumeWithStockClient({ python, bootstrap: brokers, topic, format: 'avro', registry, count: expected[topic]!.length, timeoutMs: 60_000 });
    assert.deepEqual(messages.map((m) => m.value.order_id).sort(), expected[topic], topic);
    for (const message of messages) {
      assert.deepEqual(Object.keys(message.value).sort(), ['amount', 'currency', 'customer_id', 'order_id', 'processed_at'], 'decoded as ProcessorToConsumer');
      assert.equal(message.key, message.value.customer_id, 'the key passes through');
    }
  }
  const dead = await fetch(`${url}/v1/dead-letters`, { headers: { authorization: `Bearer ${key}` } });
  const items = ((await dead.json()) as { items: { code: string; stage: string }[] }).items;
  assert.deepEqual(items.map((item) => item.code), ['no_route'], 'the UNKNOWN destination');
});

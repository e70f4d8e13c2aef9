import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Producer, ProduceAcks } from '@platformatic/kafka';
import avro from 'avsc';
import { createAdmin, resolveKafkaOptions } from '../../src/adapters/kafka/client-options.ts';
import { partitionForKey } from '../../src/domain/partitioner.ts';
import { encodeFrame } from '../../src/domain/wire-format.ts';
import { loadConfig } from '../../src/edges/config/config.ts';
import { createSluice } from '../../src/sluice.ts';
import { runCli } from '../helpers/process.ts';
import { deleteTestTopics, kafkaBrokers } from '../helpers/kafka.ts';
import { adminToken, startSluice, tempDir, type TestSluice } from '../helpers/sluice.ts';

// Kafka sources on a real broker: records that other programs write to topics Sluice does not
// own reach the tenant's streams through the same pipeline as HTTP ingest.

interface InputRecord {
  key?: string;
  value: Buffer;
  headers?: Record<string, string>;
  partition?: number;
}

async function onKafka(t: TestContext): Promise<{ s: TestSluice; brokers: string[]; prefix: string } | undefined> {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return undefined;
  const prefix = `sluicesrc-${randomBytes(4).toString('hex')}-`;
  t.after(() => deleteTestTopics(resolveKafkaOptions({ brokers, topicPrefix: prefix })));
  const s = await startSluice(t, { kafka: { brokers, topicPrefix: prefix } });
  return { s, brokers, prefix };
}

async function createTopic(brokers: string[], topic: string, partitions: number): Promise<void> {
  const admin = createAdmin(resolveKafkaOptions({ brokers }), 'test-sources');
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

/**
 * Writes records the way any Kafka program would: straight to the topic, not through Sluice,
 * each keyed record in the partition Kafka's default partitioner (murmur2) picks.
 */
async function produce(brokers: string[], topic: string, partitions: number, records: InputRecord[]): Promise<void> {
  // Idempotent, so the client's own retries under load cannot write a record twice.
  const producer = new Producer({
    clientId: 'test-foreign-producer',
    bootstrapBrokers: brokers,
    acks: ProduceAcks.ALL,
    idempotent: true,
    autocreateTopics: false,
  });
  try {
    await producer.send({
      messages: records.map((record) => {
        const message: Parameters<typeof producer.send>[0]['messages'][number] = { topic, value: record.value };
        if (record.key !== undefined) message.key = Buffer.from(record.key);
        message.partition = record.partition ?? (record.key === undefined ? 0 : partitionForKey(record.key, partitions));
        if (record.headers !== undefined)
          message.headers = new Map(Object.entries(record.headers).map(([name, value]) => [Buffer.from(name), Buffer.from(value)]));
        return message;
      }),
    });
  } finally {
    await producer.close();
  }
}

/** Polls until `check` answers a value; bounded, so a source that never delivers fails the test. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, attempts = 150): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function readStream(s: TestSluice, token: string, stream: string): Promise<any[]> {
  const info = await s.call('GET', `/v1/streams/${stream}`, { token });
  if (info.status !== 200) return [];
  const items: any[] = [];
  for (let partition = 0; partition < info.body.partitions; partition++) {
    const page = await s.call('GET', `/v1/streams/${stream}/events?partition=${partition}&from=earliest&limit=1000`, { token });
    assert.equal(page.status, 200);
    items.push(...page.body.items);
  }
  return items;
}

async function deadLetters(s: TestSluice, token: string): Promise<any[]> {
  const answer = await s.call('GET', '/v1/dead-letters?limit=1000', { token });
  return answer.status === 200 ? (answer.body.items as any[]) : [];
}

const billingSchema = {
  type: 'record',
  name: 'Billing',
  fields: [
    { name: 'invoice', type: 'string' },
    { name: 'cents', type: 'int' },
  ],
};
const shippingSchema = {
  type: 'record',
  name: 'Shipping',
  fields: [
    { name: 'parcel', type: 'string' },
    { name: 'carrier', type: 'string' },
  ],
};

void test(
  "a Confluent/Avro topic keyed by producer feeds each producer's stream; unknown schema ids and unreadable values become source dead letters",
  { timeout: 90_000 },
  async (t) => {
    const env = await onKafka(t);
    if (env === undefined) return;
    const { s, brokers, prefix } = env;
    const key = await s.tenantWithKey('shop');
    const billing = await s.call('PUT', '/v1/types/billing', { token: key, body: { schema: billingSchema, schemaType: 'AVRO' } });
    const shipping = await s.call('PUT', '/v1/types/shipping', { token: key, body: { schema: shippingSchema, schemaType: 'AVRO' } });
    assert.equal(billing.status, 201);
    assert.equal(shipping.status, 201);
    const billingType = avro.Type.forSchema(billingSchema as avro.Schema);
    const shippingType = avro.Type.forSchema(shippingSchema as avro.Schema);
    const billingValue = (invoice: string, cents: number): Buffer => encodeFrame(billing.body.schemaId, undefined, billingType.toBuffer({ invoice, cents }));
    const shippingValue = (parcel: string, carrier: string): Buffer =>
      encodeFrame(shipping.body.schemaId, undefined, shippingType.toBuffer({ parcel, carrier }));

    // The type comes from the record key on one topic and from a header on the other.
    const byKey = `${prefix}in-by-key`;
    const byHeader = `${prefix}in-by-header`;
    await createTopic(brokers, byKey, 2);
    await createTopic(brokers, byHeader, 1);
    const keyed = await s.call('PUT', '/v1/sources/by-key', { token: key, body: { topic: byKey, typeFrom: { key: true }, format: 'confluent' } });
    assert.equal(keyed.status, 201, JSON.stringify(keyed.body));
    assert.deepEqual(
      { topic: keyed.body.topic, format: keyed.body.format, typeFrom: keyed.body.typeFrom, group: keyed.body.group },
      { topic: byKey, format: 'confluent', typeFrom: { key: true }, group: 'sluice-source-shop-by-key' },
    );
    const headed = await s.call('PUT', '/v1/sources/by-header', {
      token: key,
      body: { topic: byHeader, typeFrom: { header: 'producer' }, format: 'confluent' },
    });
    assert.equal(headed.status, 201, JSON.stringify(headed.body));

    await produce(brokers, byKey, 2, [
      { key: 'billing', value: billingValue('inv-1', 1200) },
      { key: 'shipping', value: shippingValue('p-1', 'dhl') },
      { key: 'billing', value: billingValue('inv-2', 300) },
      { key: 'billing', value: encodeFrame(987_654, undefined, billingType.toBuffer({ invoice: 'inv-x', cents: 1 })) },
      // The shipping schema's id under the billing producer: not a version of billing.
      { key: 'billing', value: shippingValue('p-odd', 'ups') },
      // A truncated Avro payload cannot be read with its schema.
      { key: 'shipping', value: shippingValue('p-2', 'fedex').subarray(0, 8) },
    ]);
    await produce(brokers, byHeader, 1, [
      { key: 'anything', headers: { producer: 'shipping' }, value: shippingValue('p-3', 'post') },
      { key: 'anything', headers: { producer: 'billing' }, value: billingValue('inv-3', 50) },
    ]);

    const billed = await eventually('three billing events', async () => {
      const items = await readStream(s, key, 'shop.billing');
      return items.length >= 3 ? items : undefined;
    });
    const shipped = await eventually('two shipping events', async () => {
      const items = await readStream(s, key, 'shop.shipping');
      return items.length >= 2 ? items : undefined;
    });
    const dead = await eventually('three dead letters', async () => {
      const items = await deadLetters(s, key);
      return items.length >= 3 ? items : undefined;
    });

    assert.deepEqual(billed.map((e) => e.data.invoice).sort(), ['inv-1', 'inv-2', 'inv-3']);
    assert.deepEqual(shipped.map((e) => e.data.parcel).sort(), ['p-1', 'p-3']);
    const first = billed.find((e) => e.data.invoice === 'inv-1');
    assert.equal(first.data.cents, 1200);
    assert.equal(first.schemaId, billing.body.schemaId);
    assert.match(first.id, new RegExp(`^${byKey}-[01]-\\d+$`), 'the record coordinates are the event id');
    assert.equal(first.key, 'billing');

    assert.equal(dead.length, 3);
    assert.ok(
      dead.every((letter) => letter.stage === 'source'),
      JSON.stringify(dead),
    );
    assert.deepEqual(dead.map((letter) => letter.code).sort(), ['invalid_wire_format', 'unknown_schema', 'unknown_version']);
    const unknownSchema = dead.find((letter) => letter.code === 'unknown_schema');
    assert.match(unknownSchema.message, /987654/);
    const original = JSON.parse(unknownSchema.original);
    assert.equal(original.topic, byKey);
    assert.equal(original.key, 'billing');

    const listed = await s.call('GET', '/v1/sources', { token: key });
    assert.deepEqual(
      listed.body.items.map((source: { name: string }) => source.name),
      ['by-header', 'by-key'],
    );
    assert.ok(listed.body.items.every((source: { running: boolean }) => source.running));
  },
);

const loginSchema = {
  type: 'object',
  required: ['user', 'seq', 'success'],
  additionalProperties: false,
  properties: { user: { type: 'string' }, seq: { type: 'integer' }, success: { type: 'boolean' } },
};

void test(
  'a JSON topic of user logins is validated against its JSON Schema: valid logins keep their order per key, invalid ones are dead-lettered with the reason',
  { timeout: 90_000 },
  async (t) => {
    const env = await onKafka(t);
    if (env === undefined) return;
    const { s, brokers, prefix } = env;
    const key = await s.tenantWithKey('idp');
    const type = await s.call('PUT', '/v1/types/user-login', { token: key, body: { schema: loginSchema, partitions: 2, partitionKey: '/user' } });
    assert.equal(type.status, 201);
    const topic = `${prefix}user-logins`;
    await createTopic(brokers, topic, 3);
    const created = await s.call('PUT', '/v1/sources/logins', { token: key, body: { topic, type: 'user-login', format: 'json' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const login = (user: string, seq: number, success: unknown = true): InputRecord => ({
      key: user,
      value: Buffer.from(JSON.stringify({ user, seq, success })),
    });
    const records: InputRecord[] = [];
    for (let seq = 1; seq <= 5; seq++) records.push(login('ada', seq), login('bob', seq));
    records.push(login('eve', 1, 'yes'));
    records.push({ key: 'mallory', value: Buffer.from('{"user": "mallory", ') });
    // A full envelope names its own type and id.
    records.push({ key: 'carol', value: Buffer.from(JSON.stringify({ type: 'user-login', id: 'carol-1', data: { user: 'carol', seq: 1, success: false } })) });
    await produce(brokers, topic, 3, records);

    const stored = await eventually('eleven logins', async () => {
      const items = await readStream(s, key, 'idp.user-login');
      return items.length >= 11 ? items : undefined;
    });
    assert.equal(stored.length, 11, JSON.stringify(stored.map((e) => [e.id, e.data.user, e.data.seq])));
    for (const user of ['ada', 'bob']) {
      const own = stored.filter((e) => e.data.user === user);
      assert.equal(new Set(own.map((e) => e.partition)).size, 1, `${user}'s logins share a partition`);
      assert.deepEqual(
        own.sort((a, b) => a.offset - b.offset).map((e) => e.data.seq),
        [1, 2, 3, 4, 5],
        `${user}'s logins keep their order`,
      );
    }
    assert.ok(stored.some((e) => e.id === 'carol-1' && e.data.success === false));

    const dead = await eventually('two dead letters', async () => {
      const items = await deadLetters(s, key);
      return items.length >= 2 ? items : undefined;
    });
    const invalid = dead.find((letter) => letter.code === 'schema_validation_failed');
    assert.ok(invalid, JSON.stringify(dead));
    assert.equal(invalid.stage, 'ingest', 'validation fails in the same pipeline stage as for HTTP ingest');
    assert.ok(
      invalid.details.some((detail: { path: string }) => detail.path === '/success'),
      JSON.stringify(invalid.details),
    );
    assert.equal(JSON.parse(invalid.original).data.user, 'eve');
    const malformed = dead.find((letter) => letter.code === 'malformed_json');
    assert.ok(malformed, JSON.stringify(dead));
    assert.equal(malformed.stage, 'source');

    // A second group reads the topic again from the start: the record coordinates are the ids,
    // so the redelivered logins, and the dead letters of the refused ones, are stored once.
    const replay = await s.call('PUT', '/v1/sources/logins', { token: key, body: { topic, type: 'user-login', format: 'json', group: `replay-${prefix}` } });
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    // One new record per input partition, after the old ones: once all three are stored, every
    // partition has been read again up to them.
    await produce(brokers, topic, 3, [login('ada', 6), login('bob', 6), { ...login('zed', 1), partition: 1 }]);
    const replayed = await eventually('the records after the replay', async () => {
      const items = await readStream(s, key, 'idp.user-login');
      return ['ada', 'bob', 'zed'].every((user) => items.some((e) => e.data.user === user && e.data.seq === (user === 'zed' ? 1 : 6))) ? items : undefined;
    });
    assert.equal(replayed.length, 14, 'a redelivery is deduplicated by the record coordinates');
    const afterReplay = await deadLetters(s, key);
    assert.equal(afterReplay.length, 2, 'a redelivered record that fails again makes no second dead letter');
    assert.deepEqual(afterReplay.map((letter) => letter.offset).sort(), dead.map((letter) => letter.offset).sort());
  },
);

void test('sources are managed per tenant over the API, with their definitions checked', { timeout: 60_000 }, async (t) => {
  const env = await onKafka(t);
  if (env === undefined) return;
  const { s, prefix } = env;
  const key = await s.tenantWithKey('acme');
  const other = await s.tenantWithKey('globex');
  await s.call('PUT', '/v1/types/orders', { token: other, body: { schema: { type: 'object' } } });

  const bad = await s.call('PUT', '/v1/sources/bad', { token: key, body: { topic: 'x y', format: 'xml', typeFrom: { cookie: 'a' } } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'invalid_source');
  assert.deepEqual(bad.body.error.details.map((d: { path: string }) => d.path).sort(), ['/format', '/topic', '/typeFrom']);
  const both = await s.call('PUT', '/v1/sources/both', { token: key, body: { topic: 'in', type: 'a', typeFrom: { key: true } } });
  assert.equal(both.body.error.code, 'invalid_source');

  // Another tenant's stream and Sluice's catalog are not foreign topics.
  const theirs = await s.call('PUT', '/v1/sources/steal', { token: key, body: { topic: `${prefix}globex.orders`, type: 'orders' } });
  assert.equal(theirs.status, 400);
  assert.equal(theirs.body.error.code, 'invalid_source');
  const internal = await s.call('PUT', '/v1/sources/cat', { token: key, body: { topic: `${prefix}_sluice_catalog`, type: 'orders' } });
  assert.equal(internal.body.error.code, 'invalid_source');

  const put = await s.call('PUT', '/v1/sources/feed', { token: key, body: { topic: `${prefix}feed-in`, type: 'feed' } });
  assert.equal(put.status, 201);
  assert.equal(put.body.format, 'json');
  const again = await s.call('PUT', '/v1/sources/feed', { token: key, body: { topic: `${prefix}feed-in`, type: 'feed' } });
  assert.equal(again.status, 200);
  assert.equal(again.body.updatedAt, put.body.updatedAt, 'an unchanged definition is not written again');
  assert.equal((await s.call('GET', '/v1/sources/feed', { token: other })).status, 404, 'another tenant does not see the source');
  assert.deepEqual((await s.call('GET', '/v1/sources', { token: other })).body.items, []);
  assert.equal((await s.call('DELETE', '/v1/sources/feed', { token: other })).status, 404);
  assert.equal((await s.call('DELETE', '/v1/sources/feed', { token: key })).status, 204);
  assert.equal((await s.call('GET', '/v1/sources/feed', { token: key })).status, 404);
});

void test('the CLI creates, shows and deletes a source that reads its topic into the stream', { timeout: 90_000 }, async (t) => {
  const env = await onKafka(t);
  if (env === undefined) return;
  const { s, brokers, prefix } = env;
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/clicks', { token: key, body: { schema: { type: 'object', required: ['page'], properties: { page: { type: 'string' } } } } });
  const topic = `${prefix}clicks-in`;
  await createTopic(brokers, topic, 1);
  await produce(brokers, topic, 1, [
    { key: 'u1', value: Buffer.from('{"page":"/home"}') },
    { key: 'u1', value: Buffer.from('{"page":"/cart"}') },
  ]);
  const cli = { SLUICE_URL: s.url, SLUICE_KEY: key, PATH: process.env.PATH ?? '' };

  const set = await runCli(['source', 'set', 'clicks', '--topic', topic, '--type', 'clicks', '--format', 'json'], cli);
  assert.equal(set.code, 0, set.stderr);
  assert.deepEqual(pick(JSON.parse(set.stdout) as Record<string, unknown>, ['name', 'topic', 'type', 'format']), {
    name: 'clicks',
    topic,
    type: 'clicks',
    format: 'json',
  });
  const stored = await eventually('the records in the stream', async () => {
    const items = await readStream(s, key, 'acme.clicks');
    return items.length === 2 ? items : undefined;
  });
  assert.deepEqual(
    stored.map((item) => item.data.page),
    ['/home', '/cart'],
  );
  const shown = await runCli(['source', 'show', 'clicks'], cli);
  assert.equal(shown.code, 0, shown.stderr);
  assert.equal((JSON.parse(shown.stdout) as { running: boolean }).running, true);
  const bad = await runCli(['source', 'set', 'broken', '--topic', topic, '--type', 'clicks', '--type-from-key'], cli);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^sluice: invalid_source: /m);
  const deleted = await runCli(['source', 'delete', 'clicks'], cli);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal((await s.call('GET', '/v1/sources/clicks', { token: key })).status, 404);
});

function pick(value: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((name) => [name, value[name]]));
}

void test('a source declared in sluice.yaml runs at start-up and, after a restart, carries on from its committed offsets', { timeout: 90_000 }, async (t) => {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return;
  const prefix = `sluicesrc-${randomBytes(4).toString('hex')}-`;
  t.after(() => deleteTestTopics(resolveKafkaOptions({ brokers, topicPrefix: prefix })));
  const dir = tempDir(t);
  const file = join(dir, 'sluice.yaml');
  const topic = `${prefix}meter-readings`;
  writeFileSync(
    file,
    [
      'tenants:',
      '  grid:',
      '    types:',
      '      reading: { schema: { type: object, required: [kwh], properties: { kwh: { type: number } } } }',
      'sources:',
      `  - { name: meters, tenant: grid, topic: ${topic}, type: reading }`,
      '',
    ].join('\n'),
  );
  await createTopic(brokers, topic, 1);
  const open = async (): Promise<{ url: string; close: () => Promise<void> }> => {
    const config = loadConfig({
      configFile: file,
      env: {},
      flags: { port: 0, host: '127.0.0.1', dataDir: dir, logLevel: 'silent', adminToken, kafka: { brokers, topicPrefix: prefix } },
    });
    const sluice = await createSluice(config);
    t.after(() => sluice.close());
    return { url: await sluice.listen(), close: () => sluice.close() };
  };
  let key = '';
  const get = async (url: string, path: string): Promise<any> => {
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return response.status === 200 ? await response.json() : undefined;
  };
  const readings = async (url: string): Promise<any[]> => {
    const items: any[] = [];
    const partitions = ((await get(url, '/v1/streams/grid.reading')) as { partitions: number } | undefined)?.partitions ?? 0;
    for (let partition = 0; partition < partitions; partition++)
      items.push(...((await get(url, `/v1/streams/grid.reading/events?partition=${partition}&from=earliest&limit=100`)) as { items: any[] }).items);
    return items;
  };
  const reading = (kwh: unknown): InputRecord => ({ value: Buffer.from(JSON.stringify({ kwh })) });

  const first = await open();
  const created = await fetch(`${first.url}/v1/tenants/grid/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scopes: ['consume'] }),
  });
  assert.equal(created.status, 201);
  key = ((await created.json()) as { key: string }).key;
  await produce(brokers, topic, 1, [reading(1), reading('lots'), reading(2)]);
  await eventually('the first two readings', async () => ((await readings(first.url)).length >= 2 ? true : undefined));
  await first.close();

  await produce(brokers, topic, 1, [reading(3)]);
  const second = await open();
  const all = await eventually('the third reading', async () => {
    const items = await readings(second.url);
    return items.length >= 3 ? items : undefined;
  });
  assert.deepEqual(all.map((e) => e.data.kwh).sort(), [1, 2, 3]);
  const dead = (await get(second.url, '/v1/dead-letters')) as { items: { code: string }[] };
  assert.deepEqual(
    dead.items.map((letter) => letter.code),
    ['schema_validation_failed'],
    'records before the commit are not read again',
  );
});

void test('a Confluent/Avro source decodes records whose schema has references, as HTTP wire ingest does', { timeout: 90_000 }, async (t) => {
  const env = await onKafka(t);
  if (env === undefined) return;
  const { s, brokers, prefix } = env;
  const key = await s.tenantWithKey('shop');
  const productAvro = { type: 'record', name: 'Product', namespace: 'shop', fields: [{ name: 'sku', type: 'string' }] };
  const orderAvro = {
    type: 'record',
    name: 'Order',
    namespace: 'shop',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'product', type: 'shop.Product' },
    ],
  };
  const reg = (path: string, body: unknown) => s.call('POST', `/registry${path}`, { token: key, body, contentType: 'application/vnd.schemaregistry.v1+json' });
  assert.equal((await reg('/subjects/shop.products-value/versions', { schema: JSON.stringify(productAvro) })).status, 200);
  const order = await reg('/subjects/shop.orders-value/versions', {
    schema: JSON.stringify(orderAvro),
    references: [{ name: 'shop.Product', subject: 'shop.products-value', version: 1 }],
  });
  assert.equal(order.status, 200, JSON.stringify(order.body));
  // What a stock serializer writes: the order's id, then the record encoded with both schemas.
  const registry = {};
  avro.Type.forSchema(productAvro as avro.Schema, { registry });
  const orderType = avro.Type.forSchema(orderAvro as avro.Schema, { registry });
  const framed = (id: string): Buffer => encodeFrame(order.body.id as number, undefined, orderType.toBuffer({ id, product: { sku: `sku-${id}` } }));

  // The same record over HTTP and through a source.
  const overHttp = await s.call('POST', '/v1/events?type=orders', { token: key, raw: framed('http-1'), contentType: 'application/vnd.confluent.wire' });
  assert.equal(overHttp.status, 200, JSON.stringify(overHttp.body));
  const topic = `${prefix}orders-avro`;
  await createTopic(brokers, topic, 1);
  assert.equal((await s.call('PUT', '/v1/sources/orders', { token: key, body: { topic, type: 'orders', format: 'confluent' } })).status, 201);
  await produce(brokers, topic, 1, [{ value: framed('kafka-1') }, { value: framed('kafka-2') }]);

  const orders = await eventually('three orders', async () => {
    const items = await readStream(s, key, 'shop.orders');
    return items.length >= 3 ? items : undefined;
  });
  assert.deepEqual(orders.map((e) => `${e.data.id}:${e.data.product.sku}`).sort(), ['http-1:sku-http-1', 'kafka-1:sku-kafka-1', 'kafka-2:sku-kafka-2']);
  assert.deepEqual(await deadLetters(s, key), [], 'no record was dead-lettered');
});

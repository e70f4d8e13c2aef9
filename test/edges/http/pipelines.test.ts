import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { pino, type Logger } from 'pino';
import { loadConfig } from '../../../src/edges/config/config.ts';
import { createSluice } from '../../../src/sluice.ts';
import { adminToken, startSluice, tempDir, type TestSluice } from '../../helpers/sluice.ts';

// The "Pipelines" issue end to end over HTTP: validate → transform → filter → route per
// event type, the pipeline routes, the test route, filters in /metrics, redrive, and the
// privacy and tenant walls around hashing and routing.

const anyObject = { type: 'object' };
const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const sha256Hex = /^[0-9a-f]{64}$/;

/** Every record of a stream, all partitions. */
async function readStream(s: TestSluice, key: string, stream: string): Promise<any[]> {
  const info = await s.call('GET', `/v1/streams/${stream}`, { token: key });
  assert.equal(info.status, 200, `${stream}: ${JSON.stringify(info.body)}`);
  const records: any[] = [];
  for (let partition = 0; partition < info.body.partitions; partition++) {
    const page = await s.call('GET', `/v1/streams/${stream}/events?partition=${partition}&limit=1000`, { token: key });
    assert.equal(page.status, 200);
    records.push(...page.body.items);
  }
  return records;
}

/** The one record at a position, read back through the API. */
async function recordAt(s: TestSluice, key: string, position: { stream: string; partition: number; offset: number }): Promise<any> {
  const page = await s.call('GET', `/v1/streams/${position.stream}/events?partition=${position.partition}&from=${position.offset}&limit=1`, { token: key });
  assert.equal(page.status, 200);
  assert.equal(page.body.items.length, 1, `a record at ${JSON.stringify(position)}`);
  return page.body.items[0];
}

async function endOffsets(s: TestSluice, key: string, stream: string): Promise<number[]> {
  const info = await s.call('GET', `/v1/streams/${stream}`, { token: key });
  return info.status === 404 ? [] : (info.body.endOffsets as number[]);
}

async function putType(s: TestSluice, key: string, type: string, body: Record<string, unknown> = { schema: anyObject }): Promise<void> {
  const put = await s.call('PUT', `/v1/types/${type}`, { token: key, body });
  assert.equal(put.status, 201, `${type}: ${JSON.stringify(put.body)}`);
}

async function putPipeline(s: TestSluice, key: string, type: string, pipeline: unknown): Promise<void> {
  const put = await s.call('PUT', `/v1/types/${type}/pipeline`, { token: key, body: pipeline });
  assert.equal(put.status, 200, `${type}: ${JSON.stringify(put.body)}`);
}

// ---- 1. user-login: timestamp → created_at, processed_at, an allow-list, schema dead letters ----

const userLoginSchema = {
  type: 'object',
  required: ['user_id', 'app_version', 'device_type', 'ip', 'device_id', 'timestamp'],
  properties: {
    user_id: { type: 'string', minLength: 1 },
    app_version: { type: 'string' },
    device_type: { enum: ['android', 'ios', 'web'] },
    ip: { type: 'string' },
    locale: { type: 'string' },
    device_id: { type: 'string' },
    timestamp: { type: 'integer' },
  },
};
const keptFields = ['user_id', 'app_version', 'device_type', 'ip', 'locale', 'device_id', 'created_at', 'processed_at'];
const userLoginSteps = [
  { rename: { timestamp: 'created_at' } },
  { convert: { created_at: { from: 'epoch-seconds', to: 'iso8601' } } },
  { set: { processed_at: { now: true } } },
  { default: { locale: 'en-US' } },
  { keep: keptFields },
];

function login(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    user_id: 'u-1001',
    app_version: '5.12.3',
    device_type: 'android',
    ip: '203.0.113.77',
    locale: 'de-DE',
    device_id: 'a1b2c3d4e5f6a7b8',
    timestamp: 1700000000,
    session: { id: 's-1', debug: true },
    referrer: 'https://example.com/?utm=x',
    ...overrides,
  };
}

void test('user-login: stored records hold exactly the kept fields, created_at in ISO-8601 UTC, and a null user_id is a schema dead letter', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await putType(s, key, 'user-login', { schema: userLoginSchema, partitionKey: '/user_id', pipeline: { steps: userLoginSteps } });

  const before = Date.now();
  const sent = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'user-login', id: 'l-1', data: login() },
      { type: 'user-login', id: 'l-2', data: login({ user_id: 'u-1002', locale: undefined, timestamp: 1700000001, device_type: 'ios' }) },
      { type: 'user-login', id: 'l-3', data: login({ user_id: null }) },
    ],
  });
  const after = Date.now();
  assert.equal(sent.status, 207, JSON.stringify(sent.body));
  assert.equal(sent.body.accepted, 2);
  assert.equal(sent.body.rejected, 1);
  assert.equal(sent.body.filtered, 0);
  assert.equal(sent.body.results[0].stream, 'acme.user-login');
  assert.equal(sent.body.results[0].routes, undefined, 'one stream, no routes list');

  const bad = sent.body.results[2];
  assert.equal(bad.id, 'l-3');
  assert.equal(bad.error.code, 'schema_validation_failed');
  assert.deepEqual(bad.error.details, [{ path: '/user_id', reason: 'must be string' }]);
  assert.equal(bad.deadLetter.stream, 'acme._dead');

  const records = await readStream(s, key, 'acme.user-login');
  assert.deepEqual(records.map((r) => r.id).sort(), ['l-1', 'l-2']);
  for (const record of records) {
    assert.deepEqual(Object.keys(record.data).sort(), [...keptFields].sort(), `${record.id} holds exactly the kept fields`);
    assert.match(record.data.created_at, isoUtc);
    assert.match(record.data.processed_at, isoUtc);
    const processed = Date.parse(record.data.processed_at);
    assert.ok(processed >= before - 1 && processed <= after + 1, `processed_at ${record.data.processed_at} is the time of processing`);
    assert.equal(record.key, record.data.user_id, 'the partition key is read from the data as sent');
  }
  const first = records.find((r) => r.id === 'l-1');
  assert.deepEqual(
    { ...first.data, processed_at: 'x' },
    {
      user_id: 'u-1001',
      app_version: '5.12.3',
      device_type: 'android',
      ip: '203.0.113.77',
      locale: 'de-DE',
      device_id: 'a1b2c3d4e5f6a7b8',
      created_at: '2023-11-14T22:13:20.000Z',
      processed_at: 'x',
    },
  );
  const second = records.find((r) => r.id === 'l-2');
  assert.equal(second.data.locale, 'en-US', 'a missing locale gets the default');
  assert.equal(second.data.created_at, '2023-11-14T22:13:21.000Z');

  const dead = await s.call('GET', '/v1/dead-letters?type=user-login', { token: key });
  assert.equal(dead.body.items.length, 1);
  const [letter] = dead.body.items;
  assert.equal(letter.id, 'l-3');
  assert.equal(letter.stage, 'ingest');
  assert.equal(letter.code, 'schema_validation_failed');
  assert.deepEqual(letter.details, [{ path: '/user_id', reason: 'must be string' }]);
  assert.equal(letter.offset, bad.deadLetter.offset);
  assert.deepEqual(JSON.parse(letter.original).data, login({ user_id: null }), 'the dead letter keeps the event as sent');
});

// ---- 2. routing by destination_service_type ----

const byDestination = { field: 'destination_service_type', map: { FINANCE: 'finance', MARKETING: 'marketing', LOGISTICS: 'logistics' } };

async function routingWorld(t: TestContext): Promise<{ s: TestSluice; key: string }> {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await putType(s, key, 'orders');
  // The route is refused while its targets do not exist yet.
  const early = await s.call('PUT', '/v1/types/orders/pipeline', { token: key, body: { route: byDestination } });
  assert.equal(early.status, 400);
  assert.equal(early.body.error.code, 'invalid_pipeline');
  assert.deepEqual(early.body.error.details, [
    { path: '/route', reason: 'register event type "finance" first' },
    { path: '/route', reason: 'register event type "marketing" first' },
    { path: '/route', reason: 'register event type "logistics" first' },
  ]);
  for (const type of ['finance', 'marketing', 'logistics']) await putType(s, key, type, { schema: anyObject, partitions: 2 });
  await putPipeline(s, key, 'orders', { route: byDestination });
  return { s, key };
}

void test('orders are routed to finance, marketing and logistics by destination_service_type; an unknown one is a no_route dead letter in a 207', async (t) => {
  const { s, key } = await routingWorld(t);
  const sent = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'orders', id: 'o-1', data: { destination_service_type: 'FINANCE', order: 1 } },
      { type: 'orders', id: 'o-2', data: { destination_service_type: 'MARKETING', order: 2 } },
      { type: 'orders', id: 'o-3', data: { destination_service_type: 'LOGISTICS', order: 3 } },
      { type: 'orders', id: 'o-4', data: { destination_service_type: 'HR', order: 4 } },
    ],
  });
  assert.equal(sent.status, 207, JSON.stringify(sent.body));
  assert.deepEqual([sent.body.accepted, sent.body.rejected, sent.body.filtered], [3, 1, 0]);
  assert.deepEqual(
    sent.body.results.slice(0, 3).map((r: any) => [r.id, r.stream]),
    [
      ['o-1', 'acme.finance'],
      ['o-2', 'acme.marketing'],
      ['o-3', 'acme.logistics'],
    ],
  );
  const unrouted = sent.body.results[3];
  assert.equal(unrouted.index, 3);
  assert.equal(unrouted.error.code, 'no_route');
  assert.equal(unrouted.deadLetter.stream, 'acme._dead');

  for (const [stream, id, order] of [
    ['acme.finance', 'o-1', 1],
    ['acme.marketing', 'o-2', 2],
    ['acme.logistics', 'o-3', 3],
  ] as const) {
    const records = await readStream(s, key, stream);
    assert.deepEqual(
      records.map((r) => [r.id, r.data.order, r.stream, r.tenant]),
      [[id, order, stream, 'acme']],
      stream,
    );
    const result = sent.body.results.find((r: any) => r.id === id);
    assert.equal(records[0].partition, result.partition);
    assert.equal(records[0].offset, result.offset);
  }
  assert.deepEqual(await readStream(s, key, 'acme.orders'), [], 'routed events are not kept in their own stream');

  const dead = await s.call('GET', '/v1/dead-letters?code=no_route', { token: key });
  assert.equal(dead.body.items.length, 1);
  assert.equal(dead.body.items[0].id, 'o-4');
  assert.equal(dead.body.items[0].stage, 'transform');
  assert.equal(dead.body.items[0].type, 'orders');

  // A batch that only fails to route is a 400, and the server carries on.
  const only = await s.call('POST', '/v1/events', { token: key, body: { type: 'orders', data: { destination_service_type: 'nobody' } } });
  assert.equal(only.status, 400);
  assert.equal(only.body.results[0].error.code, 'no_route');
  assert.equal((await s.call('GET', '/healthz', { token: null })).status, 200);
});

void test('rules can send one event to two streams; the answer lists both positions in routes', async (t) => {
  const { s, key } = await routingWorld(t);
  await putType(s, key, 'audit');
  await putPipeline(s, key, 'orders', {
    route: {
      ...byDestination,
      rules: [{ pattern: { data: { amount: [{ numeric: ['>', 1000] }] } }, to: ['audit', 'finance'] }],
    },
  });
  const sent = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'orders', id: 'big', key: 'c-7', data: { destination_service_type: 'MARKETING', amount: 5000 } },
      { type: 'orders', id: 'small', data: { destination_service_type: 'MARKETING', amount: 5 } },
    ],
  });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const [big, small] = sent.body.results;
  assert.equal(small.stream, 'acme.marketing');
  assert.equal(small.routes, undefined);

  assert.equal(big.routes.length, 3);
  assert.deepEqual(big.routes.map((r: any) => r.stream).sort(), ['acme.audit', 'acme.finance', 'acme.marketing']);
  assert.deepEqual({ stream: big.stream, partition: big.partition, offset: big.offset }, big.routes[0], 'the top-level position is the first route');
  for (const route of big.routes) {
    const record = await recordAt(s, key, route);
    assert.equal(record.id, 'big');
    assert.equal(record.key, 'c-7');
    assert.deepEqual(record.data, { destination_service_type: 'MARKETING', amount: 5000 });
  }
  assert.deepEqual(
    (await readStream(s, key, 'acme.finance')).map((r) => r.id),
    ['big'],
  );
});

void test('keepOriginal keeps the event in its own stream too, and default catches what no route names', async (t) => {
  const { s, key } = await routingWorld(t);
  await putType(s, key, 'unrouted');
  await putPipeline(s, key, 'orders', { route: { ...byDestination, default: 'unrouted', keepOriginal: true } });
  const sent = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'orders', id: 'kept', data: { destination_service_type: 'LOGISTICS' } },
      { type: 'orders', id: 'stray', data: { destination_service_type: 'HR' } },
    ],
  });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const [kept, stray] = sent.body.results;
  assert.deepEqual(
    kept.routes.map((r: any) => r.stream),
    ['acme.orders', 'acme.logistics'],
  );
  assert.deepEqual(
    stray.routes.map((r: any) => r.stream),
    ['acme.orders', 'acme.unrouted'],
  );
  assert.deepEqual((await readStream(s, key, 'acme.orders')).map((r) => r.id).sort(), ['kept', 'stray']);
  assert.deepEqual(
    (await readStream(s, key, 'acme.unrouted')).map((r) => r.id),
    ['stray'],
  );
  assert.deepEqual(
    (await readStream(s, key, 'acme.logistics')).map((r) => r.id),
    ['kept'],
  );

  // Without keepOriginal the default alone takes it.
  await putPipeline(s, key, 'orders', { route: { ...byDestination, default: 'unrouted' } });
  const alone = await s.call('POST', '/v1/events', { token: key, body: { type: 'orders', id: 'stray-2', data: { destination_service_type: 'HR' } } });
  assert.equal(alone.body.results[0].stream, 'acme.unrouted');
  assert.equal(alone.body.results[0].routes, undefined);
  assert.deepEqual((await readStream(s, key, 'acme.orders')).map((r) => r.id).sort(), ['kept', 'stray']);
});

void test('keepOriginal with a route back to the own type stores the event in its own stream once', async (t) => {
  const { s, key } = await routingWorld(t);
  await putPipeline(s, key, 'orders', { route: { field: 'destination_service_type', map: { FINANCE: ['orders', 'finance'] }, keepOriginal: true } });
  const sent = await s.call('POST', '/v1/events', { token: key, body: { type: 'orders', data: { destination_service_type: 'FINANCE' } } });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  assert.deepEqual(
    sent.body.results[0].routes.map((r: any) => r.stream),
    ['acme.orders', 'acme.finance'],
  );
  assert.equal((await readStream(s, key, 'acme.orders')).length, 1);
});

// ---- routed records are checked against their target's schema ----

const paymentSchema = {
  type: 'object',
  required: ['amount_cents', 'currency'],
  properties: { amount_cents: { type: 'integer' }, currency: { type: 'string', minLength: 3 } },
};
const dropsCurrency = { steps: [{ remove: ['currency'] }], route: { field: 'dest', map: { PAY: 'payments', AUDIT: 'audit' } } };

void test('a record routed without a field its target requires is a schema_validation_failed dead letter at stage route; the dry-run says the same; fixed, it redrives', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await putType(s, key, 'payments', { schema: paymentSchema });
  await putType(s, key, 'audit');
  await putType(s, key, 'orders', { schema: anyObject, pipeline: dropsCurrency });
  const samples = [
    { id: 'o-1', data: { dest: 'PAY', amount_cents: 100, currency: 'EUR' } },
    { id: 'o-2', data: { dest: 'AUDIT', amount_cents: 100, currency: 'EUR' } },
  ];

  const sent = await s.call('POST', '/v1/events', { token: key, body: samples.map((sample) => ({ type: 'orders', ...sample })) });
  assert.equal(sent.status, 207, JSON.stringify(sent.body));
  const [refused, audited] = sent.body.results;
  assert.equal(refused.error.code, 'schema_validation_failed');
  assert.equal(refused.error.message, 'the record routed to event type "payments" does not match its schema version 1');
  assert.equal(audited.stream, 'acme.audit', 'a target without the requirement takes the same record');
  assert.deepEqual(await readStream(s, key, 'acme.payments'), [], 'nothing reached the target');
  assert.deepEqual(await readStream(s, key, 'acme.orders'), []);

  // The details are those ingest gives the same data sent to the target type itself.
  const direct = await s.call('POST', '/v1/events', { token: key, body: { type: 'payments', data: { dest: 'PAY', amount_cents: 100 } } });
  assert.equal(direct.body.results[0].error.code, 'schema_validation_failed');
  assert.deepEqual(refused.error.details, direct.body.results[0].error.details);
  assert.ok(refused.error.details.length > 0);

  const dead = await s.call('GET', '/v1/dead-letters?type=orders', { token: key });
  assert.equal(dead.body.items.length, 1);
  const [letter] = dead.body.items;
  assert.deepEqual(
    [letter.id, letter.stage, letter.code, letter.message, letter.details],
    ['o-1', 'route', 'schema_validation_failed', refused.error.message, refused.error.details],
  );
  assert.deepEqual(JSON.parse(letter.original).data, samples[0]!.data, 'the dead letter keeps the event as sent');

  // The dry-run gives the same outcome for the same samples, stored or drafted.
  const tested = await s.call('POST', '/v1/types/orders/pipeline/test', { token: key, body: { events: samples } });
  assert.equal(tested.status, 200, JSON.stringify(tested.body));
  assert.deepEqual(tested.body.results[0], {
    index: 0,
    outcome: 'dead-letter',
    error: { stage: 'route', code: 'schema_validation_failed', message: refused.error.message, details: refused.error.details },
  });
  assert.deepEqual(tested.body.results[1].outputs, [{ stream: 'acme.audit', key: null, data: { dest: 'AUDIT', amount_cents: 100 } }]);
  const fixed = { route: dropsCurrency.route };
  const drafted = await s.call('POST', '/v1/types/orders/pipeline/test', { token: key, body: { events: samples, pipeline: fixed } });
  assert.deepEqual(
    drafted.body.results.map((r: any) => [r.outcome, r.outputs?.[0]?.stream]),
    [
      ['accepted', 'acme.payments'],
      ['accepted', 'acme.audit'],
    ],
  );

  await putPipeline(s, key, 'orders', fixed);
  const redrive = await s.call('POST', '/v1/dead-letters/redrive', { token: key, body: { offsets: [refused.deadLetter.offset] } });
  assert.equal(redrive.body.redriven, 1, JSON.stringify(redrive.body));
  assert.deepEqual(
    (await readStream(s, key, 'acme.payments')).map((r) => [r.id, r.type, r.data]),
    [['o-1', 'orders', samples[0]!.data]],
  );
});

void test("routed records meet the target's latest schema, also after it changes, and a default route and keepOriginal are checked alike", async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await putType(s, key, 'payments');
  await putType(s, key, 'orders', {
    schema: anyObject,
    pipeline: { steps: [{ remove: ['currency'] }], route: { field: 'dest', map: {}, default: 'payments', keepOriginal: true } },
  });
  const send = (id: string) =>
    s.call('POST', '/v1/events', { token: key, body: { type: 'orders', id, data: { dest: 'X', amount_cents: 5, currency: 'EUR' } } });

  const first = await send('o-1');
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(
    first.body.results[0].routes.map((r: any) => r.stream),
    ['acme.orders', 'acme.payments'],
  );

  // A new version of the target requires currency: the next routed record is refused, and
  // neither copy is stored (keepOriginal does not keep half an event).
  const next = await s.call('PUT', '/v1/types/payments', { token: key, body: { schema: paymentSchema, compatibility: 'NONE' } });
  assert.equal(next.status, 201, JSON.stringify(next.body));
  const second = await send('o-2');
  assert.equal(second.status, 400, JSON.stringify(second.body));
  assert.equal(second.body.results[0].error.message, 'the record routed to event type "payments" does not match its schema version 2');
  assert.deepEqual(
    (await readStream(s, key, 'acme.orders')).map((r) => r.id),
    ['o-1'],
  );
  assert.deepEqual(
    (await readStream(s, key, 'acme.payments')).map((r) => r.id),
    ['o-1'],
  );
});

void test("a record routed to an Avro type is checked as JSON the way ingest checks that type's events", async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const avro = {
    type: 'record',
    name: 'Payment',
    fields: [
      { name: 'amount_cents', type: 'long' },
      { name: 'currency', type: 'string' },
    ],
  };
  const put = await s.call('PUT', '/v1/types/payments', { token: key, body: { schemaType: 'AVRO', schema: avro } });
  assert.equal(put.status, 201, JSON.stringify(put.body));
  await putType(s, key, 'orders', { schema: anyObject, pipeline: { steps: [{ remove: ['dest'] }], route: { field: 'dest', map: {}, default: 'payments' } } });

  const sent = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'orders', id: 'ok', data: { dest: 'PAY', amount_cents: 100, currency: 'EUR' } },
      { type: 'orders', id: 'bad', data: { dest: 'PAY', amount_cents: 'lots', currency: 'EUR' } },
    ],
  });
  assert.equal(sent.status, 207, JSON.stringify(sent.body));
  assert.equal(sent.body.results[0].stream, 'acme.payments');
  const direct = await s.call('POST', '/v1/events', { token: key, body: { type: 'payments', data: { amount_cents: 'lots', currency: 'EUR' } } });
  assert.equal(direct.body.results[0].error.code, 'schema_validation_failed');
  assert.deepEqual(sent.body.results[1].error, {
    ...direct.body.results[0].error,
    message: 'the record routed to event type "payments" does not match its schema version 1',
  });
  assert.deepEqual(
    (await readStream(s, key, 'acme.payments')).map((r) => [r.id, r.data]),
    [['ok', { amount_cents: 100, currency: 'EUR' }]],
  );
});

// ---- 3. hashing and masking leave no trace of the raw values ----

const rawIp = '203.0.113.77';
const rawDeviceId = 'a1b2c3d4e5f6a7b8';

function collectingLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger: Logger = pino({ level: 'trace' }, sink);
  return { logger, text: () => chunks.join('') };
}

void test('a hashed ip and a masked device_id appear nowhere in stored records, answers or trace logs, even when a later validate step fails', async (t) => {
  const logs = collectingLogger();
  const config = loadConfig({ flags: { port: 0, host: '127.0.0.1', dataDir: tempDir(t), logLevel: 'trace', adminToken }, env: {} });
  const sluice = await createSluice(config, { logger: logs.logger });
  const url = await sluice.listen();
  t.after(() => sluice.close());
  const call = async (method: string, path: string, token: string, body?: unknown): Promise<{ status: number; text: string; body: any }> => {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(`${url}${path}`, init);
    const text = await response.text();
    return { status: response.status, text, body: text === '' ? undefined : JSON.parse(text) };
  };
  assert.equal((await call('POST', '/v1/tenants', adminToken, { id: 'acme', name: 'acme' })).status, 201);
  const key = (await call('POST', '/v1/tenants/acme/keys', adminToken, { scopes: ['produce', 'consume', 'manage'] })).body.key as string;

  const steps = [
    ...userLoginSteps,
    { hash: ['ip'] },
    { mask: { device_id: { keepLast: 4 } } },
    // A later check that some events fail after ip and device_id were already rewritten.
    { validate: { schema: { type: 'object', properties: { app_version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' } } } } },
  ];
  assert.equal((await call('PUT', '/v1/types/user-login', key, { schema: userLoginSchema, pipeline: { steps } })).status, 201);

  const sent = await call('POST', '/v1/events', key, [
    { type: 'user-login', id: 'ok', data: login() },
    { type: 'user-login', id: 'late-fail', data: login({ app_version: 'beta' }) },
  ]);
  assert.equal(sent.status, 207, sent.text);
  const failed = sent.body.results[1];
  assert.equal(failed.error.code, 'transform_failed');
  assert.equal(failed.error.details[0].path, '/app_version');
  assert.match(failed.error.message, /^step 8 \(validate\) failed at \/app_version: does not match the output schema/);

  const position = sent.body.results[0];
  const page = await call('GET', `/v1/streams/acme.user-login/events?partition=${position.partition}&from=${position.offset}&limit=1`, key);
  const [record] = page.body.items;
  assert.equal(record.id, 'ok');
  assert.match(record.data.ip, sha256Hex);
  assert.notEqual(record.data.ip, createHash('sha256').update(rawIp).digest('hex'), 'the hash is keyed, not a bare SHA-256');
  assert.equal(record.data.device_id, '************a7b8');
  const stored = JSON.stringify(record);
  for (const raw of [rawIp, rawDeviceId, rawDeviceId.slice(0, 12)]) {
    assert.ok(!stored.includes(raw), `the stored record does not contain ${raw}`);
    assert.ok(!sent.text.includes(raw), `the ingest answer does not contain ${raw}`);
  }

  // The test route shows the same output without the raw values.
  const tested = await call('POST', '/v1/types/user-login/pipeline/test', key, { events: [{ data: login() }, { data: login({ app_version: 'beta' }) }] });
  assert.equal(tested.status, 200, tested.text);
  assert.equal(tested.body.results[0].outputs[0].data.device_id, '************a7b8');
  assert.equal(tested.body.results[0].outputs[0].data.ip, record.data.ip, 'the test route hashes with the same salt');
  assert.equal(tested.body.results[1].outcome, 'dead-letter');
  for (const raw of [rawIp, rawDeviceId]) assert.ok(!tested.text.includes(raw), `the test answer does not contain ${raw}`);

  await sluice.close();
  const logText = logs.text();
  assert.match(logText, /Server listening/, 'the logger was used (the check below is not vacuous)');
  for (const raw of [rawIp, rawDeviceId, rawDeviceId.slice(0, 12)]) assert.ok(!logText.includes(raw), `the logs do not contain ${raw}`);
});

void test('a key field the pipeline hashes keys the record by its hash: the plaintext is not in the record key (the Kafka key)', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const schema = { type: 'object', required: ['user_id'], properties: { user_id: { type: 'string' }, n: { type: 'integer' } } };
  const created = await s.call('PUT', '/v1/types/logins', {
    token: key,
    body: { schema, partitionKey: '/user_id', partitions: 4, pipeline: { steps: [{ hash: ['user_id'] }] } },
  });
  assert.equal(created.status, 201);
  const sent = await s.call('POST', '/v1/events', {
    token: key,
    body: [1, 2, 3].map((n) => ({ type: 'logins', data: { user_id: 'alice@example.com', n } })),
  });
  assert.equal(sent.status, 200);
  const partitions = new Set(sent.body.results.map((r: { partition: number }) => r.partition));
  assert.equal(partitions.size, 1, 'one user, one partition: order is kept');
  const [partition] = partitions;
  const page = await s.call('GET', `/v1/streams/acme.logins/events?partition=${String(partition)}&limit=10`, { token: key });
  assert.deepEqual(
    page.body.items.map((record: { data: { n: number } }) => record.data.n),
    [1, 2, 3],
  );
  for (const record of page.body.items) {
    assert.match(record.data.user_id, sha256Hex);
    assert.equal(record.key, record.data.user_id, 'the key is the stored (hashed) value');
  }
  assert.ok(!JSON.stringify(page.body).includes('alice@example.com'));
});

// ---- the pipeline routes ----

void test('GET and PUT /v1/types/{type}/pipeline round-trip the config; PUT {} and pipeline: null remove it', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await putType(s, key, 'orders');
  await putType(s, key, 'finance');
  assert.deepEqual((await s.call('GET', '/v1/types/orders/pipeline', { token: key })).body, {});

  const pipeline = {
    steps: [{ rename: { amount_cents: 'amount' } }, { set: { pipeline: 'v1' } }],
    filter: { data: { amount: [{ numeric: ['>', 0] }] } },
    route: { field: 'dest', map: { F: 'finance' }, default: 'finance', keepOriginal: true },
  };
  const put = await s.call('PUT', '/v1/types/orders/pipeline', { token: key, body: pipeline });
  assert.equal(put.status, 200);
  assert.deepEqual(put.body, { type: 'orders', changed: true, pipeline });
  const again = await s.call('PUT', '/v1/types/orders/pipeline', { token: key, body: pipeline });
  assert.deepEqual(again.body, { type: 'orders', changed: false, pipeline }, 'the same pipeline again changes nothing');
  assert.deepEqual((await s.call('GET', '/v1/types/orders/pipeline', { token: key })).body, pipeline);
  assert.deepEqual((await s.call('GET', '/v1/types/orders', { token: key })).body.pipeline, pipeline);

  const routed = await s.call('POST', '/v1/events', { token: key, body: { type: 'orders', data: { amount_cents: 5, dest: 'F' } } });
  assert.deepEqual(
    routed.body.results[0].routes.map((r: any) => r.stream),
    ['acme.orders', 'acme.finance'],
  );

  const removed = await s.call('PUT', '/v1/types/orders/pipeline', { token: key, body: {} });
  assert.equal(removed.status, 200);
  assert.deepEqual(removed.body, { type: 'orders', changed: true, pipeline: {} });
  assert.deepEqual((await s.call('GET', '/v1/types/orders/pipeline', { token: key })).body, {});
  assert.equal((await s.call('GET', '/v1/types/orders', { token: key })).body.pipeline, undefined);
  const plain = await s.call('POST', '/v1/events', { token: key, body: { type: 'orders', id: 'plain', data: { amount_cents: 5, dest: 'F' } } });
  assert.equal(plain.body.results[0].stream, 'acme.orders');
  assert.equal(plain.body.results[0].routes, undefined);
  assert.deepEqual((await recordAt(s, key, plain.body.results[0])).data, { amount_cents: 5, dest: 'F' }, 'no steps run any more');

  // The same through PUT /v1/types/{type}: `pipeline` sets it, leaving it out keeps it, null removes it.
  const withPipeline = await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: anyObject, pipeline: { steps: [{ set: { v: 2 } }] } } });
  assert.equal(withPipeline.status, 201);
  assert.deepEqual((await s.call('GET', '/v1/types/orders/pipeline', { token: key })).body, { steps: [{ set: { v: 2 } }] });
  const unchanged = await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: anyObject } });
  assert.equal(unchanged.status, 200);
  assert.deepEqual((await s.call('GET', '/v1/types/orders/pipeline', { token: key })).body, { steps: [{ set: { v: 2 } }] });
  assert.equal((await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: anyObject, pipeline: null } })).status, 201);
  assert.deepEqual((await s.call('GET', '/v1/types/orders/pipeline', { token: key })).body, {});

  const missing = await s.call('PUT', '/v1/types/nope/pipeline', { token: key, body: pipeline });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'not_found');
  assert.equal((await s.call('GET', '/v1/types/nope/pipeline', { token: key })).status, 404);
});

void test('an invalid pipeline answers 400 invalid_pipeline with a detail per problem, and nothing is stored', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await putType(s, key, 'orders');
  await putType(s, key, 'finance');
  await putPipeline(s, key, 'orders', { steps: [{ set: { v: 1 } }] });

  const bad = await s.call('PUT', '/v1/types/orders/pipeline', {
    token: key,
    body: {
      steps: [{ set: { v: 2 } }, { renam: { a: 'b' } }],
      filter: { data: { total: { numeric: ['>', 5] }, country: 'DE' } },
      route: { rules: [{ pattern: { data: { amount: [{ numeric: ['>', 'lots'] }] } }, to: 'finance' }] },
    },
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'invalid_pipeline');
  assert.equal(typeof bad.body.error.fix, 'string');
  const paths = bad.body.error.details.map((d: any) => d.path);
  assert.deepEqual(paths, ['/steps/1/renam', '/filter/data/country', '/route/rules/0/pattern/data/amount/0/numeric/1']);
  assert.match(bad.body.error.details[0].reason, /unknown step "renam"/);

  const missingTarget = await s.call('PUT', '/v1/types/orders/pipeline', {
    token: key,
    body: { route: { field: 'dest', map: { F: 'finance', X: 'nowhere' } } },
  });
  assert.equal(missingTarget.status, 400);
  assert.equal(missingTarget.body.error.code, 'invalid_pipeline');
  assert.deepEqual(missingTarget.body.error.details, [{ path: '/route', reason: 'register event type "nowhere" first' }]);

  const notAnObject = await s.call('PUT', '/v1/types/orders/pipeline', { token: key, raw: '["steps"]' });
  assert.equal(notAnObject.status, 400);

  assert.deepEqual((await s.call('GET', '/v1/types/orders/pipeline', { token: key })).body, { steps: [{ set: { v: 1 } }] }, 'the old pipeline is untouched');

  // PUT /v1/types with a bad pipeline creates nothing.
  const newType = await s.call('PUT', '/v1/types/fresh', { token: key, body: { schema: anyObject, pipeline: { steps: [{ hash: 'ip' }] } } });
  assert.equal(newType.status, 400);
  assert.equal(newType.body.error.code, 'invalid_pipeline');
  assert.ok(newType.body.error.details[0].path.startsWith('/steps/0/hash'), JSON.stringify(newType.body.error.details));
  assert.equal((await s.call('GET', '/v1/types/fresh', { token: key })).status, 404);
});

void test('POST /pipeline/test says what each sample becomes and stores nothing; a draft pipeline is tried without being saved', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await putType(s, key, 'finance');
  await putType(s, key, 'marketing');
  await putType(s, key, 'orders', {
    schema: { type: 'object', required: ['amount'], properties: { amount: { type: 'number' } } },
    pipeline: {
      steps: [{ convert: { shipped: { from: 'epoch-seconds', to: 'iso8601', optional: true } } }],
      filter: { data: { amount: [{ numeric: ['>', 0] }] } },
      route: { field: 'dest', map: { F: 'finance' } },
    },
  });
  const streams = ['acme.orders', 'acme.finance', 'acme.marketing', 'acme._dead'];
  const before = await Promise.all(streams.map((stream) => endOffsets(s, key, stream)));

  const samples = [
    { data: { amount: 10, dest: 'F', shipped: 1700000000 }, key: 'k-1' },
    { data: { amount: 0, dest: 'F' } },
    { data: { amount: 10, dest: 'F', shipped: 'soon' } },
    { data: { amount: 10, dest: 'M' } },
    { data: { amount: 'ten', dest: 'F' } },
    'not an event',
  ];
  const tested = await s.call('POST', '/v1/types/orders/pipeline/test', { token: key, body: { events: samples } });
  assert.equal(tested.status, 200, JSON.stringify(tested.body));
  const results = tested.body.results;
  assert.deepEqual(
    results.map((r: any) => [r.index, r.outcome]),
    [
      [0, 'accepted'],
      [1, 'filtered'],
      [2, 'dead-letter'],
      [3, 'dead-letter'],
      [4, 'dead-letter'],
      [5, 'dead-letter'],
    ],
  );
  assert.deepEqual(results[0].outputs, [{ stream: 'acme.finance', key: 'k-1', data: { amount: 10, dest: 'F', shipped: '2023-11-14T22:13:20.000Z' } }]);
  assert.equal(results[2].error.code, 'transform_failed');
  assert.equal(results[2].error.stage, 'transform');
  assert.equal(results[2].error.details[0].path, '/shipped');
  assert.deepEqual([results[3].error.code, results[3].error.stage], ['no_route', 'transform']);
  assert.deepEqual([results[4].error.code, results[4].error.stage], ['schema_validation_failed', 'ingest']);
  assert.equal(results[4].error.details[0].path, '/amount');
  assert.equal(results[5].error.stage, 'ingest');

  // A draft: route M to marketing too, and no filter.
  const draft = { route: { field: 'dest', map: { F: 'finance', M: ['marketing', 'finance'] } } };
  const drafted = await s.call('POST', '/v1/types/orders/pipeline/test', { token: key, body: { events: samples.slice(1, 4), pipeline: draft } });
  assert.equal(drafted.status, 200, JSON.stringify(drafted.body));
  assert.deepEqual(
    drafted.body.results.map((r: any) => [r.index, r.outcome, r.outputs?.map((o: any) => o.stream)]),
    [
      [0, 'accepted', ['acme.finance']],
      [1, 'accepted', ['acme.finance']],
      [2, 'accepted', ['acme.marketing', 'acme.finance']],
    ],
  );
  assert.equal(drafted.body.results[1].outputs[0].data.shipped, 'soon', 'the draft has no convert step');

  const badDraft = await s.call('POST', '/v1/types/orders/pipeline/test', {
    token: key,
    body: { events: [{ data: {} }], pipeline: { route: { field: 'dest', map: { F: 'ghost' } } } },
  });
  assert.equal(badDraft.status, 400);
  assert.equal(badDraft.body.error.code, 'invalid_pipeline');
  const none = await s.call('POST', '/v1/types/orders/pipeline/test', { token: key, body: { events: [] } });
  assert.equal(none.status, 400);
  const unknown = await s.call('POST', '/v1/types/ghost/pipeline/test', { token: key, body: { events: [{ data: {} }] } });
  assert.equal(unknown.status, 404);

  assert.deepEqual(await Promise.all(streams.map((stream) => endOffsets(s, key, stream))), before, 'no stream grew');
  assert.deepEqual((await s.call('GET', '/v1/dead-letters?status=all', { token: key })).body.items, []);
  assert.equal((await s.call('GET', '/v1/types/orders/pipeline', { token: key })).body.route.map.M, undefined, 'the draft was not saved');
});

void test('a filter that does not match drops events: counted as filtered in the answer and in /metrics, neither stored nor dead-lettered', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await putType(s, key, 'clicks', {
    schema: anyObject,
    pipeline: { filter: { $or: [{ subject: [{ prefix: 'eu/' }] }, { data: { country: ['NL', 'BE'] } }] } },
  });

  const sent = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'clicks', id: 'c-nl', data: { country: 'NL' } },
      { type: 'clicks', id: 'c-us', data: { country: 'US' } },
      { type: 'clicks', id: 'c-eu', subject: 'eu/paris', data: { country: 'FR' } },
      { type: 'clicks', data: { country: 'DE' } },
    ],
  });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  assert.deepEqual([sent.body.accepted, sent.body.rejected, sent.body.filtered], [2, 0, 2]);
  assert.deepEqual(sent.body.results[1], { id: 'c-us', filtered: true });
  assert.equal(sent.body.results[3].filtered, true);
  assert.equal(typeof sent.body.results[3].id, 'string');

  assert.deepEqual((await readStream(s, key, 'acme.clicks')).map((r) => r.id).sort(), ['c-eu', 'c-nl']);
  assert.deepEqual((await s.call('GET', '/v1/dead-letters?status=all', { token: key })).body.items, []);

  const allFiltered = await s.call('POST', '/v1/events', { token: key, body: { type: 'clicks', data: { country: 'JP' } } });
  assert.equal(allFiltered.status, 200);
  assert.deepEqual([allFiltered.body.accepted, allFiltered.body.rejected, allFiltered.body.filtered], [0, 0, 1]);

  const metrics = await s.call('GET', '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.body, /^sluice_events_filtered_total\{tenant="acme",type="clicks"\} 3$/m);
  assert.match(metrics.body, /^sluice_events_accepted_total\{tenant="acme",type="clicks"\} 2$/m);
  assert.doesNotMatch(metrics.body, /^sluice_events_dead_lettered_total\{tenant="acme",type="clicks"\}/m);
  assert.equal((await s.call('GET', '/metrics', { token: key })).status, 403, 'metrics need the admin token');
});

void test('redrive: a no_route dead letter moves to the routed stream once the route is fixed', async (t) => {
  const { s, key } = await routingWorld(t);
  await putType(s, key, 'hr');
  const sent = await s.call('POST', '/v1/events', { token: key, body: { type: 'orders', id: 'o-hr', key: 'emp-1', data: { destination_service_type: 'HR' } } });
  assert.equal(sent.status, 400);
  const deadOffset = sent.body.results[0].deadLetter.offset as number;

  const early = await s.call('POST', '/v1/dead-letters/redrive', { token: key, body: { code: 'no_route' } });
  assert.equal(early.body.redriven, 0);
  assert.equal(early.body.results[0].error.code, 'no_route');

  await putPipeline(s, key, 'orders', { route: { field: 'destination_service_type', map: { ...byDestination.map, HR: 'hr' } } });
  const redrive = await s.call('POST', '/v1/dead-letters/redrive', { token: key, body: { code: 'no_route' } });
  assert.equal(redrive.status, 200);
  assert.equal(redrive.body.redriven, 1, JSON.stringify(redrive.body));
  const [result] = redrive.body.results;
  assert.deepEqual([result.offset, result.status, result.stream], [deadOffset, 'redriven', 'acme.hr']);

  const records = await readStream(s, key, 'acme.hr');
  assert.deepEqual(
    records.map((r) => [r.id, r.key, r.partition, r.offset, r.data]),
    [['o-hr', 'emp-1', result.partition, result.recordOffset, { destination_service_type: 'HR' }]],
  );
  assert.deepEqual(await readStream(s, key, 'acme.orders'), []);
  assert.deepEqual((await s.call('GET', '/v1/dead-letters', { token: key })).body.items, [], 'nothing pending');

  const again = await s.call('POST', '/v1/dead-letters/redrive', { token: key, body: { offsets: [deadOffset] } });
  assert.equal(again.body.results[0].status, 'skipped');
  assert.equal((await readStream(s, key, 'acme.hr')).length, 1);
});

void test('redrive of a dead letter routed to two streams stores it in both', async (t) => {
  const { s, key } = await routingWorld(t);
  const sent = await s.call('POST', '/v1/events', { token: key, body: { type: 'orders', id: 'o-both', data: { destination_service_type: 'BOTH' } } });
  assert.equal(sent.body.results[0].error.code, 'no_route');
  await putPipeline(s, key, 'orders', { route: { field: 'destination_service_type', map: { BOTH: ['finance', 'marketing'] } } });
  const redrive = await s.call('POST', '/v1/dead-letters/redrive', { token: key, body: {} });
  assert.equal(redrive.body.redriven, 1, JSON.stringify(redrive.body));
  assert.deepEqual(
    (await readStream(s, key, 'acme.finance')).map((r) => r.id),
    ['o-both'],
  );
  assert.deepEqual(
    (await readStream(s, key, 'acme.marketing')).map((r) => r.id),
    ['o-both'],
  );
});

void test('hashes of one ip are equal within a tenant and differ between tenants (per-tenant salt)', async (t) => {
  const s = await startSluice(t);
  const hashes: Record<string, string[]> = {};
  for (const tenant of ['acme', 'globex']) {
    const key = await s.tenantWithKey(tenant);
    await putType(s, key, 'visits', { schema: anyObject, pipeline: { steps: [{ hash: ['ip', 'port'] }] } });
    const sent = await s.call('POST', '/v1/events', {
      token: key,
      body: [
        { type: 'visits', id: 'v-1', data: { ip: rawIp, port: 443 } },
        { type: 'visits', id: 'v-2', data: { ip: rawIp, port: '443' } },
        { type: 'visits', id: 'v-3', data: { ip: '198.51.100.1', port: 80 } },
      ],
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const records = await readStream(s, key, `${tenant}.visits`);
    const byId: Record<string, any> = Object.fromEntries(records.map((r) => [r.id, r.data]));
    for (const data of Object.values(byId)) {
      assert.match(data.ip, sha256Hex);
      assert.match(data.port, sha256Hex);
    }
    assert.equal(byId['v-1'].ip, byId['v-2'].ip, 'the same ip hashes alike within a tenant');
    assert.equal(byId['v-1'].port, byId['v-2'].port, 'a number hashes as its text');
    assert.notEqual(byId['v-1'].ip, byId['v-3'].ip);
    hashes[tenant] = [byId['v-1'].ip, byId['v-3'].ip];

    // The hash survives a pipeline change: the salt belongs to the tenant, not the pipeline.
    await putPipeline(s, key, 'visits', { steps: [{ hash: ['ip'] }, { set: { v: 2 } }] });
    const later = await s.call('POST', '/v1/events', { token: key, body: { type: 'visits', data: { ip: rawIp } } });
    assert.equal((await recordAt(s, key, later.body.results[0])).data.ip, byId['v-1'].ip);
  }
  assert.notEqual(hashes.acme![0], hashes.globex![0], 'the same ip hashes differently for another tenant');
  assert.notEqual(hashes.acme![1], hashes.globex![1]);

  // The salt is kept in the catalog and never returned by the API.
  const salt = s.sluice.store.catalog.get('tenant-secret', 'acme')?.value.salt;
  assert.ok(typeof salt === 'string' && salt.length >= 16, 'acme has a salt');
  const acmeKey = (await s.call('POST', '/v1/tenants/acme/keys', { body: { scopes: ['consume', 'manage'] } })).body.key as string;
  for (const [path, token] of [
    ['/v1/types', acmeKey],
    ['/v1/types/visits', acmeKey],
    ['/v1/types/visits/pipeline', acmeKey],
    ['/v1/tenants/acme', adminToken],
  ] as const) {
    const answer = await s.call('GET', path, { token });
    assert.equal(answer.status, 200, path);
    assert.ok(!JSON.stringify(answer.body).includes(salt), `${path} does not show the salt`);
  }
  const tested = await s.call('POST', '/v1/types/visits/pipeline/test', { token: acmeKey, body: { events: [{ data: { ip: rawIp } }] } });
  assert.ok(!JSON.stringify(tested.body).includes(salt));
  assert.equal(tested.body.results[0].outputs[0].data.ip, hashes.acme![0], "the test route uses the tenant's salt");
});

void test("a route can never reach another tenant's type: it is refused like a missing one, and routing stays in the tenant", async (t) => {
  const s = await startSluice(t);
  const acme = await s.tenantWithKey('acme');
  const globex = await s.tenantWithKey('globex');
  await putType(s, globex, 'finance');
  await putType(s, acme, 'orders');

  const foreign = await s.call('PUT', '/v1/types/orders/pipeline', { token: acme, body: { route: { rules: [{ pattern: {}, to: 'finance' }] } } });
  const missing = await s.call('PUT', '/v1/types/orders/pipeline', { token: acme, body: { route: { rules: [{ pattern: {}, to: 'nosuch' }] } } });
  assert.equal(foreign.status, 400);
  assert.equal(foreign.body.error.code, 'invalid_pipeline');
  assert.equal(
    JSON.stringify(foreign.body).replaceAll('finance', 'NAME'),
    JSON.stringify(missing.body).replaceAll('nosuch', 'NAME'),
    'a foreign type looks exactly like a missing one',
  );

  // A stream name is not a type name of this tenant either.
  const byStream = await s.call('PUT', '/v1/types/orders/pipeline', { token: acme, body: { route: { rules: [{ pattern: {}, to: 'globex.finance' }] } } });
  assert.equal(byStream.status, 400);
  assert.equal(byStream.body.error.code, 'invalid_pipeline');
  const draft = await s.call('POST', '/v1/types/orders/pipeline/test', {
    token: acme,
    body: { events: [{ data: {} }], pipeline: { route: { rules: [{ pattern: {}, to: 'finance' }] } } },
  });
  assert.equal(draft.status, 400);

  // Once acme has its own finance, routes go there and never to globex's.
  await putType(s, acme, 'finance');
  await putPipeline(s, acme, 'orders', { route: { rules: [{ pattern: {}, to: 'finance' }] } });
  const sent = await s.call('POST', '/v1/events', { token: acme, body: { type: 'orders', id: 'a-1', data: { secret: 'acme-only' } } });
  assert.equal(sent.body.results[0].stream, 'acme.finance');
  assert.deepEqual(
    (await readStream(s, acme, 'acme.finance')).map((r) => r.id),
    ['a-1'],
  );
  assert.deepEqual(await readStream(s, globex, 'globex.finance'), []);
  assert.equal((await s.call('GET', '/v1/streams/globex.finance', { token: acme })).status, 404);

  // globex routing to "orders" names its own (missing) type, not acme's.
  const back = await s.call('PUT', '/v1/types/finance/pipeline', { token: globex, body: { route: { rules: [{ pattern: {}, to: 'orders' }] } } });
  assert.equal(back.status, 400);
  assert.deepEqual(back.body.error.details, [{ path: '/route', reason: 'register event type "orders" first' }]);
});

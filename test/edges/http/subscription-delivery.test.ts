import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { startReceiver, type ReceivedRequest } from '../../helpers/receiver.ts';
import { startSluice, type TestSluice } from '../../helpers/sluice.ts';

async function setup(t: Parameters<typeof startSluice>[0]): Promise<{ s: TestSluice; key: string }> {
  const s = await startSluice(t, { delivery: { allowPrivateNetworks: true } });
  const key = await s.tenantWithKey('acme');
  const type = await s.call('PUT', '/v1/types/orders', {
    token: key,
    body: { schema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } }, partitions: 2 },
  });
  assert.equal(type.status, 201, JSON.stringify(type.body));
  return { s, key };
}

async function subscribe(s: TestSluice, key: string, name: string, definition: Record<string, unknown>): Promise<any> {
  const response = await s.call('PUT', `/v1/subscriptions/${name}`, { token: key, body: { types: ['orders'], start: 'earliest', ...definition } });
  assert.ok(response.status === 201 || response.status === 200, JSON.stringify(response.body));
  return response.body;
}

async function produce(s: TestSluice, key: string, events: { n: number; key?: string; bad?: boolean }[]): Promise<void> {
  const response = await s.call('POST', '/v1/events', {
    token: key,
    body: events.map((e) => ({ type: 'orders', ...(e.key === undefined ? {} : { key: e.key }), data: e.bad === true ? { n: 'x' } : { n: e.n } })),
  });
  assert.ok([200, 207].includes(response.status) || (response.status === 400 && events.every((e) => e.bad === true)), JSON.stringify(response.body));
}

const ns = (requests: ReceivedRequest[]): number[] => requests.map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n);

void test('records are pushed as signed CloudEvents, in order per key, and the signature verifies with standardwebhooks', async (t) => {
  const { s, key } = await setup(t);
  const receiver = await startReceiver(t);
  const created = await subscribe(s, key, 'all-orders', {
    destination: { kind: 'webhook', url: receiver.url, headers: { authorization: 'Bearer hook-token' } },
  });
  assert.match(created.secret, /^whsec_/);
  const events = Array.from({ length: 40 }, (_, n) => ({ n, key: `k${n % 4}` }));
  await produce(s, key, events);
  await receiver.until((r) => r.length >= 40);
  const webhook = new Webhook(created.secret);
  for (const request of receiver.requests) {
    assert.equal(request.headers['content-type'], 'application/cloudevents+json');
    assert.equal(request.headers.authorization, 'Bearer hook-token');
    const event = webhook.verify(request.body, request.headers as Record<string, string>) as {
      specversion: string;
      type: string;
      partitionkey: string;
      data: { n: number };
    };
    assert.equal(event.specversion, '1.0');
    assert.equal(event.type, 'orders');
  }
  for (let k = 0; k < 4; k++) {
    const ofKey = receiver.requests.filter((r) => (JSON.parse(r.body) as { partitionkey: string }).partitionkey === `k${k}`);
    assert.deepEqual(
      ns(ofKey),
      events.filter((e) => e.key === `k${k}`).map((e) => e.n),
      `key k${k} in order`,
    );
  }
  assert.equal(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size, 40, 'one message id per record');
  const status = await s.call('GET', '/v1/subscriptions/all-orders', { token: key });
  assert.equal(status.status, 200);
  await until(async () => {
    const now = await s.call('GET', '/v1/subscriptions/all-orders', { token: key });
    return now.body.partitions.every((p: { lag: number }) => p.lag === 0);
  });
  assert.equal(status.body.secrets[0].hint.startsWith('whsec_'), true);
  assert.equal(JSON.stringify(status.body).includes(created.secret), false, 'the secret is not shown again');
});

void test('a failing record is retried while its key waits and other keys go on; then it arrives', async (t) => {
  const { s, key } = await setup(t);
  let failuresLeft = 2;
  const receiver = await startReceiver(t, (request, res) => {
    const event = JSON.parse(request.body) as { data: { n: number } };
    if (event.data.n === 0 && failuresLeft > 0) {
      failuresLeft--;
      res.statusCode = 500;
      res.end('database down');
      return;
    }
    res.end();
  });
  await subscribe(s, key, 'retrying', { destination: { url: receiver.url }, delivery: { retrySchedule: ['300ms', '300ms', '300ms'], maxInFlight: 4 } });
  // Same partition for both keys? Not guaranteed; ordering holds per key either way.
  await produce(s, key, [
    { n: 0, key: 'a' },
    { n: 1, key: 'a' },
    { n: 2, key: 'b' },
    { n: 3, key: 'b' },
  ]);
  await receiver.until((r) => ns(r).filter((n) => n === 0).length === 3 && ns(r).includes(1));
  const order = ns(receiver.requests);
  assert.ok(order.indexOf(2) < order.lastIndexOf(0), 'key b was not held up by key a');
  assert.ok(order.indexOf(1) > order.lastIndexOf(0), "key a's second record waited for the first");
  const deliveries = await s.call('GET', '/v1/subscriptions/retrying/deliveries', { token: key });
  assert.equal(deliveries.status, 200);
  const failed = deliveries.body.items.filter((d: { outcome: string }) => d.outcome === 'failed');
  assert.equal(failed.length, 2);
  assert.equal(failed[0].status, 500);
  assert.equal(failed[0].response, 'database down');
  assert.ok(failed[0].nextAttemptAt !== undefined);
});

void test('429 with Retry-After is honoured', async (t) => {
  const { s, key } = await setup(t);
  let first = true;
  const receiver = await startReceiver(t, (_, res) => {
    if (first) {
      first = false;
      res.writeHead(429, { 'retry-after': '1' }).end();
      return;
    }
    res.end();
  });
  await subscribe(s, key, 'limited', { destination: { url: receiver.url }, delivery: { retrySchedule: ['50ms', '5s'] } });
  await produce(s, key, [{ n: 1, key: 'a' }]);
  await receiver.until((r) => r.length === 2);
  const gap = receiver.requests[1]!.at - receiver.requests[0]!.at;
  assert.ok(gap >= 900, `waited ${gap} ms, as Retry-After asked, not the 50 ms of the schedule`);
});

void test('410 Gone disables the subscription with the reason; resume delivers the record', async (t) => {
  const { s, key } = await setup(t);
  let gone = true;
  const receiver = await startReceiver(t, (_, res) => {
    res.statusCode = gone ? 410 : 200;
    res.end();
  });
  await subscribe(s, key, 'gone', { destination: { url: receiver.url } });
  await produce(s, key, [{ n: 7, key: 'a' }]);
  await receiver.until((r) => r.length === 1);
  await until(async () => (await s.call('GET', '/v1/subscriptions/gone', { token: key })).body.state === 'disabled');
  const disabled = await s.call('GET', '/v1/subscriptions/gone', { token: key });
  assert.match(disabled.body.disabledReason, /410/);
  gone = false;
  const resumed = await s.call('POST', '/v1/subscriptions/gone/resume', { token: key });
  assert.equal(resumed.body.state, 'active');
  await receiver.until((r) => r.length === 2);
  assert.deepEqual(ns(receiver.requests), [7, 7]);
});

void test('an endpoint failing everything for disableAfter is disabled automatically', async (t) => {
  const { s, key } = await setup(t);
  const receiver = await startReceiver(t, (_, res) => {
    res.statusCode = 502;
    res.end();
  });
  await subscribe(s, key, 'broken', {
    destination: { url: receiver.url },
    delivery: { retrySchedule: Array.from({ length: 20 }, () => '200ms'), disableAfter: '1s' },
  });
  await produce(s, key, [{ n: 1, key: 'a' }]);
  await until(async () => (await s.call('GET', '/v1/subscriptions/broken', { token: key })).body.state === 'disabled', 10_000);
  const view = await s.call('GET', '/v1/subscriptions/broken', { token: key });
  assert.match(view.body.disabledReason, /every delivery failed since/);
  const count = receiver.requests.length;
  await sleep(600);
  assert.equal(receiver.requests.length, count, 'a disabled subscription sends nothing');
  receiver.respond((_, res) => res.end());
  assert.equal((await s.call('POST', '/v1/subscriptions/broken/resume', { token: key })).body.state, 'active');
  await receiver.until((r) => r.length === count + 1);
  assert.equal((await s.call('GET', '/v1/subscriptions/broken', { token: key })).body.state, 'active');
});

void test('after the last attempt the record becomes a delivery dead letter; redrive sends it again to the same subscription', async (t) => {
  const { s, key } = await setup(t);
  let fail = true;
  const receiver = await startReceiver(t, (_, res) => {
    res.statusCode = fail ? 500 : 204;
    res.end(fail ? 'nope' : '');
  });
  await subscribe(s, key, 'dl', { destination: { url: receiver.url }, delivery: { retrySchedule: ['100ms'] } });
  await produce(s, key, [
    { n: 1, key: 'a' },
    { n: 2, key: 'a' },
  ]);
  await until(async () => (await s.call('GET', '/v1/dead-letters?code=delivery_failed', { token: key })).body.items?.length === 2);
  const listed = await s.call('GET', '/v1/dead-letters?code=delivery_failed', { token: key });
  const dead = listed.body.items[0];
  assert.equal(dead.stage, 'delivery');
  assert.equal(dead.delivery.subscription, 'dl');
  assert.equal(dead.delivery.attempts.length, 2);
  assert.equal(dead.delivery.attempts[0].status, 500);
  assert.equal((JSON.parse(dead.original) as { data: { n: number } }).data.n, 1);
  fail = false;
  const before = receiver.requests.length;
  const redriven = await s.call('POST', '/v1/dead-letters/redrive', { token: key, body: { code: 'delivery_failed' } });
  assert.equal(redriven.status, 200, JSON.stringify(redriven.body));
  assert.equal(redriven.body.redriven, 2, JSON.stringify(redriven.body));
  assert.equal(receiver.requests.length, before + 2);
  assert.deepEqual(ns(receiver.requests.slice(before)), [1, 2]);
});

void test('a filter picks records; pause holds delivery and resume catches up; replay delivers again', async (t) => {
  const { s, key } = await setup(t);
  const receiver = await startReceiver(t);
  await subscribe(s, key, 'big', { destination: { url: receiver.url }, filter: { data: { n: [{ numeric: ['>=', 50] }] } } });
  await produce(
    s,
    key,
    [10, 60, 20, 70].map((n) => ({ n, key: 'a' })),
  );
  await receiver.until((r) => r.length === 2);
  assert.deepEqual(ns(receiver.requests), [60, 70]);

  assert.equal((await s.call('POST', '/v1/subscriptions/big/pause', { token: key })).body.state, 'paused');
  await sleep(300);
  await produce(s, key, [{ n: 80, key: 'a' }]);
  await sleep(500);
  assert.equal(receiver.requests.length, 2, 'paused: nothing sent');
  await s.call('POST', '/v1/subscriptions/big/resume', { token: key });
  await receiver.until((r) => r.length === 3);

  const replay = await s.call('POST', '/v1/subscriptions/big/replay', { token: key, body: { from: 'earliest' } });
  assert.equal(replay.status, 200, JSON.stringify(replay.body));
  await receiver.until((r) => r.length === 6);
  assert.deepEqual(ns(receiver.requests), [60, 70, 80, 60, 70, 80]);
});

void test('batches carry several records as a CloudEvents batch; binary mode puts attributes in headers', async (t) => {
  const { s, key } = await setup(t);
  const batches = await startReceiver(t);
  const binary = await startReceiver(t);
  await subscribe(s, key, 'batched', { destination: { url: batches.url }, delivery: { batchSize: 50 } });
  await subscribe(s, key, 'binary', { destination: { url: binary.url, mode: 'binary' } });
  await produce(
    s,
    key,
    Array.from({ length: 30 }, (_, n) => ({ n, key: `k${n % 3}` })),
  );
  await batches.until((r) => r.reduce((sum, req) => sum + (JSON.parse(req.body) as unknown[]).length, 0) === 30);
  assert.ok(batches.requests.length < 30, `${batches.requests.length} requests for 30 records`);
  assert.equal(batches.requests[0]!.headers['content-type'], 'application/cloudevents-batch+json');
  await binary.until((r) => r.length === 30);
  const one = binary.requests[0]!;
  assert.equal(one.headers['ce-specversion'], '1.0');
  assert.equal(one.headers['ce-type'], 'orders');
  assert.equal(one.headers['content-type'], 'application/json');
  assert.equal(typeof (JSON.parse(one.body) as { n: number }).n, 'number');
});

void test('a subscription to the dead letters receives invalid events', async (t) => {
  const { s, key } = await setup(t);
  const receiver = await startReceiver(t);
  await subscribe(s, key, 'dead', { types: ['_dead'], destination: { url: receiver.url } });
  await produce(s, key, [{ n: 1, bad: true }]);
  await receiver.until((r) => r.length === 1);
  const event = JSON.parse(receiver.requests[0]!.body) as { data: { stage: string; code: string } };
  assert.equal(event.data.stage, 'ingest');
  assert.equal(event.data.code, 'schema_validation_failed');
});

void test('delivery starts within milliseconds of the append', async (t) => {
  const { s, key } = await setup(t);
  const receiver = await startReceiver(t);
  await subscribe(s, key, 'fast', { destination: { url: receiver.url }, start: 'latest' });
  await sleep(300);
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const sent = Date.now();
    await produce(s, key, [{ n: i, key: 'a' }]);
    await receiver.until((r) => r.length === i + 1);
    latencies.push(receiver.requests[i]!.at - sent);
  }
  latencies.sort((a, b) => a - b);
  // Generous bound: the point is that no 500 ms poll sits between append and delivery.
  assert.ok(latencies[10]! < 100, `median ${latencies[10]} ms`);
});

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail('condition not met in time');
}

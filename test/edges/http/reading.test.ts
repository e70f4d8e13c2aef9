import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { startSluice, type TestSluice } from '../../helpers/sluice.ts';

async function produce(s: TestSluice, key: string, events: unknown[]): Promise<any> {
  const response = await s.call('POST', '/v1/events', { token: key, body: events });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

const logs = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ type: 'logs', data: { n: from + i } }));

void test("GET /v1/streams lists the tenant's own streams only", async (t) => {
  const s = await startSluice(t);
  const acme = await s.tenantWithKey('acme');
  const globex = await s.tenantWithKey('globex');
  await s.call('PUT', '/v1/types/logs', { token: acme, body: { schema: true, partitions: 2 } });
  await s.call('PUT', '/v1/types/clicks', { token: acme, body: { schema: true } });
  await s.call('PUT', '/v1/types/logs', { token: globex, body: { schema: true } });

  const mine = await s.call('GET', '/v1/streams', { token: acme });
  assert.equal(mine.status, 200);
  assert.deepEqual(
    mine.body.items.map((stream: { name: string }) => stream.name),
    ['acme._dead', 'acme.clicks', 'acme.logs'],
  );
  const theirs = await s.call('GET', '/v1/streams', { token: globex });
  assert.deepEqual(
    theirs.body.items.map((stream: { name: string }) => stream.name),
    ['globex._dead', 'globex.logs'],
  );
});

void test('GET /v1/streams/{s} shows partitions and end offsets', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/logs', { token: key, body: { schema: true, partitions: 3 } });
  const empty = await s.call('GET', '/v1/streams/acme.logs', { token: key });
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.body, { name: 'acme.logs', partitions: 3, startOffsets: [0, 0, 0], endOffsets: [0, 0, 0] });

  await produce(s, key, [
    { type: 'logs', key: 'a', data: 1 },
    { type: 'logs', key: 'a', data: 2 },
    { type: 'logs', key: 'b', data: 3 },
  ]);
  const after = await s.call('GET', '/v1/streams/acme.logs', { token: key });
  const total = after.body.endOffsets.reduce((sum: number, n: number) => sum + n, 0);
  assert.equal(total, 3);

  const missing = await s.call('GET', '/v1/streams/acme.nothing', { token: key });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'not_found');
});

void test('events are read by partition, offset and limit, with `next` to continue', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/logs', { token: key, body: { schema: true, partitions: 1 } });
  await produce(s, key, logs(0, 25));

  const seen: number[] = [];
  let from = 0;
  for (let page = 0; page < 10; page++) {
    const response = await s.call('GET', `/v1/streams/acme.logs/events?partition=0&from=${from}&limit=10`, { token: key });
    assert.equal(response.status, 200);
    if (response.body.items.length === 0) {
      assert.equal(response.body.next, from);
      break;
    }
    assert.ok(response.body.items.length <= 10);
    response.body.items.forEach((item: { offset: number; data: { n: number } }, i: number) => {
      assert.equal(item.offset, from + i);
      seen.push(item.data.n);
    });
    assert.equal(response.body.next, from + response.body.items.length);
    from = response.body.next;
  }
  assert.deepEqual(
    seen,
    Array.from({ length: 25 }, (_, i) => i),
  );

  const middle = await s.call('GET', '/v1/streams/acme.logs/events?from=12&limit=2', { token: key });
  assert.deepEqual(
    middle.body.items.map((item: { offset: number }) => item.offset),
    [12, 13],
  );
  const latest = await s.call('GET', '/v1/streams/acme.logs/events?from=latest', { token: key });
  assert.deepEqual(latest.body, { items: [], next: 25 });
  const earliest = await s.call('GET', '/v1/streams/acme.logs/events?from=earliest&limit=1', { token: key });
  assert.equal(earliest.body.items[0].offset, 0);

  const badPartition = await s.call('GET', '/v1/streams/acme.logs/events?partition=1', { token: key });
  assert.equal(badPartition.status, 400);
  assert.equal(badPartition.body.error.code, 'invalid_request');
  const badLimit = await s.call('GET', '/v1/streams/acme.logs/events?limit=5000', { token: key });
  assert.equal(badLimit.status, 400);
  const badFrom = await s.call('GET', '/v1/streams/acme.logs/events?from=soon', { token: key });
  assert.equal(badFrom.status, 400);
  assert.equal(badFrom.body.error.code, 'invalid_position');
});

void test('a long-poll waits and answers as soon as an event is produced', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/logs', { token: key, body: { schema: true, partitions: 1 } });
  await produce(s, key, logs(0, 2));

  let settled = false;
  const poll = s.call('GET', '/v1/streams/acme.logs/events?partition=0&from=2&waitMs=20000', { token: key }).finally(() => (settled = true));
  await sleep(200);
  assert.equal(settled, false, 'with nothing new the long-poll is still waiting');
  await produce(s, key, [{ type: 'logs', data: { n: 'late' } }]);
  const response = await poll;
  assert.equal(response.status, 200);
  assert.equal(response.body.items.length, 1);
  assert.equal(response.body.items[0].offset, 2);
  assert.deepEqual(response.body.items[0].data, { n: 'late' });
  assert.equal(response.body.next, 3);

  // With data already there, waitMs does not delay the answer: it returns what exists.
  const immediate = await s.call('GET', '/v1/streams/acme.logs/events?from=0&waitMs=20000', { token: key });
  assert.equal(immediate.body.items.length, 3);
});

void test('from=<RFC 3339 time> starts at the first record received at or after that time', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/logs', { token: key, body: { schema: true, partitions: 1 } });
  await produce(s, key, logs(0, 3));
  await sleep(20);
  const boundary = new Date().toISOString();
  await sleep(20);
  await produce(s, key, logs(3, 5));

  const fromTime = await s.call('GET', `/v1/streams/acme.logs/events?from=${encodeURIComponent(boundary)}`, { token: key });
  assert.equal(fromTime.status, 200);
  assert.deepEqual(
    fromTime.body.items.map((item: { data: { n: number } }) => item.data.n),
    [3, 4],
  );
  assert.ok(fromTime.body.items.every((item: { receivedAt: string }) => item.receivedAt >= boundary));

  const fromPast = await s.call('GET', `/v1/streams/acme.logs/events?from=${encodeURIComponent('2000-01-01T00:00:00+02:00')}`, { token: key });
  assert.equal(fromPast.body.items.length, 5);
  const fromFuture = await s.call('GET', `/v1/streams/acme.logs/events?from=${encodeURIComponent('2999-01-01T00:00:00Z')}`, { token: key });
  assert.deepEqual(fromFuture.body, { items: [], next: 5 });
});

void test('a read without partition covers every partition, each in offset order, paged by one cursor', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  assert.equal(
    (await s.call('PUT', '/v1/types/clicks', { token: key, body: { schema: { type: 'object' }, partitions: 3, partitionKey: '/user' } })).status,
    201,
  );
  const sent = Array.from({ length: 30 }, (_, n) => ({ type: 'clicks', data: { user: `u${n % 7}`, n } }));
  assert.equal((await s.call('POST', '/v1/events', { token: key, body: sent })).status, 200);

  const seen: { partition: number; offset: number; n: number }[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 20; page++) {
    const query = cursor === undefined ? 'limit=7' : `limit=7&cursor=${encodeURIComponent(cursor)}`;
    const read = await s.call('GET', `/v1/streams/acme.clicks/events?${query}`, { token: key });
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(typeof read.body.next, 'string');
    if (read.body.items.length === 0) break;
    assert.ok(read.body.items.length <= 7);
    for (const item of read.body.items as { partition: number; offset: number; data: { n: number } }[])
      seen.push({ partition: item.partition, offset: item.offset, n: item.data.n });
    cursor = read.body.next as string;
  }
  assert.deepEqual(
    seen.map((item) => item.n).sort((a, b) => a - b),
    Array.from({ length: 30 }, (_, n) => n),
    'every event once',
  );
  assert.ok(new Set(seen.map((item) => item.partition)).size > 1, 'from more than one partition');
  for (const partition of [0, 1, 2]) {
    const offsets = seen.filter((item) => item.partition === partition).map((item) => item.offset);
    assert.deepEqual(
      offsets,
      [...offsets].sort((a, b) => a - b),
      `partition ${partition} in offset order`,
    );
  }
  const info = (await s.call('GET', '/v1/streams/acme.clicks', { token: key })).body as { endOffsets: number[] };
  assert.equal(cursor, info.endOffsets.map((offset, partition) => `${partition}:${offset}`).join(','), 'the last cursor is the end of every partition');

  const latest = await s.call('GET', '/v1/streams/acme.clicks/events?from=latest', { token: key });
  assert.deepEqual(latest.body.items, []);
  const offset = await s.call('GET', '/v1/streams/acme.clicks/events?from=3', { token: key });
  assert.equal(offset.status, 400);
  assert.match(offset.body.error.message, /add partition=<0…2>/);
  const badCursor = await s.call('GET', '/v1/streams/acme.clicks/events?cursor=0:1', { token: key });
  assert.equal(badCursor.status, 400);
  assert.equal(badCursor.body.error.code, 'invalid_position');
  // One partition named still reads that one, with an offset as next.
  const one = await s.call('GET', '/v1/streams/acme.clicks/events?partition=1&from=0&limit=1', { token: key });
  assert.equal(typeof one.body.next, 'number');
});

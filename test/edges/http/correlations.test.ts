/**
 * The Faust scenario Sluice replaces: events of five types carry a `transaction`; when all
 * five of one transaction arrived, one aggregate is stored as `Events_Aggregated`; when a
 * transaction is incomplete a timeout after its last event, what it has is stored as
 * `Events_Expired`, on the wall clock, with no traffic after the last event.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { aggregateSchema } from '../../../src/domain/correlations/spec.ts';
import { startSluice, type TestSluice } from '../../helpers/sluice.ts';

export const faustTypes = ['Events-TypeA', 'Events-TypeB', 'Events-TypeC', 'Events-TypeD', 'Events-TypeE'];

export async function faustSetup(s: TestSluice, key: string, timeout = '2s'): Promise<void> {
  for (const type of faustTypes) {
    const answer = await s.call('PUT', `/v1/types/${type}`, {
      token: key,
      body: {
        schema: { type: 'object', required: ['transaction'], properties: { transaction: { type: 'string' }, value: { type: 'number' } } },
        partitionKey: '/transaction',
        partitions: 2,
      },
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
  }
  const schema = aggregateSchema({ types: faustTypes });
  for (const type of ['Events_Aggregated', 'Events_Expired'])
    assert.equal((await s.call('PUT', `/v1/types/${type}`, { token: key, body: { schema } })).status, 201);
  const created = await s.call('PUT', '/v1/correlations/transactions', {
    token: key,
    body: { types: faustTypes, key: '/transaction', timeout, emit: { complete: 'Events_Aggregated', expired: 'Events_Expired' }, start: 'earliest' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
}

async function readAll(
  s: TestSluice,
  key: string,
  stream: string,
): Promise<
  { id: string; key: string; data: { key: string; complete: boolean; events: Record<string, { value: number }>; missing: string[]; count: number } }[]
> {
  const info = await s.call('GET', `/v1/streams/${stream}`, { token: key });
  if (info.status !== 200) return [];
  const items = [];
  for (let partition = 0; partition < info.body.partitions; partition++)
    items.push(...(await s.call('GET', `/v1/streams/${stream}/events?partition=${partition}&from=earliest&limit=1000`, { token: key })).body.items);
  return items;
}

void test('five types in any order: complete transactions aggregated once, incomplete ones expired once on the wall clock', { timeout: 60_000 }, async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('faust');
  await faustSetup(s, key);
  // 20 complete transactions (types in a shuffled order, one duplicate each), 10 with 1–4 types.
  const events: { type: string; id: string; data: { transaction: string; value: number } }[] = [];
  for (let tx = 0; tx < 30; tx++) {
    const count = tx < 20 ? 5 : 1 + (tx % 4);
    const order = [...faustTypes].sort((a, b) => ((a.charCodeAt(11) * (tx + 3)) % 7) - ((b.charCodeAt(11) * (tx + 3)) % 7)).slice(0, count);
    for (const type of order) events.push({ type, id: `${tx}-${type}`, data: { transaction: `tx-${tx}`, value: tx } });
    if (tx < 20) events.push({ ...events.at(-1)! });
  }
  const sent = await s.call('POST', '/v1/events', { token: key, body: events });
  assert.equal(sent.status, 200, JSON.stringify(sent.body).slice(0, 400));
  const sentAt = Date.now();

  let complete = await readAll(s, key, 'faust.Events_Aggregated');
  for (let i = 0; i < 100 && complete.length < 20; i++) {
    await sleep(100);
    complete = await readAll(s, key, 'faust.Events_Aggregated');
  }
  assert.equal(complete.length, 20);
  for (const record of complete) {
    assert.equal(record.data.complete, true);
    assert.deepEqual(Object.keys(record.data.events).sort(), faustTypes);
    assert.deepEqual(record.data.missing, []);
    assert.equal(record.data.count, 5, 'the duplicate is not counted');
    assert.equal(record.key, record.data.key);
  }
  assert.deepEqual(complete.map((r) => r.data.key).sort(), Array.from({ length: 20 }, (_, i) => `tx-${i}`).sort());

  // No traffic after the last event: the expired ones come from the timers (2 s + at most 1 s).
  let expired = await readAll(s, key, 'faust.Events_Expired');
  while (expired.length < 10 && Date.now() - sentAt < 8_000) {
    await sleep(100);
    expired = await readAll(s, key, 'faust.Events_Expired');
  }
  const waited = Date.now() - sentAt;
  assert.equal(expired.length, 10);
  assert.ok(waited < 2_000 + 1_500, `expired within the timeout and a second (${waited} ms)`);
  for (const record of expired) {
    assert.equal(record.data.complete, false);
    assert.ok(record.data.missing.length > 0);
  }
  assert.deepEqual(new Set(expired.map((r) => r.data.key)).size, 10);

  const status = await s.call('GET', '/v1/correlations/transactions', { token: key });
  assert.equal(status.status, 200);
  assert.equal(status.body.counts.complete, 20);
  assert.equal(status.body.counts.expired, 10);
  // The repeated ids were refused by the streams' id index already, before the correlation.
  assert.equal(sent.body.results.filter((r: { duplicate?: boolean }) => r.duplicate === true).length, 20);
  assert.equal(status.body.counts.duplicates, 0);
  assert.equal(status.body.open, 0, 'nothing is waiting any more');
  assert.equal(status.body.runningHere, true);
  const one = await s.call('GET', '/v1/correlations/transactions/instances/tx-25', { token: key });
  assert.equal(one.status, 200);
  assert.equal(one.body.finished.outcome, 'expired');
});

void test('a late event after completion starts a new instance, which expires on its own', { timeout: 30_000 }, async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('late');
  await faustSetup(s, key, '1s');
  const all = faustTypes.map((type) => ({ type, data: { transaction: 'tx-1', value: 1 } }));
  assert.equal((await s.call('POST', '/v1/events', { token: key, body: all })).status, 200);
  assert.equal((await s.call('POST', '/v1/events', { token: key, body: [{ type: faustTypes[0], data: { transaction: 'tx-1', value: 2 } }] })).status, 200);
  let expired = await readAll(s, key, 'late.Events_Expired');
  for (let i = 0; i < 60 && expired.length < 1; i++) {
    await sleep(100);
    expired = await readAll(s, key, 'late.Events_Expired');
  }
  assert.equal(expired.length, 1, 'the late event made a second instance, which expired');
  assert.deepEqual(Object.keys(expired[0]!.data.events), [faustTypes[0]]);
  assert.equal((await readAll(s, key, 'late.Events_Aggregated')).length, 1);
});

void test('definitions are checked: every problem named with invalid_correlation', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('bad');
  const answer = await s.call('PUT', '/v1/correlations/x', {
    token: key,
    body: { types: ['only-one'], timeout: 'soon', emit: { complete: 'nope' }, keep: 'middle' },
  });
  assert.equal(answer.status, 400);
  assert.equal(answer.body.error.code, 'invalid_correlation');
  const paths = (answer.body.error.details as { path: string }[]).map((d) => d.path);
  for (const path of ['/types', '/timeout', '/emit/complete', '/emit/expired', '/keep']) assert.ok(paths.includes(path), `${path} in ${paths.join(', ')}`);
  assert.equal((await s.call('GET', '/v1/correlations/none', { token: key })).status, 404);
});

void test('GET /v1/correlations/{name}/instances lists the open instances a page at a time', { timeout: 30_000 }, async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await faustSetup(s, key, '60s');
  const events = ['t1', 't2', 't3', 't4', 't5'].map((transaction) => ({ type: 'Events-TypeA', data: { transaction, value: 1 } }));
  assert.equal((await s.call('POST', '/v1/events', { token: key, body: events })).status, 200);
  const keys: string[] = [];
  let cursor: string | null = null;
  for (let waited = 0; keys.length < 5 && waited < 10_000; waited += 200) {
    keys.length = 0;
    cursor = null;
    do {
      const page: { status: number; body: { items: { key: string; open: { count: number } }[]; next: string | null } } = await s.call(
        'GET',
        `/v1/correlations/transactions/instances?limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
        { token: key },
      );
      assert.equal(page.status, 200);
      assert.ok(page.body.items.length <= 2);
      for (const item of page.body.items) {
        assert.equal(item.open.count, 1);
        keys.push(item.key);
      }
      cursor = page.body.next;
    } while (cursor !== null);
    if (keys.length < 5) await sleep(200);
  }
  assert.deepEqual(keys.sort(), ['t1', 't2', 't3', 't4', 't5']);
  assert.equal((await s.call('GET', '/v1/correlations/transactions/instances?cursor=nope', { token: key })).status, 400);
});

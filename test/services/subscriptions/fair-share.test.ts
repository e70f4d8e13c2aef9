import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FairShare } from '../../../src/services/subscriptions/fair-share.ts';
import { retryDelay } from '../../../src/services/subscriptions/send.ts';

void test('a busy tenant cannot take every slot: waiting tenants take turns', async () => {
  const share = new FairShare(2, 2);
  const a1 = await share.acquire('a');
  const a2 = await share.acquire('a');
  const order: string[] = [];
  const waiting = [
    share.acquire('a').then((release) => (order.push('a'), release)),
    share.acquire('a').then((release) => (order.push('a'), release)),
    share.acquire('b').then((release) => (order.push('b'), release)),
  ];
  a1();
  await new Promise((resolve) => setImmediate(resolve));
  a2();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, ['a', 'b'], "b is served before a's second waiter");
  for (const release of await Promise.all(waiting.slice(0, 1).concat(waiting.slice(2)))) release();
  (await waiting[1]!)();
  assert.equal(share.inFlight, 0);
});

void test('per-tenant limit holds even with free slots', async () => {
  const share = new FairShare(10, 1);
  const held = await share.acquire('a');
  let granted = false;
  const next = share.acquire('a').then((release) => {
    granted = true;
    return release;
  });
  const other = await share.acquire('b');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(granted, false);
  held();
  (await next)();
  other();
});

void test('an aborted wait leaves the queue', async () => {
  const share = new FairShare(1, 1);
  const held = await share.acquire('a');
  const controller = new AbortController();
  const waiting = share.acquire('b', controller.signal);
  controller.abort(new Error('stop'));
  await assert.rejects(waiting, /stop/);
  held();
  assert.equal(share.inFlight, 0);
});

void test('retry delays follow the schedule with jitter, honour Retry-After, and end with it', () => {
  const schedule = [1000, 60_000];
  assert.equal(
    retryDelay(schedule, 1, undefined, () => 0.5),
    1000,
  );
  assert.equal(
    retryDelay(schedule, 1, undefined, () => 0),
    800,
  );
  assert.equal(
    retryDelay(schedule, 2, undefined, () => 1),
    72_000,
  );
  assert.equal(retryDelay(schedule, 1, 30_000), 30_000, 'Retry-After wins');
  assert.equal(retryDelay(schedule, 1, 10_000_000), 60_000, 'but no longer than the longest planned delay');
  assert.equal(retryDelay(schedule, 3, undefined), undefined, 'the schedule is used up');
});

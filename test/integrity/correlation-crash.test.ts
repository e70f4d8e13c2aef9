/**
 * SIGKILL of Sluice while a correlation works through its input: after a restart on the same
 * data directory (later than every incomplete transaction's deadline), every transaction has
 * exactly one outcome (complete or expired, never both, never twice), none is lost, and the
 * timers that fell due during the outage fire after it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { aggregateSchema } from '../../src/domain/correlations/spec.ts';
import { spawnSluice } from '../helpers/process.ts';
import { adminToken, tempDir } from '../helpers/sluice.ts';
import { assertOneOutcomeEach, awaitOutcomes } from './correlation-outcomes.ts';
import { callJson } from './load.ts';

const types = ['Events-TypeA', 'Events-TypeB', 'Events-TypeC', 'Events-TypeD', 'Events-TypeE'];
const transactions = 3000;

void test('SIGKILL during a correlation: after restart every transaction has exactly one outcome', { timeout: 180_000 }, async (t) => {
  const dataDir = tempDir(t, 'sluice-corr-crash-');
  const env = { SLUICE_ADMIN_TOKEN: adminToken };
  const first = await spawnSluice(t, ['--data-dir', dataDir], env);
  await callJson(first.url, 'POST', '/v1/tenants', adminToken, { id: 'faust' }, 201);
  const { key } = (await callJson(first.url, 'POST', '/v1/tenants/faust/keys', adminToken, { scopes: ['produce', 'consume', 'manage'] }, 201)) as {
    key: string;
  };
  for (const type of types)
    await callJson(
      first.url,
      'PUT',
      `/v1/types/${type}`,
      key,
      { schema: { type: 'object', required: ['transaction'] }, partitionKey: '/transaction', partitions: 2 },
      201,
    );
  const schema = aggregateSchema({ types });
  for (const type of ['Events_Aggregated', 'Events_Expired']) await callJson(first.url, 'PUT', `/v1/types/${type}`, key, { schema }, 201);
  await callJson(
    first.url,
    'PUT',
    '/v1/correlations/tx',
    key,
    { types, key: '/transaction', timeout: '5s', emit: { complete: 'Events_Aggregated', expired: 'Events_Expired' }, start: 'earliest' },
    201,
  );

  // Two in three transactions get all five types, the others two; sent in batches with the
  // types of one transaction spread over several of them, all before the kill.
  const events: { type: string; data: { transaction: string } }[] = [];
  const expectedComplete = new Set<string>();
  for (let tx = 0; tx < transactions; tx++) {
    const count = tx % 3 === 0 ? 2 + (tx % 3) : 5;
    if (count === 5) expectedComplete.add(`tx-${tx}`);
    for (const type of types.slice(0, count)) events.push({ type, data: { transaction: `tx-${tx}` } });
  }
  const shuffled = events
    .map((event, i) => ({ event, at: (i * 7919) % events.length }))
    .sort((a, b) => a.at - b.at)
    .map((e) => e.event);
  for (let sent = 0; sent < shuffled.length; sent += 500) await callJson(first.url, 'POST', '/v1/events', key, shuffled.slice(sent, sent + 500), 200);
  const before = (await callJson(first.url, 'GET', '/v1/correlations/tx', key, undefined, 200)) as { counts: { complete: number; expired: number } };
  first.child.kill('SIGKILL');
  assert.equal(await first.exited, 'SIGKILL');
  t.diagnostic(`killed with ${before.counts.complete} complete and ${before.counts.expired} expired of ${transactions}`);
  assert.ok(before.counts.expired === 0, 'no timer fell due before the kill');

  // The outage outlasts every deadline: those timers fire once the restarted process has caught up.
  await sleep(6_000);
  const second = await spawnSluice(t, ['--data-dir', dataDir], env);
  // A little longer than it takes: anything extra (a second outcome) would show then.
  const found = await awaitOutcomes(second.url, key, transactions, { timeoutMs: 60_000, pollMs: 250, settleMs: 4_000 });
  assert.deepEqual(
    found.expiredKeys.filter((k) => expectedComplete.has(k)),
    [],
    'no complete transaction expired',
  );
  assertOneOutcomeEach(found, expectedComplete, transactions);
});

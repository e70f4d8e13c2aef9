/**
 * A correlation on Kafka spans processes: one of two `sluice start --kafka` processes runs
 * it; SIGKILL of that one moves it to the other, which reads the state from the changelog
 * and goes on, so every transaction still has exactly one outcome.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveKafkaOptions } from '../../src/adapters/kafka/client-options.ts';
import { aggregateSchema } from '../../src/domain/correlations/spec.ts';
import { deleteTestTopics, kafkaBootstrap } from '../helpers/kafka.ts';
import { spawnSluice } from '../helpers/process.ts';
import { adminToken, tempDir } from '../helpers/sluice.ts';
import { kafkaSkip, topicPrefix } from './kafka-faults.ts';
import { callJson } from './load.ts';

const types = ['Events-TypeA', 'Events-TypeB', 'Events-TypeC', 'Events-TypeD', 'Events-TypeE'];
const transactions = 600;

interface Stored {
  data: { key: string; complete: boolean };
}

async function outcomes(url: string, key: string, stream: string): Promise<Stored[]> {
  const items: Stored[] = [];
  const info = (await callJson(url, 'GET', `/v1/streams/${stream}`, key, undefined, 200)) as { partitions: number; endOffsets: number[] };
  for (let partition = 0; partition < info.partitions; partition++) {
    for (let from = 0; from < info.endOffsets[partition]!; from += 1000) {
      const page = (await callJson(url, 'GET', `/v1/streams/${stream}/events?partition=${partition}&from=${from}&limit=1000`, key, undefined, 200)) as { items: Stored[] };
      items.push(...page.items);
    }
  }
  return items;
}

void test('two processes on Kafka: killing the one that runs a correlation moves it, and every transaction has one outcome', { skip: kafkaSkip, timeout: 180_000 }, async (t) => {
  const brokers = kafkaBootstrap!;
  const prefix = topicPrefix();
  t.after(() => deleteTestTopics(resolveKafkaOptions({ brokers: brokers.split(','), topicPrefix: prefix })));
  const env = { SLUICE_ADMIN_TOKEN: adminToken, SLUICE_KAFKA_BROKERS: brokers, SLUICE_KAFKA_TOPIC_PREFIX: prefix, SLUICE_DELIVERY_SESSION_TIMEOUT_MS: '3000' };
  const [a, b] = await Promise.all([spawnSluice(t, ['--data-dir', tempDir(t, 'sluice-corr-a-')], env, 40_000), spawnSluice(t, ['--data-dir', tempDir(t, 'sluice-corr-b-')], env, 40_000)]);
  await callJson(a.url, 'POST', '/v1/tenants', adminToken, { id: 'faust' }, 201);
  const { key } = (await callJson(a.url, 'POST', '/v1/tenants/faust/keys', adminToken, { scopes: ['produce', 'consume', 'manage'] }, 201)) as { key: string };
  for (const type of types) await callJson(a.url, 'PUT', `/v1/types/${type}`, key, { schema: { type: 'object', required: ['transaction'] }, partitionKey: '/transaction', partitions: 2 }, 201);
  const schema = aggregateSchema({ types });
  for (const type of ['Events_Aggregated', 'Events_Expired']) await callJson(a.url, 'PUT', `/v1/types/${type}`, key, { schema }, 201);
  await callJson(a.url, 'PUT', '/v1/correlations/tx', key, { types, key: '/transaction', timeout: '20s', emit: { complete: 'Events_Aggregated', expired: 'Events_Expired' }, start: 'earliest' }, 201);

  // Which process runs it (both follow the catalog; one gets the correlation's single slot).
  let owner: typeof a | undefined;
  for (let attempt = 0; attempt < 200 && owner === undefined; attempt++) {
    for (const process of [a, b]) {
      const status = await fetch(`${process.url}/v1/correlations/tx`, { headers: { authorization: `Bearer ${key}` } });
      if (status.status === 200 && ((await status.json()) as { runningHere: boolean }).runningHere) owner = process;
    }
    if (owner === undefined) await sleep(100);
  }
  assert.ok(owner !== undefined, 'no process runs the correlation');
  const survivor = owner === a ? b : a;

  const events: { type: string; data: { transaction: string } }[] = [];
  const expectedComplete = new Set<string>();
  for (let tx = 0; tx < transactions; tx++) {
    const count = tx % 4 === 0 ? 3 : 5;
    if (count === 5) expectedComplete.add(`tx-${tx}`);
    for (const type of types.slice(0, count)) events.push({ type, data: { transaction: `tx-${tx}` } });
  }
  const half = Math.floor(events.length / 2);
  for (let sent = 0; sent < half; sent += 250) await callJson(survivor.url, 'POST', '/v1/events', key, events.slice(sent, Math.min(half, sent + 250)), 200);
  await sleep(500);
  owner.child.kill('SIGKILL');
  assert.equal(await owner.exited, 'SIGKILL');
  for (let sent = half; sent < events.length; sent += 250) await callJson(survivor.url, 'POST', '/v1/events', key, events.slice(sent, sent + 250), 200);

  // The incomplete ones expire 20 s after their last event, on the survivor.
  const deadline = Date.now() + 90_000;
  let complete: Stored[] = [];
  let expired: Stored[] = [];
  while (Date.now() < deadline) {
    [complete, expired] = await Promise.all([outcomes(survivor.url, key, 'faust.Events_Aggregated'), outcomes(survivor.url, key, 'faust.Events_Expired')]);
    if (complete.length + expired.length >= transactions) break;
    await sleep(500);
  }
  await sleep(2_000);
  [complete, expired] = await Promise.all([outcomes(survivor.url, key, 'faust.Events_Aggregated'), outcomes(survivor.url, key, 'faust.Events_Expired')]);
  const completeKeys = complete.map((r) => r.data.key);
  const expiredKeys = expired.map((r) => r.data.key);
  assert.equal(new Set(completeKeys).size, completeKeys.length, 'no transaction completed twice');
  assert.equal(new Set(expiredKeys).size, expiredKeys.length, 'no transaction expired twice');
  assert.deepEqual(new Set(completeKeys), expectedComplete, 'every complete transaction aggregated once');
  assert.equal(completeKeys.length + expiredKeys.length, transactions, 'every transaction has exactly one outcome');
  const status = (await callJson(survivor.url, 'GET', '/v1/correlations/tx', key, undefined, 200)) as { runningHere: boolean };
  assert.equal(status.runningHere, true, 'the survivor runs it now');
});

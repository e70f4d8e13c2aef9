/**
 * An exactly-once Kafka sink on Kafka: SIGKILL of Sluice while it writes; after a restart, a
 * read_committed consumer of the sink's topic sees every input record exactly once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveKafkaOptions } from '../../src/adapters/kafka/client-options.ts';
import { deleteTestTopics, kafkaBootstrap, readTopic } from '../helpers/kafka.ts';
import { spawnSluice } from '../helpers/process.ts';
import { adminToken, tempDir } from '../helpers/sluice.ts';
import { kafkaSkip, topicPrefix } from './kafka-faults.ts';
import { callJson } from './load.ts';

const total = 4000;

void test('SIGKILL during an exactly-once sink: a read_committed consumer sees every record once', { skip: kafkaSkip, timeout: 180_000 }, async (t) => {
  const brokers = kafkaBootstrap!;
  const prefix = topicPrefix();
  const output = `${prefix}out-${randomBytes(3).toString('hex')}`;
  t.after(() => deleteTestTopics(resolveKafkaOptions({ brokers: brokers.split(','), topicPrefix: prefix })));
  const env = { SLUICE_ADMIN_TOKEN: adminToken, SLUICE_KAFKA_BROKERS: brokers, SLUICE_KAFKA_TOPIC_PREFIX: prefix, SLUICE_DELIVERY_SESSION_TIMEOUT_MS: '3000' };
  const dataDir = tempDir(t, 'sluice-eos-');
  const first = await spawnSluice(t, ['--data-dir', dataDir], env, 40_000);
  await callJson(first.url, 'POST', '/v1/tenants', adminToken, { id: 'eos' }, 201);
  const { key } = (await callJson(first.url, 'POST', '/v1/tenants/eos/keys', adminToken, { scopes: ['produce', 'consume', 'manage'] }, 201)) as { key: string };
  await callJson(first.url, 'PUT', '/v1/types/ticks', key, { schema: { type: 'object' }, partitions: 3 }, 201);
  // Small batches: many transactions, so the kill lands inside one.
  await callJson(
    first.url,
    'PUT',
    '/v1/subscriptions/out',
    key,
    { types: ['ticks'], start: 'earliest', destination: { kind: 'kafka', topic: output, exactlyOnce: true }, delivery: { batchSize: 20 } },
    201,
  );

  for (let sent = 0; sent < total; sent += 500) {
    const events = Array.from({ length: 500 }, (_, i) => ({ type: 'ticks', key: `k${(sent + i) % 31}`, data: { n: sent + i } }));
    await callJson(first.url, 'POST', '/v1/events', key, events, 200);
  }
  const deadline = Date.now() + 60_000;
  let written = 0;
  while (Date.now() < deadline) {
    const status = (await callJson(first.url, 'GET', '/v1/subscriptions/out', key, undefined, 200)) as { partitions: { committed: number }[] };
    written = status.partitions.reduce((n, p) => n + p.committed, 0);
    if (written >= total / 5) break;
    await sleep(20);
  }
  first.child.kill('SIGKILL');
  assert.equal(await first.exited, 'SIGKILL');
  t.diagnostic(`killed with about ${written} of ${total} committed`);
  assert.ok(written < total, 'everything was written before the kill; nothing was tested');

  const second = await spawnSluice(t, ['--data-dir', dataDir], env, 40_000);
  const until = Date.now() + 90_000;
  for (;;) {
    const status = (await callJson(second.url, 'GET', '/v1/subscriptions/out', key, undefined, 200)) as { partitions: { lag: number }[] };
    if (status.partitions.every((p) => p.lag === 0) || Date.now() > until) break;
    await sleep(200);
  }
  // Everything is committed: one more than sent would be a duplicate, so wait briefly for it.
  const messages = await readTopic(brokers.split(','), output, total + 1, 5_000, { readCommitted: true });
  const numbers = messages.map((m) => (JSON.parse(m.value.toString()) as { n: number }).n).sort((a, b) => a - b);
  assert.equal(new Set(numbers).size, numbers.length, `no record twice (${numbers.length - new Set(numbers).size} duplicates)`);
  assert.deepEqual(
    numbers,
    Array.from({ length: total }, (_, i) => i),
    'every record once',
  );
});

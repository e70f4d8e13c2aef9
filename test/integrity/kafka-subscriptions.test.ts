/**
 * A subscription on Kafka spans processes: two `sluice start --kafka` processes share its
 * partitions through the subscription's consumer group; SIGKILL of one moves its partitions
 * to the survivor, which goes on from the last commit, so no record is skipped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveKafkaOptions } from '../../src/adapters/kafka/client-options.ts';
import { deleteTestTopics, kafkaBootstrap } from '../helpers/kafka.ts';
import { spawnSluice } from '../helpers/process.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { adminToken, tempDir } from '../helpers/sluice.ts';
import { kafkaSkip, timedCall, topicPrefix } from './kafka-faults.ts';
import { callJson } from './load.ts';

interface Status {
  deliveringHere: { stream: string; partition: number }[];
  partitions: { partition: number; lag: number }[];
}

void test(
  "two processes share a subscription's partitions; killing one moves them to the other and nothing is skipped",
  { skip: kafkaSkip, timeout: 150_000 },
  async (t) => {
    const brokers = kafkaBootstrap!;
    const prefix = topicPrefix();
    t.after(() => deleteTestTopics(resolveKafkaOptions({ brokers: brokers.split(','), topicPrefix: prefix })));
    const env = {
      SLUICE_ADMIN_TOKEN: adminToken,
      SLUICE_KAFKA_BROKERS: brokers,
      SLUICE_KAFKA_TOPIC_PREFIX: prefix,
      SLUICE_DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true',
      SLUICE_DELIVERY_SESSION_TIMEOUT_MS: '3000',
    };
    const receiver = await startReceiver(t);
    const [a, b] = await Promise.all([
      spawnSluice(t, ['--data-dir', tempDir(t, 'sluice-sub-a-')], env, 40_000),
      spawnSluice(t, ['--data-dir', tempDir(t, 'sluice-sub-b-')], env, 40_000),
    ]);
    await callJson(a.url, 'POST', '/v1/tenants', adminToken, { id: 'fan' }, 201);
    const { key } = (await callJson(a.url, 'POST', '/v1/tenants/fan/keys', adminToken, { scopes: ['produce', 'consume', 'manage'] }, 201)) as { key: string };
    await callJson(a.url, 'PUT', '/v1/types/ticks', key, { schema: { type: 'object' }, partitions: 4 }, 201);
    await callJson(a.url, 'PUT', '/v1/subscriptions/push', key, { types: ['ticks'], start: 'earliest', destination: { url: receiver.url } }, 201);

    // Both processes follow the catalog and join the subscription's group; they split the partitions.
    let split: [Status, Status] | undefined;
    for (let attempt = 0; attempt < 300 && split === undefined; attempt++) {
      const [onA, onB] = await Promise.all([
        timedCall(a.url, 'GET', '/v1/subscriptions/push', key, undefined, 10_000),
        timedCall(b.url, 'GET', '/v1/subscriptions/push', key, undefined, 10_000),
      ]);
      const sa = onA.body as Status;
      const sb = onB.body as Status;
      if (onA.status === 200 && onB.status === 200 && sa.deliveringHere.length === 2 && sb.deliveringHere.length === 2) split = [sa, sb];
      else await sleep(50);
    }
    assert.ok(split !== undefined, "the two processes never split the subscription's partitions");
    const owners = [...split[0].deliveringHere, ...split[1].deliveringHere].map((tp) => tp.partition).sort();
    assert.deepEqual(owners, [0, 1, 2, 3], 'each partition is delivered by one process');

    const send = async (url: string, from: number, count: number): Promise<void> => {
      const events = Array.from({ length: count }, (_, i) => ({ type: 'ticks', key: `k${(from + i) % 64}`, data: { n: from + i } }));
      await callJson(url, 'POST', '/v1/events', key, events, 200);
    };
    await send(a.url, 0, 400);
    await receiver.until((r) => new Set(r.map((q) => q.body)).size >= 400, 30_000);
    const byPartition = new Set(receiver.requests.map((q) => (JSON.parse(q.body) as { sluicepartition: number }).sluicepartition));
    assert.equal(byPartition.size, 4);

    a.child.kill('SIGKILL');
    assert.equal(await a.exited, 'SIGKILL');
    await send(b.url, 400, 400);
    await receiver.until((r) => numbers(r.map((q) => q.body)).size >= 800, 60_000);
    const got = numbers(receiver.requests.map((q) => q.body));
    for (let n = 0; n < 800; n++) assert.ok(got.has(n), `record ${n} was never delivered`);

    let survivor: Status | undefined;
    for (let attempt = 0; attempt < 100; attempt++) {
      survivor = (await callJson(b.url, 'GET', '/v1/subscriptions/push', key, undefined, 200)) as Status;
      if (survivor.deliveringHere.length === 4 && survivor.partitions.every((p) => p.lag === 0)) break;
      await sleep(100);
    }
    assert.equal(survivor?.deliveringHere.length, 4, 'the survivor took over every partition');
    assert.ok(
      survivor.partitions.every((p) => p.lag === 0),
      JSON.stringify(survivor.partitions),
    );
  },
);

function numbers(bodies: string[]): Set<number> {
  return new Set(bodies.map((body) => (JSON.parse(body) as { data: { n: number } }).data.n));
}

/**
 * The Faust scenario on Kafka, end to end: five foreign topics `Events-TypeA` … `Events-TypeE`
 * written by a plain Kafka producer, read by sources into five types; a correlation joins them
 * by `transaction` and its outcomes go to the topics `Events_Aggregated` and `Events_Expired`
 * through exactly-once Kafka sinks. Two `sluice start --kafka` processes share the
 * correlation's shards; SIGKILL of one moves its shards to the other, which reads their state
 * from the changelog and goes on, so every transaction still has exactly one outcome, in the
 * streams and in the output topics.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Producer, ProduceAcks } from '@platformatic/kafka';
import { createAdmin, resolveKafkaOptions } from '../../src/adapters/kafka/client-options.ts';
import { aggregateSchema } from '../../src/domain/correlations/spec.ts';
import { deleteTestTopics, kafkaBootstrap, readTopic } from '../helpers/kafka.ts';
import { spawnSluice } from '../helpers/process.ts';
import { adminToken, tempDir } from '../helpers/sluice.ts';
import { kafkaSkip, topicPrefix } from './kafka-faults.ts';
import { assertOneOutcomeEach, awaitOutcomes } from './correlation-outcomes.ts';
import { callJson } from './load.ts';

const types = ['Events-TypeA', 'Events-TypeB', 'Events-TypeC', 'Events-TypeD', 'Events-TypeE'];
const transactions = 600;
const partitions = 2;

interface Status {
  shards: number;
  shardsHere: number[];
  counts: { complete: number; expired: number };
}

async function status(url: string, key: string): Promise<Status> {
  return (await callJson(url, 'GET', '/v1/correlations/tx', key, undefined, 200)) as Status;
}

void test(
  'the Faust scenario on two Kafka processes: sources in, shards shared, one killed, exactly one outcome per transaction out',
  { skip: kafkaSkip, timeout: 240_000 },
  async (t) => {
    const brokers = kafkaBootstrap!.split(',');
    const prefix = topicPrefix();
    const options = resolveKafkaOptions({ brokers, topicPrefix: prefix });
    t.after(() => deleteTestTopics(options));
    // The producers' topics, as another team would have made them (under the test prefix, so they are cleaned up).
    const topicOf = (name: string): string => `${prefix}${name}`;
    const admin = createAdmin(options, 'test-setup');
    try {
      await admin.createTopics({ topics: types.map(topicOf), partitions, replicas: 1 });
    } finally {
      await admin.close();
    }

    const env = {
      SLUICE_ADMIN_TOKEN: adminToken,
      SLUICE_KAFKA_BROKERS: brokers.join(','),
      SLUICE_KAFKA_TOPIC_PREFIX: prefix,
      SLUICE_DELIVERY_SESSION_TIMEOUT_MS: '3000',
    };
    const [a, b] = await Promise.all([
      spawnSluice(t, ['--data-dir', tempDir(t, 'sluice-corr-a-')], env, 40_000),
      spawnSluice(t, ['--data-dir', tempDir(t, 'sluice-corr-b-')], env, 40_000),
    ]);
    await callJson(a.url, 'POST', '/v1/tenants', adminToken, { id: 'faust' }, 201);
    const { key } = (await callJson(a.url, 'POST', '/v1/tenants/faust/keys', adminToken, { scopes: ['produce', 'consume', 'manage'] }, 201)) as { key: string };
    for (const type of types) {
      await callJson(
        a.url,
        'PUT',
        `/v1/types/${type}`,
        key,
        { schema: { type: 'object', required: ['transaction'] }, partitionKey: '/transaction', partitions },
        201,
      );
      await callJson(a.url, 'PUT', `/v1/sources/${type.toLowerCase()}`, key, { topic: topicOf(type), type, format: 'json' }, 201);
    }
    const schema = aggregateSchema({ types });
    for (const type of ['Events_Aggregated', 'Events_Expired']) {
      await callJson(a.url, 'PUT', `/v1/types/${type}`, key, { schema }, 201);
      await callJson(
        a.url,
        'PUT',
        `/v1/subscriptions/${type.toLowerCase()}-out`,
        key,
        { types: [type], destination: { kind: 'kafka', topic: topicOf(type), exactlyOnce: true } },
        201,
      );
    }
    await callJson(
      a.url,
      'PUT',
      '/v1/correlations/tx',
      key,
      { types, key: '/transaction', timeout: '20s', emit: { complete: 'Events_Aggregated', expired: 'Events_Expired' }, start: 'earliest' },
      201,
    );

    // Both processes follow the catalog (B learns of the correlation a moment after A stored it)
    // and join the correlation's group: each gets a shard.
    const statusIfKnown = async (url: string): Promise<Status | undefined> => {
      const response = await fetch(`${url}/v1/correlations/tx`, { headers: { authorization: `Bearer ${key}` } });
      return response.status === 200 ? ((await response.json()) as Status) : undefined;
    };
    let spread = false;
    for (let attempt = 0; attempt < 300 && !spread; attempt++) {
      const [sa, sb] = await Promise.all([statusIfKnown(a.url), statusIfKnown(b.url)]);
      if (sa !== undefined) assert.equal(sa.shards, partitions, 'a shard per input partition');
      spread = sa !== undefined && sb !== undefined && sa.shardsHere.length === 1 && sb.shardsHere.length === 1 && sa.shardsHere[0] !== sb.shardsHere[0];
      if (!spread) await sleep(100);
    }
    assert.ok(spread, 'the two processes did not share the shards');

    const byTopic = new Map<string, string[]>();
    const expectedComplete = new Set<string>();
    for (let tx = 0; tx < transactions; tx++) {
      const count = tx % 4 === 0 ? 3 : 5;
      if (count === 5) expectedComplete.add(`tx-${tx}`);
      // Any order of types within a transaction.
      const order = types.slice(0, count).sort((x, y) => ((tx * 7 + x.charCodeAt(11)) % 5) - ((tx * 7 + y.charCodeAt(11)) % 5));
      for (const type of order) {
        const list = byTopic.get(type) ?? [];
        list.push(`tx-${tx}`);
        byTopic.set(type, list);
      }
    }
    const producer = new Producer({
      clientId: 'test-faust-producer',
      bootstrapBrokers: brokers,
      acks: ProduceAcks.ALL,
      idempotent: true,
      autocreateTopics: false,
    });
    t.after(() => producer.close());
    const send = async (share: (list: string[]) => string[]): Promise<void> => {
      for (const [type, list] of byTopic) {
        const messages = share(list).map((transaction) => ({
          topic: topicOf(type),
          key: Buffer.from(transaction),
          value: Buffer.from(JSON.stringify({ transaction, type })),
        }));
        for (let i = 0; i < messages.length; i += 200) await producer.send({ messages: messages.slice(i, i + 200) });
      }
    };
    await send((list) => list.slice(0, list.length / 2));
    await sleep(1_000);
    a.child.kill('SIGKILL');
    assert.equal(await a.exited, 'SIGKILL');
    await send((list) => list.slice(list.length / 2));

    // The survivor takes the killed process's shard over; the incomplete transactions expire 20 s after their last event.
    assertOneOutcomeEach(await awaitOutcomes(b.url, key, transactions, { timeoutMs: 120_000, pollMs: 500, settleMs: 2_000 }), expectedComplete, transactions);
    const final = await status(b.url, key);
    assert.deepEqual(final.shardsHere, [0, 1], 'the survivor runs both shards now');
    assert.equal(final.counts.complete + final.counts.expired, transactions, 'the counters of both shards add up');

    // The output topics, read committed, hold each outcome once.
    const [aggregated, expiredOut] = await Promise.all([
      readTopic(brokers, topicOf('Events_Aggregated'), expectedComplete.size + 1, 15_000, { readCommitted: true }),
      readTopic(brokers, topicOf('Events_Expired'), transactions - expectedComplete.size + 1, 15_000, { readCommitted: true }),
    ]);
    const keysOf = (messages: typeof aggregated): string[] => messages.map((m) => (JSON.parse(m.value.toString()) as { key: string }).key);
    assert.deepEqual(keysOf(aggregated).sort(), [...expectedComplete].sort(), 'Events_Aggregated holds every complete transaction once');
    assert.equal(new Set(keysOf(expiredOut)).size, transactions - expectedComplete.size);
    assert.equal(expiredOut.length, transactions - expectedComplete.size, 'Events_Expired holds every incomplete transaction once');
  },
);

import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { ResolvedKafkaOptions } from '../../../src/adapters/kafka/client-options.ts';
import { KafkaConsumerGroups } from '../../../src/adapters/kafka/consumer-groups.ts';
import { KafkaEventLog } from '../../../src/adapters/kafka/event-log.ts';
import { deleteTestTopics, kafkaBootstrap, kafkaBrokers, kafkaPort, kafkaSkipMessage, kafkaTestOptions } from '../../helpers/kafka.ts';
import { consumerGroupsContract } from '../contracts/consumer-groups.contract.ts';

if (kafkaBootstrap === undefined) {
  void test('ConsumerGroups contract: kafka', (t) => t.skip(kafkaSkipMessage));
} else {
  // Kafka's group coordinator refuses offsets of topics that do not exist, so the streams a
  // member asks for are created first, as they always exist in Sluice.
  const optionsOf = new WeakMap<TestContext, ResolvedKafkaOptions>();
  const brokers = kafkaBootstrap.split(',');
  consumerGroupsContract(
    'kafka',
    (t) =>
      kafkaPort(brokers, (options) => {
        optionsOf.set(t, options);
        return KafkaConsumerGroups.open(options);
      })(t),
    {
      shortSessionMs: 50,
      createStreams: async (t, streams) => {
        const log = new KafkaEventLog(optionsOf.get(t)!);
        try {
          for (const { stream, partitions } of streams) await log.createStream(stream, partitions);
        } finally {
          await log.close();
        }
      },
    },
  );
}

void describe('ConsumerGroups on Kafka with existing streams', () => {
  void test('offsets committed for existing topics round-trip, are listed, and survive a restart', { timeout: 30_000 }, async (t) => {
    const brokers = kafkaBrokers(t);
    if (brokers === undefined) return;
    const options = kafkaTestOptions(brokers);
    const log = new KafkaEventLog(options);
    let groups = await KafkaConsumerGroups.open(options);
    t.after(async () => {
      await log.close();
      await groups.close();
      await deleteTestTopics(options);
    });
    await log.createStream('acme.a', 2);
    await log.createStream('acme.b', 1);
    const wanted = [
      { stream: 'acme.a', partition: 0 },
      { stream: 'acme.a', partition: 1 },
      { stream: 'acme.b', partition: 0 },
    ];
    await groups.heartbeat('acme/g', 'm', wanted, 60_000);
    assert.deepEqual(await groups.committed('acme/g'), []);
    await groups.commit('acme/g', 'm', [
      { stream: 'acme.a', partition: 1, offset: 7 },
      { stream: 'acme.b', partition: 0, offset: 3 },
    ]);
    await groups.commit('acme/g', 'm', [{ stream: 'acme.a', partition: 1, offset: 9 }]);
    await assert.rejects(groups.commit('acme/g', 'stranger', [{ stream: 'acme.a', partition: 0, offset: 1 }]), /does not own/);
    const expected = [
      { stream: 'acme.a', partition: 1, offset: 9 },
      { stream: 'acme.b', partition: 0, offset: 3 },
    ];
    assert.deepEqual(await groups.committed('acme/g'), expected);
    await groups.leave('acme/g', 'm');
    assert.deepEqual(await groups.listGroups('acme/'), ['acme/g'], 'a group with offsets and no members is listed');

    await groups.close();
    groups = await KafkaConsumerGroups.open(options);
    assert.deepEqual(await groups.committed('acme/g'), expected);
    assert.deepEqual(await groups.listGroups('acme/'), ['acme/g']);
    assert.deepEqual(await groups.committed('acme/other'), []);
  });
});

void describe('ConsumerGroups on Kafka across processes', () => {
  void test('members polling two processes share the partitions; when one process closes, the other takes them all', { timeout: 60_000 }, async (t) => {
    const brokers = kafkaBrokers(t);
    if (brokers === undefined) return;
    const options = kafkaTestOptions(brokers);
    const log = new KafkaEventLog(options);
    const first = await KafkaConsumerGroups.open(options);
    const second = await KafkaConsumerGroups.open(options);
    t.after(async () => {
      await log.close();
      await first.close();
      await second.close();
      await deleteTestTopics(options);
    });
    await log.createStream('acme.orders', 4);
    const wanted = [0, 1, 2, 3].map((partition) => ({ stream: 'acme.orders', partition }));
    await first.heartbeat('acme.g', 'one', wanted, 30_000);
    await second.heartbeat('acme.g', 'two', wanted, 30_000);
    const split = await eventually(async () => {
      const [a, b] = [await first.heartbeat('acme.g', 'one', wanted, 30_000), await second.heartbeat('acme.g', 'two', wanted, 30_000)];
      return a.members.length === 2 && b.members.length === 2 ? { a, b } : undefined;
    });
    assert.equal(split.a.partitions.length, 2);
    assert.equal(split.b.partitions.length, 2);
    const owned = [...split.a.partitions, ...split.b.partitions].map((tp) => tp.partition).sort();
    assert.deepEqual(owned, [0, 1, 2, 3], 'each partition has exactly one owner');
    assert.deepEqual((await first.members('acme.g')).members, (await second.members('acme.g')).members);
    await assert.rejects(
      first.commit(
        'acme.g',
        'one',
        split.b.partitions.map((tp) => ({ ...tp, offset: 1 })),
      ),
      /does not own/,
      "a member cannot commit the other process's partitions",
    );
    assert.deepEqual(await second.listGroups('acme.'), ['acme.g']);

    await second.close();
    const alone = await eventually(async () => {
      const a = await first.heartbeat('acme.g', 'one', wanted, 30_000);
      return a.members.length === 1 ? a : undefined;
    });
    assert.deepEqual(alone.members, ['one']);
    assert.equal(alone.partitions.length, 4, 'the member of the remaining process owns every partition');
  });
});

/** Asks again every 20 ms until `probe` answers something, for at most 10 s. */
async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await probe();
    if (answer !== undefined) return answer;
    if (Date.now() > deadline) throw new Error('the processes did not agree within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

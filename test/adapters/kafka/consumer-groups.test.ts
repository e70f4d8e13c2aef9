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
        return Promise.resolve(new KafkaConsumerGroups(options));
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
    let groups = new KafkaConsumerGroups(options);
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
    groups = new KafkaConsumerGroups(options);
    assert.deepEqual(await groups.committed('acme/g'), expected);
    assert.deepEqual(await groups.listGroups('acme/'), ['acme/g']);
    assert.deepEqual(await groups.committed('acme/other'), []);
  });
});

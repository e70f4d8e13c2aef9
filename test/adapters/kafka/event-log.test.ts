import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigResourceTypes } from '@platformatic/kafka';
import { createAdmin } from '../../../src/adapters/kafka/client-options.ts';
import { KafkaEventLog } from '../../../src/adapters/kafka/event-log.ts';
import { SluiceError } from '../../../src/domain/errors.ts';
import { deleteTestTopics, kafkaBootstrap, kafkaBrokers, kafkaPort, kafkaSkipMessage, kafkaTestOptions } from '../../helpers/kafka.ts';
import { eventLogContract } from '../contracts/event-log.contract.ts';

if (kafkaBootstrap === undefined) {
  void test('EventLog contract: kafka', (t) => t.skip(kafkaSkipMessage));
} else {
  eventLogContract(
    'kafka',
    kafkaPort(kafkaBootstrap.split(','), (options) => Promise.resolve(new KafkaEventLog(options))),
  );
}

void test('on Kafka a retention is the topic retention.ms / retention.bytes; deleteStream deletes the topic; eraseKey is refused', async (t) => {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return;
  const options = kafkaTestOptions(brokers);
  const log = new KafkaEventLog(options);
  const admin = createAdmin(options, 'test-admin');
  t.after(async () => {
    await admin.close();
    await log.close();
    await deleteTestTopics(options);
  });
  await log.createStream('acme.t', 2);
  assert.deepEqual(await log.applyRetention('acme.t', { ms: 3_600_000, bytes: 1_048_576 }), { deleted: 0, more: false });
  const topic = `${options.topicPrefix}acme.t`;
  const [described] = await admin.describeConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['retention.ms', 'retention.bytes'] }],
  });
  assert.deepEqual(Object.fromEntries(described!.configs.map((config) => [config.name, config.value])), {
    'retention.ms': '3600000',
    'retention.bytes': '1048576',
  });

  await assert.rejects(log.eraseKey('acme.t', 'alice'), (error: unknown) => error instanceof SluiceError && error.code === 'erasure_not_supported');

  await log.deleteStream('acme.t');
  assert.equal(await log.describeStream('acme.t'), undefined);
  await log.createStream('acme.t', 1);
  assert.deepEqual((await log.describeStream('acme.t'))?.endOffsets, [0]);
});

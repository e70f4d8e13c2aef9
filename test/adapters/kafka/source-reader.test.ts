import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAdmin, createProducer } from '../../../src/adapters/kafka/client-options.ts';
import { KafkaSourceReader, sourceFetchMaxBytes } from '../../../src/adapters/kafka/source-reader.ts';
import type { SourceRecord } from '../../../src/ports/source-reader.ts';
import { deleteTestTopics, kafkaBrokers, kafkaTestOptions } from '../../helpers/kafka.ts';

const partitions = 3;

void test('a source reads a topic that takes many fetches, record by record, while its handler is slow', { timeout: 120_000 }, async (t) => {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return;
  const options = kafkaTestOptions(brokers);
  const topic = `${options.topicPrefix}foreign`;
  const admin = createAdmin(options, 'test-admin');
  const producer = createProducer(options, 'test-producer');
  const reader = new KafkaSourceReader(options);
  t.after(async () => {
    await reader.close();
    await producer.close();
    await admin.close();
    await deleteTestTopics(options);
  });
  await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  // Three times what one fetch may carry, so the reader must fetch again after draining.
  const value = Buffer.alloc(2048, 'v');
  const count = Math.ceil((3 * sourceFetchMaxBytes) / value.length);
  for (let sent = 0; sent < count; sent += 1000) {
    const size = Math.min(1000, count - sent);
    await producer.send({ messages: Array.from({ length: size }, (_, i) => ({ topic, partition: (sent + i) % partitions, key: Buffer.from(String(sent + i)), value })) });
  }

  const next = new Array<number>(partitions).fill(0);
  let delivered = 0;
  let allIn: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allIn = resolve));
  const problems: string[] = [];
  const subscription = await reader.subscribe(
    { topic, group: 'source-many-fetches', maxBatch: 250 },
    {
      async handle(records: readonly SourceRecord[]) {
        for (const record of records) {
          assert.equal(record.offset, next[record.partition], `partition ${record.partition} in order without gaps`);
          next[record.partition]!++;
        }
        delivered += records.length;
        // A slow handler lets the consumer's buffer drain while no one waits on it.
        await new Promise((resolve) => setTimeout(resolve, 2));
        if (delivered >= count) allIn();
      },
      problem(error, context) {
        problems.push(`${context}: ${String(error)}`);
      },
    },
  );
  const timeout = setTimeout(allIn, 30_000);
  await done;
  clearTimeout(timeout);
  await subscription.close();
  assert.deepEqual(problems, []);
  assert.equal(delivered, count, `every record delivered (per partition: ${next.join(', ')})`);

  const [committed] = await admin.listConsumerGroupOffsets({ groups: [`${options.topicPrefix}source-many-fetches`] });
  const offsets = committed?.topics.find((entry) => entry.name === topic)?.partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)] as const);
  assert.deepEqual(new Map(offsets), new Map(next.map((end, partition) => [partition, end])), 'each partition committed up to its end');
});

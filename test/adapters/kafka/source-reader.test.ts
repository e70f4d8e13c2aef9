import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAdmin, createProducer } from '../../../src/adapters/kafka/client-options.ts';
import { KafkaSourceReader, sourceFetchMaxBytes } from '../../../src/adapters/kafka/source-reader.ts';
import type { SourceRecord } from '../../../src/ports/source-reader.ts';
import { deleteTestTopics, kafkaBrokers, kafkaTestOptions } from '../../helpers/kafka.ts';

const partitions = 3;

void test('a source reads a topic that takes many fetches, record by record, while its store is slow', { timeout: 120_000 }, async (t) => {
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
    await producer.send({
      messages: Array.from({ length: size }, (_, i) => ({ topic, partition: (sent + i) % partitions, key: Buffer.from(String(sent + i)), value })),
    });
  }

  const next = new Array<number>(partitions).fill(0);
  let delivered = 0;
  let allIn: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allIn = resolve));
  const problems: string[] = [];
  const subscription = await reader.subscribe(
    { topic, group: 'source-many-fetches', maxBatch: 250 },
    {
      prepare(records: readonly SourceRecord[]) {
        for (const record of records) {
          assert.equal(record.offset, next[record.partition], `partition ${record.partition} in order without gaps`);
          next[record.partition]!++;
        }
        return Promise.resolve(async () => {
          delivered += records.length;
          // A slow store lets the consumer's buffer drain while no one waits on it.
          await new Promise((resolve) => setTimeout(resolve, 2));
          if (delivered >= count) allIn();
        });
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

void test(
  'a source prepares the next batch while one is stored, yet stores and commits in order: a failed store holds back later ones, and close stores what is in hand',
  { timeout: 120_000 },
  async (t) => {
    const brokers = kafkaBrokers(t);
    if (brokers === undefined) return;
    const options = kafkaTestOptions(brokers);
    const topic = `${options.topicPrefix}foreign-overlap`;
    const group = 'source-overlap';
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
    const count = 900;
    await producer.send({
      messages: Array.from({ length: count }, (_, i) => ({ topic, partition: i % partitions, key: Buffer.from(String(i)), value: Buffer.from(String(i)) })),
    });
    const committed = async (): Promise<Map<number, number>> => {
      const [offsets] = await admin.listConsumerGroupOffsets({ groups: [`${options.topicPrefix}${group}`] });
      const entries =
        offsets?.topics.find((entry) => entry.name === topic)?.partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)] as const) ?? [];
      return new Map(entries.filter(([, offset]) => offset >= 0));
    };

    /** Offsets stored per partition, in the order they were stored. */
    const stored = Array.from({ length: partitions }, (): number[] => []);
    const problems: string[] = [];
    let prepared = 0;
    let storedBatches = 0;
    let mostAhead = 0;
    let failedOnce = false;
    let firstBatch: readonly SourceRecord[] | undefined;
    let retriedWithSameRecords = false;
    let closeNow: () => void = () => undefined;
    const closing = new Promise<void>((resolve) => (closeNow = resolve));
    const subscription = await reader.subscribe(
      { topic, group, maxBatch: 50 },
      {
        prepare(records: readonly SourceRecord[]) {
          prepared++;
          mostAhead = Math.max(mostAhead, prepared - storedBatches);
          const batch = prepared;
          return Promise.resolve(async () => {
            if (batch === 1) {
              if (firstBatch !== undefined) retriedWithSameRecords = firstBatch === records;
              firstBatch = records;
              if (!failedOnce) {
                // Slow enough for the next batch to be read and prepared meanwhile.
                await new Promise((resolve) => setTimeout(resolve, 300));
                failedOnce = true;
                assert.deepEqual(await committed(), new Map(), 'nothing is committed before the first batch is stored');
                throw new Error('the append failed');
              }
            }
            await new Promise((resolve) => setTimeout(resolve, 10));
            for (const record of records) stored[record.partition]!.push(record.offset);
            storedBatches++;
            if (storedBatches === 4) closeNow();
          });
        },
        problem(error, context) {
          problems.push(`${context}: ${String(error)}`);
        },
      },
    );
    await closing;
    await subscription.close();

    assert.ok(failedOnce && retriedWithSameRecords, 'the failed batch was stored again, with the same records');
    assert.ok(mostAhead === 2, `one batch is prepared while one is stored, never more (most ahead: ${mostAhead})`);
    assert.deepEqual(problems, ['a batch of source records was not stored; it will be stored again: Error: the append failed']);
    for (const [partition, offsets] of stored.entries())
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => i),
        `partition ${partition} stored in order from its start, each record once`,
      );
    const ends = new Map(stored.map((offsets, partition) => [partition, offsets.length] as const).filter(([, end]) => end > 0));
    assert.deepEqual(await committed(), ends, 'close stored the batches in hand and committed up to what was stored');

    // A new member of the group carries on from the commits: nothing lost, nothing read twice.
    let rest = 0;
    let allIn: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allIn = resolve));
    const again = await reader.subscribe(
      { topic, group, maxBatch: 500 },
      {
        prepare(records: readonly SourceRecord[]) {
          return Promise.resolve(() => {
            for (const record of records) stored[record.partition]!.push(record.offset);
            rest += records.length;
            if (stored.every((offsets) => offsets.length >= count / partitions)) allIn();
            return Promise.resolve();
          });
        },
        problem(error, context) {
          problems.push(`${context}: ${String(error)}`);
        },
      },
    );
    const timeout = setTimeout(allIn, 30_000);
    await done;
    clearTimeout(timeout);
    await again.close();
    assert.ok(rest > 0);
    for (const [partition, offsets] of stored.entries())
      assert.deepEqual(
        offsets,
        Array.from({ length: count / partitions }, (_, i) => i),
        `partition ${partition}: every record once, in order`,
      );
  },
);

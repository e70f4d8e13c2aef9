import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseError } from '@platformatic/kafka';
import { sendBatches } from '../../../src/adapters/kafka/batch-producer.ts';
import { createProducer } from '../../../src/adapters/kafka/client-options.ts';
import { KafkaEventLog } from '../../../src/adapters/kafka/event-log.ts';
import { toProduceColumns } from '../../../src/adapters/kafka/produce-columns.ts';
import { encodeRecordBatch } from '../../../src/adapters/kafka/record-batch.ts';
import type { AppendRecord } from '../../../src/ports/event-log.ts';
import { deleteTestTopics, kafkaBrokers, kafkaTestOptions } from '../../helpers/kafka.ts';

// The batch producer sends a batch again, with the same sequence numbers, when an answer was
// lost or retriable; that is only safe because the broker stores such a batch once.
void test('a record batch sent again with the same producer id and sequence is stored once; a gap in sequences is refused', { timeout: 60_000 }, async (t) => {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return;
  const options = kafkaTestOptions(brokers);
  const log = new KafkaEventLog(options);
  const client = createProducer(options, 'test-batches');
  t.after(async () => {
    await client.close();
    await log.close();
    await deleteTestTopics(options);
  });
  await log.createStream('acme.retry', 1);
  const topic = `${options.topicPrefix}acme.retry`;
  const records = (from: number): AppendRecord[] =>
    [0, 1, 2].map((i) => ({
      stream: topic,
      partition: 0,
      id: `r-${from + i}`,
      unique: false,
      key: 'k',
      timestamp: Date.now(),
      attributes: { type: 'retry', source: 'test', time: new Date().toISOString() },
      value: JSON.stringify({ n: from + i }),
    }));
  const identity = await client.initIdempotentProducer({});
  const metadata = await client.metadata({ topics: [topic] });
  const leader = metadata.brokers.get(metadata.topics.get(topic)!.partitions[0]!.leader)!;
  const connection = await client.connections.get(leader);
  const send = async (from: number, sequence: number): Promise<number> => {
    const batch = encodeRecordBatch(
      toProduceColumns(records(from), (stream) => stream),
      [0, 1, 2],
      identity,
      sequence,
    );
    const answer = await sendBatches(connection, 10_000, [{ name: topic, partitions: [{ index: 0, records: batch }] }]);
    return Number(answer.responses[0]!.partitionResponses[0]!.baseOffset);
  };

  assert.equal(await send(0, 0), 0);
  assert.equal(await send(0, 0), 0, 'the same batch again answers where it was stored');
  assert.equal(await send(3, 3), 3);
  await assert.rejects(
    () => send(6, 10),
    (error: unknown) => error instanceof ResponseError && /sequence/i.test(JSON.stringify(error.errors.map((inner) => inner.message))),
  );
  const stored = await log.read('acme.retry', 0, 0, 100);
  assert.deepEqual(
    stored.map((record) => record.id),
    ['r-0', 'r-1', 'r-2', 'r-3', 'r-4', 'r-5'],
  );
});

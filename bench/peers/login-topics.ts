/**
 * Kafka topics of the peer benchmarks: filling the input topic with user-login records,
 * counting what the systems wrote, and reading one record back to show its shape.
 */
import { Consumer, MessagesStreamModes, type Admin, type Message, type MessageToProduce, type Producer } from '@platformatic/kafka';
import { partitionForKey } from '../../src/domain/partitioner.ts';
import { common, createTopic } from '../scenarios/kafka.ts';
import { loginPartitions, type LoginRecord } from './user-login.ts';

/** Creates `topic` and writes `records` to it, keyed by user and partitioned as Kafka's default partitioner does (not timed). */
export async function fillLoginTopic(admin: Admin, producer: Producer, topic: string, records: readonly LoginRecord[]): Promise<void> {
  await createTopic(admin, producer, topic, loginPartitions);
  for (let sent = 0; sent < records.length; sent += 2000) {
    const messages: MessageToProduce[] = records.slice(sent, sent + 2000).map((record) => ({
      topic,
      key: Buffer.from(record.key),
      value: Buffer.from(record.value),
      partition: partitionForKey(record.key, loginPartitions),
    }));
    await producer.send({ messages });
  }
}

/** Records in a topic of `partitions` partitions, from its end offsets (nothing is deleted during a run). */
export async function recordsInTopic(admin: Admin, topic: string, partitions = loginPartitions): Promise<number> {
  const [listed] = await admin.listOffsets({
    topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) }],
  });
  return (listed?.partitions ?? []).reduce((sum, p) => sum + Number(p.offset), 0);
}

/** The value of the first record of a topic's partitions, as text; undefined if none arrives within 15 s. */
export async function firstValue(bootstrap: string, topic: string): Promise<string | undefined> {
  const consumer = new Consumer({ ...common, clientId: 'bench-peer-peek', groupId: `${topic}-peek`, bootstrapBrokers: [bootstrap] });
  try {
    const stream = await consumer.consume({ topics: [topic], autocommit: false, mode: MessagesStreamModes.EARLIEST, maxWaitTime: 500 });
    try {
      return await new Promise<string | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), 15_000);
        stream.once('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => {
          clearTimeout(timer);
          resolve(message.value.toString('utf8'));
        });
        stream.once('error', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    } finally {
      await stream.close().catch(() => undefined);
    }
  } finally {
    await consumer.close(true).catch(() => undefined);
  }
}

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

/**
 * The values of the first `count` records of a topic (any partition order), as text; fewer if
 * no more arrive within `timeoutMs`.
 */
export async function readValues(bootstrap: string, topic: string, count: number, timeoutMs = 15_000): Promise<string[]> {
  const consumer = new Consumer({ ...common, clientId: 'bench-peer-read', groupId: `${topic}-read-${Date.now()}`, bootstrapBrokers: [bootstrap] });
  const values: string[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], autocommit: false, mode: MessagesStreamModes.EARLIEST, maxWaitTime: 500 });
    try {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        stream.on('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => {
          if (values.length < count) values.push(message.value.toString('utf8'));
          if (values.length >= count) done();
        });
        stream.once('error', done);
      });
    } finally {
      await stream.close().catch(() => undefined);
    }
  } finally {
    await consumer.close(true).catch(() => undefined);
  }
  return values;
}

/**
 * Deletes the named topics and every topic starting with one of `prefixes`; best effort, so
 * that runs on a shared broker (BENCH_KAFKA_BOOTSTRAP) leave nothing behind.
 */
export async function deleteTopics(admin: Admin, names: readonly string[], prefixes: readonly string[] = []): Promise<void> {
  try {
    const existing = await admin.listTopics();
    const doomed = existing.filter((topic) => names.includes(topic) || prefixes.some((prefix) => topic.startsWith(prefix)));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
  } catch {
    // Leftovers only cost disk on a broker that the run did not start.
  }
}

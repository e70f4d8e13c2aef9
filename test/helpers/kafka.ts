import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { ResolvedKafkaOptions } from '../../src/adapters/kafka/client-options.ts';
import { Consumer, MessagesStreamModes } from '@platformatic/kafka';
import { createAdmin, resolveKafkaOptions } from '../../src/adapters/kafka/client-options.ts';
import type { Opened, OpenPort } from '../adapters/contracts/harness.ts';

/** The bootstrap address of the broker the Kafka tests use, from `SLUICE_TEST_KAFKA`. */
export const kafkaBootstrap: string | undefined = process.env.SLUICE_TEST_KAFKA?.trim() || undefined;

export const kafkaSkipMessage = 'SLUICE_TEST_KAFKA is not set; start a broker with scripts/kafka.sh start';

/**
 * The broker address, or undefined after marking the test skipped when no broker is set.
 *
 * @example const brokers = kafkaBrokers(t); if (brokers === undefined) return;
 */
export function kafkaBrokers(t: TestContext): string[] | undefined {
  if (kafkaBootstrap === undefined) {
    t.skip(kafkaSkipMessage);
    return undefined;
  }
  return kafkaBootstrap.split(',').map((address) => address.trim());
}

/** Options for a Kafka store on the test broker whose topics and groups no other test uses. */
export function kafkaTestOptions(brokers: string[]): ResolvedKafkaOptions {
  return resolveKafkaOptions({ brokers, topicPrefix: `sluicetest-${randomBytes(4).toString('hex')}-`, clientId: 'sluice-test' });
}

/** Deletes every topic under the options' prefix; best effort, for cleanup after a test. */
export async function deleteTestTopics(options: ResolvedKafkaOptions): Promise<void> {
  const admin = createAdmin(options, 'test-cleanup');
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(options.topicPrefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } catch {
    // Cleanup must not fail a test; a fresh broker per run removes leftovers.
  } finally {
    await admin.close();
  }
}

/**
 * A contract harness: opens the port on a fresh prefix of the test broker; `reopen` closes it
 * and opens the same prefix again, as a restarted process would. Cleans up after the test.
 */
export function kafkaPort<P extends { close(): Promise<void> }>(brokers: string[], open: (options: ResolvedKafkaOptions) => Promise<P>): OpenPort<P> {
  return async (t) => {
    const options = kafkaTestOptions(brokers);
    let current: P | undefined = await open(options);
    t.after(async () => {
      await current?.close();
      await deleteTestTopics(options);
    });
    const opened: Opened<P> = {
      port: current,
      async reopen() {
        const previous = current;
        current = undefined;
        await previous?.close();
        current = await open(options);
        return current;
      },
    };
    return opened;
  };
}

/** A message as a test reads it back from a topic. */
export interface ReadMessage {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer;
  headers: Map<string, string>;
}

/**
 * Reads a topic from its beginning with a fresh consumer group until `count` messages came
 * or `timeoutMs` passed; answers what came (a test then asserts on it). `readCommitted`:
 * only messages of committed transactions (isolation level read_committed).
 */
export async function readTopic(
  brokers: string[],
  topic: string,
  count: number,
  timeoutMs = 20_000,
  options: { readCommitted?: boolean } = {},
): Promise<ReadMessage[]> {
  const consumer = new Consumer({
    clientId: 'sluice-test-reader',
    bootstrapBrokers: brokers,
    groupId: `sluicetest-reader-${randomBytes(4).toString('hex')}`,
    timeout: 10_000,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const messages: ReadMessage[] = [];
  try {
    const stream = await consumer.consume({
      topics: [topic],
      autocommit: false,
      mode: MessagesStreamModes.EARLIEST,
      maxWaitTime: 200,
      isolationLevel: options.readCommitted === true ? 1 : 0,
    });
    const timer = setTimeout(() => void stream.close(), timeoutMs);
    try {
      for await (const message of stream) {
        const headers = new Map<string, string>();
        for (const [name, value] of message.headers) headers.set(name.toString(), value.toString());
        messages.push({ partition: message.partition, offset: Number(message.offset), key: message.key ?? null, value: message.value, headers });
        if (messages.length >= count) break;
      }
    } finally {
      clearTimeout(timer);
      await stream.close().catch(() => undefined);
    }
  } finally {
    await consumer.close(true).catch(() => undefined);
  }
  return messages;
}

/**
 * Consumes topics Sluice does not own, in a real Kafka consumer group, for the source service
 * (docs/internals/kafka.md "Sources"). Offsets are committed per batch, in order, after the batch was stored.
 */
import type { Message, MessagesStream } from '@platformatic/kafka';
import { Consumer, MessagesStreamFallbackModes, MessagesStreamModes } from '@platformatic/kafka';
import type { SourceReader, SourceRecord, SourceSubscription, SourceSubscriptionEvents, SourceSubscriptionOptions } from '../../ports/source-reader.ts';
import type { ResolvedKafkaOptions } from './client-options.ts';

type BufferMessage = Message<Buffer, Buffer, Buffer, Buffer>;
type BufferStream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

/** Pause before a failed batch is handed over again; doubles up to the maximum. */
const retryPauseMs = 250;
const maxRetryPauseMs = 5_000;
/**
 * Bytes one fetch may bring, in all and per partition: bounds what a source holds in memory
 * (the client's default is 50 MiB per fetch). The client decodes a whole fetch at once into
 * message objects that wait in the stream until read, each several times its record's size
 * and all of them keeping the fetch's buffer alive; 1 MiB is about 4,000 records of 250 bytes,
 * two of the source's batches. With 8 MiB a source drained a topic at the same rate while
 * holding up to 30,000 decoded records, most of which the collector moved to the old
 * generation before they were stored.
 */
export const sourceFetchMaxBytes = 1024 * 1024;
const sourceFetchMaxBytesPerPartition = 256 * 1024;

export class KafkaSourceReader implements SourceReader {
  readonly #options: ResolvedKafkaOptions;
  readonly #open = new Set<KafkaSourceSubscription>();

  constructor(options: ResolvedKafkaOptions) {
    this.#options = options;
  }

  async subscribe(options: SourceSubscriptionOptions, events: SourceSubscriptionEvents): Promise<SourceSubscription> {
    const consumer = new Consumer({
      clientId: `${this.#options.clientId}-source`,
      bootstrapBrokers: this.#options.brokers,
      // Group ids get the installation's prefix, like every group Sluice creates.
      groupId: `${this.#options.topicPrefix}${options.group}`,
      timeout: 10_000,
      retries: 3,
      retryDelay: 250,
      // Brokers refuse sessions shorter than group.min.session.timeout.ms (6 s by default).
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxBytes: sourceFetchMaxBytes,
      maxBytesPerPartition: sourceFetchMaxBytesPerPartition,
    });
    let stream: BufferStream;
    try {
      stream = await consumer.consume({
        topics: [options.topic],
        autocommit: false,
        mode: MessagesStreamModes.COMMITTED,
        fallbackMode: MessagesStreamFallbackModes.EARLIEST,
        maxWaitTime: 500,
      });
    } catch (error) {
      await consumer.close(true).catch(() => undefined);
      throw error;
    }
    const subscription = new KafkaSourceSubscription(consumer, stream, options.maxBatch, events, () => this.#open.delete(subscription));
    this.#open.add(subscription);
    return subscription;
  }

  sluiceName(topic: string): string | undefined {
    return topic.startsWith(this.#options.topicPrefix) ? topic.slice(this.#options.topicPrefix.length) : undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#open].map((subscription) => subscription.close()));
  }
}

class KafkaSourceSubscription implements SourceSubscription {
  readonly #consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  readonly #stream: BufferStream;
  readonly #events: SourceSubscriptionEvents;
  readonly #maxBatch: number;
  readonly #stop = new AbortController();
  readonly #running: Promise<void>;
  readonly ended: Promise<void>;
  #streamError: unknown;
  readonly #forget: () => void;
  #closed: Promise<void> | undefined;
  /** Resolves the reader's wait when the stream has records, ends or fails. */
  #wake: (() => void) | undefined;

  constructor(
    consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    stream: BufferStream,
    maxBatch: number,
    events: SourceSubscriptionEvents,
    forget: () => void,
  ) {
    this.#consumer = consumer;
    this.#stream = stream;
    this.#maxBatch = maxBatch;
    this.#events = events;
    this.#forget = forget;
    // Without a listener, a stream error would be thrown as an uncaught exception.
    stream.on('error', (error: unknown) => {
      this.#streamError ??= error;
      this.#wakeUp();
    });
    // The listener stays for the stream's whole life: without one, the stream counts as
    // unread (readableFlowing null), and @platformatic/kafka then skips the fetch Node asks
    // for when the buffer drains, so a partition whose data did not fit one fetch stalls.
    stream.on('readable', () => this.#wakeUp());
    stream.on('close', () => this.#wakeUp());
    this.#stop.signal.addEventListener('abort', () => this.#wakeUp(), { once: true });
    this.#running = this.#run().catch((error: unknown) => {
      if (!this.#stop.signal.aborted) events.problem(error, 'the source stopped reading its topic');
    });
    this.ended = this.#running;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#stop.abort();
      await this.#running;
      await this.#stream.close().catch(() => undefined);
      await this.#consumer.close(true).catch(() => undefined);
      this.#forget();
    })();
    return this.#closed;
  }

  async #run(): Promise<void> {
    // The next batch is read and prepared (the CPU part) while the one before is stored.
    // Stores form a chain, one at a time in record order, so a batch that fails holds back
    // every later one until it is stored; resolves false when closing ended a retry.
    let storing: Promise<boolean> = Promise.resolve(true);
    // A batch's commit costs a round trip to the group coordinator that the next store need
    // not wait for; commits still go one after the other, in order.
    let committing: Promise<void> = Promise.resolve();
    try {
      while (!this.#stop.signal.aborted) {
        const batch = await this.#nextBatch();
        if (batch.length === 0) continue;
        // Only the last message of each partition is kept for the commit: the others, and
        // their buffers, may be collected while the batch is stored rather than outlive it.
        const commitAfter = lastOfEachPartition(batch);
        const store = await this.#prepare(batch.map(toSourceRecord));
        // One batch waits prepared, no more: the previous store must end before this one is queued.
        if (!(await storing)) return;
        storing = (async () => {
          if (!(await this.#deliver(store))) return false;
          await committing;
          committing = this.#commit(commitAfter);
          return true;
        })();
      }
    } finally {
      await storing;
      await committing;
    }
  }

  /** Prepares the batch now; every attempt to store it stores that same preparation. */
  async #prepare(records: readonly SourceRecord[]): Promise<() => Promise<void>> {
    let store: (() => Promise<void>) | undefined;
    // Kept only while the batch is not prepared: prepared, the records are garbage.
    let unprepared: readonly SourceRecord[] | undefined = records;
    try {
      store = await this.#events.prepare(records);
      unprepared = undefined;
    } catch (error) {
      // Nothing was stored: the first attempt to store prepares the batch again.
      this.#events.problem(error, 'a batch of source records could not be prepared; it will be prepared again');
    }
    return async () => {
      store ??= await this.#events.prepare(unprepared!);
      unprepared = undefined;
      await store();
    };
  }

  /** Everything buffered (up to maxBatch), waiting for at least one record. */
  async #nextBatch(): Promise<BufferMessage[]> {
    const batch: BufferMessage[] = [];
    for (;;) {
      while (batch.length < this.#maxBatch) {
        const message = this.#stream.read() as BufferMessage | null;
        if (message === null) break;
        batch.push(message);
      }
      if (batch.length > 0 || this.#stop.signal.aborted) return batch;
      if (this.#streamError !== undefined)
        throw this.#streamError instanceof Error ? this.#streamError : new Error('the consumer stream failed', { cause: this.#streamError });
      if (this.#stream.destroyed || this.#stream.readableEnded) throw new Error('the consumer stream ended');
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Stores the batch, again and again after failures; false when closed first. */
  async #deliver(store: () => Promise<void>): Promise<boolean> {
    let pause = retryPauseMs;
    for (;;) {
      try {
        await store();
        return true;
      } catch (error) {
        this.#events.problem(error, 'a batch of source records was not stored; it will be stored again');
      }
      if (!(await sleep(pause, this.#stop.signal))) return false;
      pause = Math.min(pause * 2, maxRetryPauseMs);
    }
  }

  /**
   * Commits the offsets of a batch, given as the last message of each of its partitions. The
   * stream gathers commits asked for together into one OffsetCommit, so every partition is
   * asked for at once. Never rejects.
   */
  async #commit(lastOfEach: readonly BufferMessage[]): Promise<void> {
    const outcomes = await Promise.allSettled(lastOfEach.map(async (message) => message.commit()));
    for (const outcome of outcomes) {
      // After a rebalance another member owns the partition and reads it again from the
      // last commit; the producer ids make that redelivery a duplicate, not a second copy.
      if (outcome.status === 'rejected') this.#events.problem(outcome.reason, 'committing source offsets failed');
    }
  }
}

function lastOfEachPartition(batch: readonly BufferMessage[]): BufferMessage[] {
  const last = new Map<string, BufferMessage>();
  for (const message of batch) last.set(`${message.topic}#${message.partition}`, message);
  return [...last.values()];
}

function toSourceRecord(message: BufferMessage): SourceRecord {
  const headers = new Map<string, string>();
  for (const [name, value] of message.headerEntries) headers.set(name.toString('utf8'), value.toString('utf8'));
  return {
    topic: message.topic,
    partition: message.partition,
    offset: Number(message.offset),
    // The deserializer gives a missing key as an empty buffer; an empty key carries nothing either.
    key: message.key === undefined || message.key === null || message.key.length === 0 ? null : message.key,
    value: message.value ?? null,
    headers,
    timestamp: Number(message.timestamp),
  };
}

/** Resolves true after `ms`, or false at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

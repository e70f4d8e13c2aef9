/**
 * Shared settings and small helpers for the Kafka adapter (see docs/internals/kafka.md).
 *
 * Every port opens its own @platformatic/kafka clients: a Kafka broker serves the requests
 * of one connection in order, so a long-polling fetch (the catalog follower) must not share
 * a connection with appends or reads.
 */
import type { ConnectionOptions } from '@platformatic/kafka';
import type { MessageToProduce } from '@platformatic/kafka';
import { Admin, Consumer, Producer, ProduceAcks } from '@platformatic/kafka';
import { defaultDedupWindow, type DedupWindow } from '../../ports/event-log.ts';

export interface KafkaStoreOptions {
  /** Bootstrap addresses, e.g. `['127.0.0.1:9092']`. */
  brokers: string[];
  /** Put before every topic and group name Sluice creates; default ''. */
  topicPrefix?: string;
  /** Replication factor of the topics Sluice creates; default 1. */
  replicationFactor?: number;
  /** Client id the brokers see; default 'sluice'. */
  clientId?: string;
  /** How far back the event log recognises repeated producer ids; default 24 h and 500,000 ids per stream. */
  dedupWindow?: DedupWindow;
}

export interface ResolvedKafkaOptions {
  brokers: string[];
  topicPrefix: string;
  replicationFactor: number;
  clientId: string;
  dedupWindow: DedupWindow;
}

export function resolveKafkaOptions(options: KafkaStoreOptions): ResolvedKafkaOptions {
  if (options.brokers.length === 0) throw new Error('the Kafka store needs at least one bootstrap broker');
  return {
    brokers: options.brokers,
    topicPrefix: options.topicPrefix ?? '',
    replicationFactor: options.replicationFactor ?? 1,
    clientId: options.clientId ?? 'sluice',
    dedupWindow: { ...(options.dedupWindow ?? defaultDedupWindow) },
  };
}

/** Bounded client timeouts, so a lost broker surfaces as an error rather than a hang. */
export const clientTimeouts: Partial<ConnectionOptions> & { timeout: number; retries: number; retryDelay: number } = {
  timeout: 10_000,
  retries: 3,
  retryDelay: 250,
};

export function createAdmin(options: ResolvedKafkaOptions, role: string): Admin {
  return new Admin({ ...clientTimeouts, clientId: `${options.clientId}-${role}`, bootstrapBrokers: options.brokers });
}

/** An idempotent producer with acks=all: acknowledged means stored on every in-sync replica. */
export function createProducer(options: ResolvedKafkaOptions, role: string): Producer {
  return new Producer(producerOptions(options, role));
}

/**
 * A transactional producer: its first transaction gives the id a new epoch, which fences every
 * earlier producer of the same id. No producer id or epoch of its own (-1), so the coordinator
 * hands out the next epoch instead of refusing a mismatch.
 */
export function createTransactionalProducer(options: ResolvedKafkaOptions, role: string, transactionalId: string): Producer {
  return new Producer({ ...producerOptions(options, role), transactionalId, producerId: -1n, producerEpoch: -1 });
}

function producerOptions(options: ResolvedKafkaOptions, role: string) {
  return {
    ...clientTimeouts,
    clientId: `${options.clientId}-${role}`,
    bootstrapBrokers: options.brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    autocreateTopics: false,
  };
}

/** A consumer used only for group-less fetches and offset lookups; it never joins a group. */
export function createFetcher(options: ResolvedKafkaOptions, role: string): Consumer {
  return new Consumer({
    ...clientTimeouts,
    clientId: `${options.clientId}-${role}`,
    bootstrapBrokers: options.brokers,
    groupId: `${options.topicPrefix}_sluice_fetch_${role}`,
  });
}

/** Kafka's RecordBatch attribute bit of control batches (transaction markers). */
export const CONTROL_BATCH = 0x20;

export function header(headers: readonly [Buffer | null, Buffer | null][], name: string): string | undefined {
  for (const [key, value] of headers) if (key !== null && key.toString() === name) return value === null ? undefined : value.toString();
  return undefined;
}

interface QueuedSend {
  messages: MessageToProduce[];
  resolve: (offsets: number[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Sends through one idempotent producer one round at a time, each round carrying everything
 * queued, and answers each message's offset (the partition's base offset plus its place in
 * the round). One request in flight keeps the producer's sequence numbers simple.
 */
export class SerialSender {
  readonly #producer: Producer;
  #queue: QueuedSend[] = [];
  #running: Promise<void> | undefined;

  constructor(producer: Producer) {
    this.#producer = producer;
  }

  send(messages: MessageToProduce[]): Promise<number[]> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ messages, resolve, reject });
      this.#running ??= this.#drain();
    });
  }

  /** Resolves once everything queued so far has been answered. */
  async idle(): Promise<void> {
    await this.#running;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const round = this.#queue;
        this.#queue = [];
        try {
          const produced = await this.#producer.send({ messages: round.flatMap((queued) => queued.messages) });
          const next = new Map<string, number>();
          for (const o of produced.offsets ?? []) next.set(`${o.topic}#${o.partition}`, Number(o.offset));
          for (const queued of round) {
            queued.resolve(
              queued.messages.map((message) => {
                const slot = `${message.topic}#${message.partition ?? 0}`;
                const offset = next.get(slot);
                if (offset === undefined) throw new Error(`the broker did not answer an offset for ${slot}`);
                next.set(slot, offset + 1);
                return offset;
              }),
            );
          }
        } catch (error) {
          for (const queued of round) queued.reject(error);
        }
      }
    } finally {
      this.#running = undefined;
    }
  }
}

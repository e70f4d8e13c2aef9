/**
 * StateStore on Kafka: each namespace is a compacted single-partition changelog topic
 * `<prefix>_sluice_state.<namespace>`, read into memory the first time the namespace is used
 * in this process and written through. Keys are `s/<key>` (the entry) and
 * `p/<stream>/<partition>` (progress); a deleted key is a tombstone.
 *
 * An apply is one produce of one partition, which the broker appends as one record batch:
 * all of it or none, so a crash never leaves state without the progress written with it. An
 * apply larger than a batch may hold (`maxApplyBytes`) is written as several, progress last.
 * One process owns
 * a namespace at a time (the correlation's consumer group decides which); a process that
 * takes one over reads the changelog to its end first.
 */
import { createHash } from 'node:crypto';
import type { Admin, Consumer, MessageToProduce, Producer } from '@platformatic/kafka';
import type { StateEntry, StateProgress, StateStore, StateWrite } from '../../ports/state-store.ts';
import type { ResolvedKafkaOptions } from './client-options.ts';
import { createAdmin, createFetcher, createProducer, SerialSender } from './client-options.ts';
import { endOffset, ensureSingleTopic, TopicTail } from './topic-tail.ts';

/** Below Kafka's default max.message.bytes (1 MiB), so an apply stays one batch. */
const maxApplyBytes = 900 * 1024;

interface Namespace {
  topic: string;
  entries: Map<string, StateEntry>;
  progress: Map<string, StateProgress>;
}

export class KafkaStateStore implements StateStore {
  readonly #options: ResolvedKafkaOptions;
  readonly #admin: Admin;
  readonly #producer: Producer;
  readonly #sender: SerialSender;
  readonly #fetcher: Consumer;
  readonly #loaded = new Map<string, Promise<Namespace>>();

  constructor(options: ResolvedKafkaOptions) {
    this.#options = options;
    this.#admin = createAdmin(options, 'state-admin');
    this.#producer = createProducer(options, 'state-producer');
    this.#sender = new SerialSender(this.#producer);
    this.#fetcher = createFetcher(options, 'state-load');
  }

  async get(namespace: string, keys: readonly string[]): Promise<StateEntry[]> {
    const ns = await this.#namespace(namespace);
    return keys.map((key) => ns.entries.get(key)).filter((entry): entry is StateEntry => entry !== undefined);
  }

  async apply(namespace: string, writes: readonly StateWrite[], progress: readonly StateProgress[]): Promise<void> {
    const ns = await this.#namespace(namespace);
    const messages: MessageToProduce[] = [];
    for (const write of writes) {
      const message: MessageToProduce = { topic: ns.topic, partition: 0, key: Buffer.from(`s/${write.key}`) };
      // A deleted key is a tombstone (no value), which compaction removes.
      if (write.value !== null) message.value = Buffer.from(JSON.stringify({ value: write.value, deadline: write.deadline }));
      messages.push(message);
    }
    for (const p of progress) messages.push({ topic: ns.topic, partition: 0, key: Buffer.from(`p/${p.stream}/${p.partition}`), value: Buffer.from(String(p.offset)) });
    // Progress goes last, in the last batch: a crash before it leaves some keys written ahead of
    // their progress, and the processor recognises those records as duplicates when it reads
    // them again (every instance keeps the ids of its events).
    let chunk: MessageToProduce[] = [];
    let bytes = 0;
    for (const message of messages) {
      const size = (message.key?.length ?? 0) + (message.value?.length ?? 0) + 32;
      if (chunk.length > 0 && bytes + size > maxApplyBytes) {
        await this.#sender.send(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(message);
      bytes += size;
    }
    if (chunk.length > 0) await this.#sender.send(chunk);
    for (const write of writes) {
      if (write.value === null) ns.entries.delete(write.key);
      else ns.entries.set(write.key, { key: write.key, value: write.value, deadline: write.deadline });
    }
    for (const p of progress) ns.progress.set(`${p.stream}/${p.partition}`, { ...p });
  }

  async due(namespace: string, now: number, limit: number): Promise<StateEntry[]> {
    const ns = await this.#namespace(namespace);
    return [...ns.entries.values()]
      .filter((entry) => entry.deadline !== null && entry.deadline <= now)
      .sort((a, b) => a.deadline! - b.deadline!)
      .slice(0, limit);
  }

  async nextDeadline(namespace: string): Promise<number | undefined> {
    const ns = await this.#namespace(namespace);
    let next: number | undefined;
    for (const entry of ns.entries.values()) if (entry.deadline !== null && (next === undefined || entry.deadline < next)) next = entry.deadline;
    return next;
  }

  async progress(namespace: string): Promise<StateProgress[]> {
    const ns = await this.#namespace(namespace);
    return [...ns.progress.values()].sort((a, b) => a.stream.localeCompare(b.stream) || a.partition - b.partition);
  }

  async list(namespace: string, limit: number, after = ''): Promise<StateEntry[]> {
    const ns = await this.#namespace(namespace);
    return [...ns.entries.values()].filter((entry) => entry.key > after).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(0, limit);
  }

  async size(namespace: string): Promise<number> {
    return (await this.#namespace(namespace)).entries.size;
  }

  async drop(namespace: string): Promise<void> {
    const topic = this.#topicOf(namespace);
    this.#loaded.delete(namespace);
    if ((await this.#admin.listTopics()).includes(topic)) await this.#admin.deleteTopics({ topics: [topic] });
  }

  refresh(namespace: string): Promise<void> {
    this.#loaded.delete(namespace);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await this.#sender.idle();
    await Promise.allSettled([this.#producer.close(), this.#admin.close(), this.#fetcher.close(true)]);
  }

  #namespace(namespace: string): Promise<Namespace> {
    let loading = this.#loaded.get(namespace);
    if (loading === undefined) {
      loading = this.#load(namespace);
      this.#loaded.set(namespace, loading);
      loading.catch(() => this.#loaded.delete(namespace));
    }
    return loading;
  }

  /** Reads the changelog to its end. */
  async #load(namespace: string): Promise<Namespace> {
    const topic = this.#topicOf(namespace);
    await ensureSingleTopic(this.#admin, this.#fetcher, topic, this.#options.replicationFactor, [{ name: 'cleanup.policy', value: 'compact' }]);
    const end = await endOffset(this.#admin, topic);
    const ns: Namespace = { topic, entries: new Map(), progress: new Map() };
    if (end === 0) return ns;
    const done = new Promise<void>((resolve, reject) => {
      const tail = new TopicTail(this.#fetcher, topic, {
        record: (record) => {
          if (record.key.startsWith('s/')) {
            const key = record.key.slice(2);
            if (record.value === null) ns.entries.delete(key);
            else {
              const stored = JSON.parse(record.value.toString()) as { value: string; deadline: number | null };
              ns.entries.set(key, { key, value: stored.value, deadline: stored.deadline });
            }
          } else if (record.key.startsWith('p/') && record.value !== null) {
            const rest = record.key.slice(2);
            const slash = rest.lastIndexOf('/');
            const progress = { stream: rest.slice(0, slash), partition: Number(rest.slice(slash + 1)), offset: Number(record.value.toString()) };
            ns.progress.set(`${progress.stream}/${progress.partition}`, progress);
          }
        },
        fetched: () => {
          if (tail.next >= end) void tail.stop().then(resolve);
        },
        failed: (error) => {
          void tail.stop().then(() => reject(error));
        },
      });
      tail.start();
    });
    await done;
    return ns;
  }

  /** Topic names allow letters, digits, `.`, `_`, `-`: other characters become `_`, with a hash to keep names apart. */
  #topicOf(namespace: string): string {
    const safe = namespace.replace(/[^A-Za-z0-9._-]/g, '_');
    const hash = createHash('sha256').update(namespace).digest('hex').slice(0, 8);
    return `${this.#options.topicPrefix}_sluice_state.${safe.slice(0, 180)}.${hash}`;
  }
}

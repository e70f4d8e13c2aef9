/**
 * StateStore on Kafka: the shards of a namespace share one compacted changelog topic
 * `<prefix>_sluice_state.<base>` with a partition per shard (a correlation's shard is the
 * input partition its keys hash to), read into memory the first time the shard is used in this
 * process and written through. Keys are `s/<key>` (the entry) and `p/<stream>/<partition>`
 * (progress); a deleted key is a tombstone.
 *
 * Each shard is written by a transactional producer whose id belongs to the shard: an apply is
 * one transaction, all of it or none, however many batches it takes, and a process that
 * claims the shard gives that id a new epoch, so the previous owner's writes fail from then
 * on (a stalled owner that wakes up cannot overwrite its successor's state). The changelog is
 * read committed: an aborted apply is never seen.
 */
import { createHash } from 'node:crypto';
import type { Admin, Consumer, MessageToProduce, Producer } from '@platformatic/kafka';
import type { StateEntry, StateProgress, StateStore, StateWrite } from '../../ports/state-store.ts';
import { namespaceShard } from '../../ports/state-store.ts';
import type { ResolvedKafkaOptions } from './client-options.ts';
import { createAdmin, createFetcher, createTransactionalProducer } from './client-options.ts';
import { endOffset, ensureOwnTopic, isUnknownTopic, TopicTail } from './topic-tail.ts';

/** Below Kafka's default max.message.bytes (1 MiB): one produce request of an apply. */
const maxSendBytes = 900 * 1024;

interface Namespace {
  topic: string;
  partition: number;
  entries: Map<string, StateEntry>;
  progress: Map<string, StateProgress>;
}

/** A shard's writer, or the mark that another process fenced this one off. */
type Writer = Producer | 'fenced';

export class KafkaStateStore implements StateStore {
  readonly #options: ResolvedKafkaOptions;
  readonly #admin: Admin;
  readonly #fetcher: Consumer;
  readonly #loaded = new Map<string, Promise<Namespace>>();
  readonly #writers = new Map<string, Writer>();

  constructor(options: ResolvedKafkaOptions) {
    this.#options = options;
    this.#admin = createAdmin(options, 'state-admin');
    this.#fetcher = createFetcher(options, 'state-load');
  }

  async get(namespace: string, keys: readonly string[]): Promise<StateEntry[]> {
    const ns = await this.#namespace(namespace);
    return keys.map((key) => ns.entries.get(key)).filter((entry): entry is StateEntry => entry !== undefined);
  }

  async apply(namespace: string, writes: readonly StateWrite[], progress: readonly StateProgress[]): Promise<void> {
    const ns = await this.#namespace(namespace);
    const writer = this.#writers.get(namespace) ?? (await this.#claimWriter(namespace));
    if (writer === 'fenced') throw new Error(`another process has claimed the state ${namespace}; this one no longer writes it`);
    const messages: MessageToProduce[] = [];
    for (const write of writes) {
      const message: MessageToProduce = { topic: ns.topic, partition: ns.partition, key: Buffer.from(`s/${write.key}`) };
      // A deleted key is a tombstone (no value), which compaction removes.
      if (write.value !== null) message.value = Buffer.from(JSON.stringify({ value: write.value, deadline: write.deadline }));
      messages.push(message);
    }
    for (const p of progress)
      messages.push({ topic: ns.topic, partition: ns.partition, key: Buffer.from(`p/${p.stream}/${p.partition}`), value: Buffer.from(String(p.offset)) });
    const transaction = await writer.beginTransaction();
    try {
      let chunk: MessageToProduce[] = [];
      let bytes = 0;
      for (const message of messages) {
        const size = (message.key?.length ?? 0) + (message.value?.length ?? 0) + 32;
        if (chunk.length > 0 && bytes + size > maxSendBytes) {
          await transaction.send({ messages: chunk });
          chunk = [];
          bytes = 0;
        }
        chunk.push(message);
        bytes += size;
      }
      if (chunk.length > 0) await transaction.send({ messages: chunk });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => transaction.cancel());
      // Fenced, or unsure whether the transaction committed: only a new claim, which reads the
      // changelog afresh, may write this shard again.
      this.#writers.set(namespace, 'fenced');
      this.#loaded.delete(namespace);
      await writer.close(true).catch(() => undefined);
      throw error;
    }
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
    return [...ns.entries.values()]
      .filter((entry) => entry.key > after)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, limit);
  }

  async size(namespace: string): Promise<number> {
    return (await this.#namespace(namespace)).entries.size;
  }

  async drop(namespace: string): Promise<void> {
    const { base } = namespaceShard(namespace);
    const topic = this.#topicOf(base);
    for (const loaded of [...this.#loaded.keys()]) if (namespaceShard(loaded).base === base) this.#loaded.delete(loaded);
    for (const [written, writer] of [...this.#writers]) {
      if (namespaceShard(written).base !== base) continue;
      this.#writers.delete(written);
      if (writer !== 'fenced') await writer.close(true).catch(() => undefined);
    }
    if ((await this.#admin.listTopics()).includes(topic)) await this.#admin.deleteTopics({ topics: [topic] });
  }

  refresh(namespace: string): Promise<void> {
    this.#loaded.delete(namespace);
    return Promise.resolve();
  }

  async claim(namespace: string): Promise<void> {
    this.#loaded.delete(namespace);
    await this.#claimWriter(namespace);
    await this.#namespace(namespace);
  }

  async close(): Promise<void> {
    const writers = [...this.#writers.values()];
    this.#writers.clear();
    await Promise.allSettled([
      ...writers.map((writer) => (writer === 'fenced' ? undefined : writer.close(true))),
      this.#admin.close(),
      this.#fetcher.close(true),
    ]);
  }

  /**
   * A new writer for the shard: its first transaction (empty) gives the shard's transactional
   * id a new epoch, fencing the previous writer and settling its open transaction, so the
   * changelog read after this holds everything that writer committed.
   */
  async #claimWriter(namespace: string): Promise<Producer> {
    const previous = this.#writers.get(namespace);
    this.#writers.delete(namespace);
    if (previous !== undefined && previous !== 'fenced') await previous.close(true).catch(() => undefined);
    const id = `${this.#options.topicPrefix}_sluice_state.${createHash('sha256').update(namespace).digest('hex').slice(0, 24)}`;
    const producer = createTransactionalProducer(this.#options, 'state-writer', id);
    try {
      const transaction = await producer.beginTransaction();
      await transaction.cancel();
    } catch (error) {
      await producer.close(true).catch(() => undefined);
      throw error;
    }
    this.#writers.set(namespace, producer);
    return producer;
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

  /**
   * Makes sure the changelog exists and answers the shard's end offset. A topic dropped just
   * before may still be listed while the broker already forgets it: then wait for it to go
   * and make it again.
   */
  async #ensureTopic(topic: string, shards: number, shard: number): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        await ensureOwnTopic(this.#admin, this.#fetcher, topic, this.#options.replicationFactor, [{ name: 'cleanup.policy', value: 'compact' }], shards);
        return await endOffset(this.#admin, topic, shard);
      } catch (error) {
        if (!isUnknownTopic(error) || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Reads the shard's partition of the changelog to its end. */
  async #load(namespace: string): Promise<Namespace> {
    const { base, shard, shards } = namespaceShard(namespace);
    const topic = this.#topicOf(base);
    const end = await this.#ensureTopic(topic, shards, shard);
    const ns: Namespace = { topic, partition: shard, entries: new Map(), progress: new Map() };
    if (end === 0) return ns;
    const done = new Promise<void>((resolve, reject) => {
      const tail = new TopicTail(
        this.#fetcher,
        topic,
        {
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
        },
        0,
        shard,
      );
      tail.start();
    });
    await done;
    return ns;
  }

  /** Topic names allow letters, digits, `.`, `_`, `-`: other characters become `_`, with a hash to keep names apart. */
  #topicOf(base: string): string {
    const safe = base.replace(/[^A-Za-z0-9._-]/g, '_');
    const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
    return `${this.#options.topicPrefix}_sluice_state.${safe.slice(0, 180)}.${hash}`;
  }
}

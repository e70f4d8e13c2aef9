/**
 * Follows one partition of one of Sluice's own topics (the catalog and group presence have
 * one partition, correlations' changelogs one per shard): long-poll fetches from the partition leader on a connection of its own, every
 * record handed over in offset order, until stopped. A failed fetch is reported and tried
 * again after a growing pause, asking the cluster for the leader anew.
 */
import type { Admin, Consumer } from '@platformatic/kafka';
import { CONTROL_BATCH } from './client-options.ts';

/** How long one fetch waits at the broker for new records. */
const FOLLOW_WAIT_MS = 250;
const FETCH_BYTES = 4 * 1024 * 1024;
const MAX_PAUSE_MS = 1000;

export interface TailedRecord {
  offset: number;
  key: string;
  value: Buffer | null;
  /** The record's Kafka timestamp, epoch milliseconds. */
  timestamp: number;
}

export interface TopicTailEvents {
  /** Each record, in offset order. */
  record(record: TailedRecord): void;
  /** After every fetch that succeeded, with or without records. */
  fetched(): void;
  /** After a fetch failed; the tail tries again by itself. */
  failed(error: Error): void;
}

export class TopicTail {
  readonly #fetcher: Consumer;
  readonly #topic: string;
  readonly #events: TopicTailEvents;
  readonly #partition: number;
  #next: number;
  #stopped = false;
  #running: Promise<void> | undefined;

  constructor(fetcher: Consumer, topic: string, events: TopicTailEvents, from = 0, partition = 0) {
    this.#fetcher = fetcher;
    this.#topic = topic;
    this.#events = events;
    this.#next = from;
    this.#partition = partition;
  }

  /** The next offset to hand over. */
  get next(): number {
    return this.#next;
  }

  start(): void {
    this.#running ??= this.#follow();
  }

  /** Stops after the fetch in flight (at most FOLLOW_WAIT_MS plus a round trip). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }

  async #follow(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      try {
        // After a failure the leader may have moved: ask the cluster, not the cache.
        const metadata = await this.#fetcher.metadata({ topics: [this.#topic], forceUpdate: failures > 0 });
        const info = metadata.topics.get(this.#topic);
        const leader = info?.partitions[this.#partition]?.leader;
        if (info === undefined || leader === undefined) throw new Error(`the topic ${this.#topic} has no leader`);
        const response = await this.#fetcher.fetch({
          node: leader,
          maxWaitTime: FOLLOW_WAIT_MS,
          minBytes: 1,
          maxBytes: FETCH_BYTES,
          topics: [
            {
              topicId: info.id,
              partitions: [
                { partition: this.#partition, fetchOffset: BigInt(this.#next), partitionMaxBytes: FETCH_BYTES, currentLeaderEpoch: -1, lastFetchedEpoch: -1 },
              ],
            },
          ],
        });
        if (this.#stopped) return;
        for (const t of response.responses) {
          for (const p of t.partitions) {
            // Compaction or retention may have removed the records before the log start.
            if (Number(p.logStartOffset) > this.#next) this.#next = Number(p.logStartOffset);
            for (const batch of p.records ?? []) {
              const control = (batch.attributes & CONTROL_BATCH) !== 0;
              for (const r of control ? [] : batch.records) {
                const offset = Number(batch.firstOffset) + r.offsetDelta;
                if (offset < this.#next) continue;
                this.#events.record({
                  offset,
                  key: r.key?.toString() ?? '',
                  value: r.value,
                  timestamp: Number(batch.firstTimestamp) + Number(r.timestampDelta),
                });
                this.#next = offset + 1;
              }
              this.#next = Math.max(this.#next, Number(batch.firstOffset) + batch.lastOffsetDelta + 1);
            }
          }
        }
        failures = 0;
        this.#events.fetched();
      } catch (error) {
        if (this.#stopped) return;
        failures++;
        this.#events.failed(error instanceof Error ? error : new Error(String(error)));
        await new Promise((resolve) => setTimeout(resolve, Math.min(FOLLOW_WAIT_MS * failures, MAX_PAUSE_MS)));
      }
    }
  }
}

/**
 * Creates a topic of Sluice's own if it does not exist (another process may create it at the
 * same moment) and waits until each of its partitions has a leader. A topic the brokers do
 * not know while waiting is made again: one deleted just before may still have been listed
 * by a broker that had not caught up.
 */
export async function ensureOwnTopic(
  admin: Admin,
  fetcher: Consumer,
  topic: string,
  replicas: number,
  configs: { name: string; value: string }[],
  partitions = 1,
): Promise<void> {
  // A refusal here (a replication factor the cluster cannot meet, say) is the user's to fix: at once.
  await createIfMissing(admin, topic, replicas, configs, partitions);
  for (let attempt = 0; attempt < 50; attempt++) {
    let unknown: boolean;
    try {
      const metadata = await fetcher.metadata({ topics: [topic], forceUpdate: true });
      const known = metadata.topics.get(topic)?.partitions ?? [];
      if (known.length >= partitions && known.every((p) => (p?.leader ?? -1) >= 0)) return;
      unknown = known.length === 0;
    } catch {
      unknown = true;
    }
    // Not known to the broker we asked yet, or gone: made again if it is not listed; a failure
    // here is met again on the next round.
    if (unknown) await createIfMissing(admin, topic, replicas, configs, partitions).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the topic ${topic} has no leader`);
}

async function createIfMissing(admin: Admin, topic: string, replicas: number, configs: { name: string; value: string }[], partitions: number): Promise<void> {
  if ((await admin.listTopics()).includes(topic)) return;
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas, configs });
  } catch (error) {
    if (!(await admin.listTopics()).includes(topic)) throw error;
  }
}

/** The client's answer for a topic the broker it asked does not know (UNKNOWN_TOPIC_OR_PARTITION). */
export function isUnknownTopic(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('Unknown topic ');
}

/** The offset the next record of the topic's partition will get. */
export async function endOffset(admin: Admin, topic: string, partition = 0): Promise<number> {
  const listed = await admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1n }] }] });
  return Number(listed[0]?.partitions[0]?.offset ?? 0n);
}

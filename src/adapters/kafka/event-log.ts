/**
 * EventLog on Apache Kafka.
 *
 * - A stream is the topic `<prefix><stream>`, created with the stream's partitions and the
 *   configured replication factor. `describeStream`/`listStreams` come from the topic list and
 *   ListOffsets: start offsets are the log start offsets, end offsets the high watermarks.
 * - `append` goes through one writer per EventLog: appends queue up and each round sends every
 *   queued record in one `send` of the idempotent producer (acks=all), so offsets are answered
 *   from the per-partition base offsets the broker assigned, in input order. The producer runs
 *   in a thread of its own (producer-client.ts), which also builds the messages
 *   (produce-columns.ts): a record's key is the record key, its value the data JSON text, its
 *   timestamp the receive time, and its headers the CloudEvents Kafka binding
 *   (`ce_specversion`, `ce_id`, `ce_type`, `ce_source`, `ce_time`, `ce_subject`,
 *   `content-type`) plus `sluice_schemaid`, `sluice_receivedat`, and for records with a
 *   producer's id `sluice_unique` and `sluice_checkedto`.
 * - Dedupe of `unique` ids within the dedup window: per stream an IdIndex (id-index.ts) built
 *   on first use from the window's records only, and brought up to the high watermark before
 *   every writer round, so records written by other processes are seen too. When two processes
 *   write the same id at once, the later copy in the partition is answered as a duplicate and
 *   left out by `read` (later-copies.ts). Limits in docs/internals/kafka.md.
 * - `read` fetches from the partition leader without a consumer group; `offsetForTime` is
 *   ListOffsets by timestamp; `waitForAppend` is woken at once by this process's appends and
 *   otherwise by a poll of the high watermarks (one timer per watched stream, only while
 *   somebody waits, stopped on close).
 */
import { ConfigResourceTypes, IncrementalAlterConfigOperationTypes, type Admin, type Consumer, type KafkaRecord, type RecordsBatch } from '@platformatic/kafka';
import { SluiceError } from '../../domain/errors.ts';
import type { RecordAttributes } from '../../domain/event.ts';
import type { AppendRecord, AppendResult, EventLog, LogRecord, Retention, StreamInfo } from '../../ports/event-log.ts';
import type { ResolvedKafkaOptions } from './client-options.ts';
import { CONTROL_BATCH, createAdmin, createFetcher } from './client-options.ts';
import { IdIndex, type OwnRecord, type ScannedId } from './id-index.ts';
import { laterCopies, uncheckedRange } from './later-copies.ts';
import { toProduceColumns } from './produce-columns.ts';
import { ProducerThread } from './producer-client.ts';
import { isUnknownTopic } from './topic-tail.ts';

/** How often a watched stream's high watermarks are polled for appends by other processes. */
const WATCH_INTERVAL_MS = 100;
/** Bytes asked for per fetch of one partition, at most. */
const FETCH_BYTES = 4 * 1024 * 1024;
/** At least: a fetch returns whole batches, and the first one even when it is larger. */
const MIN_FETCH_BYTES = 16 * 1024;
/** Upper bound on fetch round trips for one read, so a read always ends. */
const MAX_FETCHES_PER_READ = 64;
/** Upper bound on further fetch passes of a read whose records were later copies (left out). */
const MAX_PASSES_PER_READ = 8;

interface Pending {
  records: readonly AppendRecord[];
  resolve: (results: AppendResult[]) => void;
  reject: (error: unknown) => void;
}

/** A record as read from Kafka, with what the later-copy rule needs. */
type FetchedRecord = LogRecord & { unique: string | undefined; checkedTo: number | undefined; batchStart: number };

interface Watch {
  waiters: Set<() => void>;
  timer: NodeJS.Timeout | undefined;
  ends: string | undefined;
  polling: boolean;
}

export class KafkaEventLog implements EventLog {
  readonly #options: ResolvedKafkaOptions;
  readonly #admin: Admin;
  readonly #producer: ProducerThread;
  readonly #fetcher: Consumer;
  readonly #partitions = new Map<string, number>();
  /** Average bytes per record of each topic, from its latest fetch (sizes the next fetch). */
  readonly #recordBytes = new Map<string, number>();
  readonly #indexes = new Map<string, IdIndex>();
  /** The retention last set on each topic by this process, so an unchanged one is not sent again. */
  readonly #retentions = new Map<string, string>();
  readonly #watches = new Map<string, Watch>();
  /** Grows on each wake-up of a stream (see EventLog.appendVersion). */
  readonly #versions = new Map<string, number>();
  #queue: Pending[] = [];
  #writing: Promise<void> | undefined;
  #closed = false;

  constructor(options: ResolvedKafkaOptions) {
    this.#options = options;
    this.#admin = createAdmin(options, 'log-admin');
    this.#producer = new ProducerThread(options, 'log-producer');
    this.#fetcher = createFetcher(options, 'log-fetch');
  }

  #topic(stream: string): string {
    return `${this.#options.topicPrefix}${stream}`;
  }

  async createStream(name: string, partitions: number): Promise<void> {
    const topic = this.#topic(name);
    // A topic this process has seen is still there unless this process deleted it (deleteStream
    // forgets it; another process deletes a stream only once its type or tenant is gone, and
    // then nothing is sent to it); asking the cluster again would cost two round trips on
    // every ingest request.
    if (this.#partitions.has(topic)) return;
    if ((await this.#partitionCount(name, true)) !== undefined) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#admin.createTopics({ topics: [topic], partitions, replicas: this.#options.replicationFactor });
        break;
      } catch (error) {
        // Created meanwhile by another process (TOPIC_ALREADY_EXISTS) is fine.
        if ((await this.#partitionCount(name, true)) !== undefined) break;
        // A topic of that name deleted a moment ago may still be on its way out: try again, briefly.
        if (attempt === 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await this.#waitForLeaders(topic);
  }

  /** A new topic is usable once every partition has a leader; bounded wait. */
  async #waitForLeaders(topic: string): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        const metadata = await this.#fetcher.metadata({ topics: [topic], forceUpdate: true });
        const info = metadata.topics.get(topic);
        if (info !== undefined && info.partitions.every((p) => p.leader >= 0)) {
          this.#partitions.set(topic, info.partitionsCount);
          return;
        }
      } catch {
        // Not known to the broker we asked yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`topic ${topic} has no leaders after creation`);
  }

  /** Partitions of a stream's topic, or undefined when it does not exist. */
  async #partitionCount(stream: string, refresh = false): Promise<number | undefined> {
    const topic = this.#topic(stream);
    const cached = this.#partitions.get(topic);
    if (cached !== undefined && !refresh) return cached;
    const topics = await this.#admin.listTopics();
    if (!topics.includes(topic)) return undefined;
    let metadata: Awaited<ReturnType<Consumer['metadata']>>;
    try {
      metadata = await this.#fetcher.metadata({ topics: [topic], forceUpdate: true });
    } catch (error) {
      // Listed, but not known to the broker asked: a topic being deleted (or not yet created
      // everywhere) is not there.
      if (isUnknownTopic(error)) return undefined;
      throw error;
    }
    const count = metadata.topics.get(topic)?.partitionsCount;
    if (count !== undefined) this.#partitions.set(topic, count);
    return count;
  }

  async #offsets(topic: string, partitions: number, timestamp: bigint): Promise<number[]> {
    const listed = await this.#admin.listOffsets({
      topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp })) }],
    });
    const result = Array.from({ length: partitions }, () => 0);
    for (const t of listed) for (const p of t.partitions) result[p.partitionIndex] = Number(p.offset);
    return result;
  }

  async #info(stream: string, partitions: number): Promise<StreamInfo> {
    const topic = this.#topic(stream);
    const [startOffsets, endOffsets] = await Promise.all([this.#offsets(topic, partitions, -2n), this.#offsets(topic, partitions, -1n)]);
    return { name: stream, partitions, startOffsets, endOffsets };
  }

  async describeStream(name: string): Promise<StreamInfo | undefined> {
    const partitions = await this.#partitionCount(name, true);
    return partitions === undefined ? undefined : this.#info(name, partitions);
  }

  async listStreams(namePrefix: string): Promise<StreamInfo[]> {
    const prefix = this.#options.topicPrefix;
    const topics = (await this.#admin.listTopics()).filter((topic) => topic.startsWith(prefix + namePrefix));
    // Stream names start with a tenant slug; `_…` topics are Sluice's own (the catalog).
    const streams = topics.map((topic) => topic.slice(prefix.length)).filter((stream) => !stream.startsWith('_'));
    if (streams.length === 0) return [];
    const metadata = await this.#fetcher.metadata({ topics: streams.map((s) => this.#topic(s)), forceUpdate: true });
    const infos: StreamInfo[] = [];
    for (const stream of streams.sort()) {
      const count = metadata.topics.get(this.#topic(stream))?.partitionsCount;
      if (count !== undefined) infos.push(await this.#info(stream, count));
    }
    return infos;
  }

  async append(records: readonly AppendRecord[]): Promise<AppendResult[]> {
    if (this.#closed) throw new Error('the event log is closed');
    if (records.length === 0) return [];
    // Check every record before anything is sent, so a refused append stores nothing. The
    // partition counts are nearly always cached: only a miss waits for the cluster.
    for (const record of records) {
      let count = this.#partitions.get(this.#topic(record.stream));
      if (count === undefined || record.partition >= count) count = await this.#partitionCount(record.stream, count !== undefined);
      if (count === undefined) throw new Error(`stream ${record.stream} does not exist`);
      if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= count) {
        throw new Error(`stream ${record.stream} has no partition ${record.partition}`);
      }
    }
    return new Promise<AppendResult[]>((resolve, reject) => {
      this.#queue.push({ records, resolve, reject });
      this.#writing ??= this.#drain();
    });
  }

  /** The writer: one round at a time, each round sending everything queued. */
  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        try {
          const results = await this.#write(batch.flatMap((pending) => pending.records));
          let at = 0;
          for (const pending of batch) {
            pending.resolve(results.slice(at, at + pending.records.length));
            at += pending.records.length;
          }
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.#writing = undefined;
    }
  }

  async #write(records: AppendRecord[]): Promise<AppendResult[]> {
    const indexes = new Map<string, IdIndex>();
    for (const record of records) if (record.unique && !indexes.has(record.stream)) indexes.set(record.stream, this.#index(record.stream));
    await Promise.all([...indexes.values()].map((index) => index.catchUp()));
    // What each decision below is based on: taken at once, before anything can move it.
    const checkpoints = new Map([...indexes].map(([stream, index]) => [stream, index.checkpoint()]));

    const results: (AppendResult | undefined)[] = Array.from({ length: records.length });
    /** For each record sent: its index in `records`. */
    const sent: number[] = [];
    /** Unique ids first seen in this round: stream → id → index in `records`. */
    const fresh = new Map<string, Map<string, number>>();
    records.forEach((record, i) => {
      if (record.unique) {
        const known = indexes.get(record.stream)!.get(dedupKeyOf(record));
        if (known !== undefined) {
          results[i] = { partition: known.partition, offset: known.offset, duplicate: true };
          return;
        }
        const inRound = fresh.get(record.stream) ?? new Map<string, number>();
        fresh.set(record.stream, inRound);
        if (inRound.has(dedupKeyOf(record))) return; // answered below from the first copy
        inRound.set(dedupKeyOf(record), i);
      }
      sent.push(i);
    });

    if (sent.length > 0) {
      const sentRecords = sent.map((i) => records[i]!);
      const checkedTo = new Float64Array(sentRecords.length);
      sentRecords.forEach((record, at) => (checkedTo[at] = record.unique ? (checkpoints.get(record.stream)![record.partition] ?? Number.NaN) : Number.NaN));
      const offsets = await this.#producer.send(toProduceColumns(sentRecords, (stream) => this.#topic(stream), checkedTo));
      sent.forEach((i, at) => (results[i] = { partition: records[i]!.partition, offset: offsets[at]!, duplicate: false }));
      const later = await this.#settle(sentRecords, offsets, checkedTo);
      for (const [at, earlier] of later) results[sent[at]!] = { partition: sentRecords[at]!.partition, offset: earlier, duplicate: true };
      for (const stream of new Set(sentRecords.map((record) => record.stream))) this.#wake(stream);
    }
    records.forEach((record, i) => {
      if (results[i] !== undefined) return;
      const first = results[fresh.get(record.stream)!.get(dedupKeyOf(record))!]!;
      results[i] = { partition: first.partition, offset: first.offset, duplicate: true };
    });
    return results as AppendResult[];
  }

  /**
   * Takes a round's records into the indexes of their streams (IdIndex.settle); answers the
   * records that turned out to be later copies of an id another process wrote meanwhile, by
   * their place in `sent`, with the earlier copy's offset.
   */
  async #settle(sent: readonly AppendRecord[], offsets: Float64Array, checkedTo: Float64Array): Promise<Map<number, number>> {
    const slots = new Map<string, { stream: string; partition: number; places: number[] }>();
    sent.forEach((record, at) => {
      if (!this.#indexes.has(record.stream)) return;
      const slot = `${record.stream}#${record.partition}`;
      const entry = slots.get(slot);
      if (entry === undefined) slots.set(slot, { stream: record.stream, partition: record.partition, places: [at] });
      else entry.places.push(at);
    });
    const later = new Map<number, number>();
    await Promise.all(
      [...slots.values()].map(async ({ stream, partition, places }) => {
        const index = this.#indexes.get(stream)!;
        places.sort((a, b) => offsets[a]! - offsets[b]!);
        const from = places.map((at) => checkedTo[at]!).find((value) => !Number.isNaN(value));
        if (from === undefined) {
          index.skipOwn(
            partition,
            places.map((at) => offsets[at]!),
          );
          return;
        }
        const own: OwnRecord[] = places.map((at) => ({
          offset: offsets[at]!,
          key: sent[at]!.unique ? dedupKeyOf(sent[at]!) : undefined,
          time: sent[at]!.timestamp,
        }));
        const copies = await index.settle(partition, own, from);
        for (const at of places) {
          const earlier = copies.get(offsets[at]!);
          if (earlier !== undefined) later.set(at, earlier);
        }
      }),
    );
    return later;
  }

  /** The id index of a stream, created empty (it reads the window on its first catch-up). */
  #index(stream: string): IdIndex {
    let index = this.#indexes.get(stream);
    if (index !== undefined) return index;
    const topic = this.#topic(stream);
    index = new IdIndex(this.#options.dedupWindow, {
      partitions: async () => (await this.#partitionCount(stream)) ?? 0,
      offsets: (at, partitions) => this.#offsets(topic, partitions, at === 'start' ? -2n : at === 'end' ? -1n : BigInt(Math.max(0, Math.floor(at)))),
      scan: (partition, from, to, limit) => this.#scanIds(stream, partition, from, to, limit),
    });
    this.#indexes.set(stream, index);
    return index;
  }

  /** The unique records of one partition in [from, to), reading at most `limit` records. */
  async #scanIds(stream: string, partition: number, from: number, to: number, limit: number): Promise<{ ids: ScannedId[]; next: number }> {
    const ids: ScannedId[] = [];
    const next = await this.#fetch(stream, partition, from, to, limit, (batch, record, offset) => {
      const marks = uniqueMarks(record.headers);
      if (marks === undefined) return;
      ids.push({
        offset,
        key: marks.key,
        checkedTo: marks.checkedTo,
        batchStart: Number(batch.firstOffset),
        time: Number(batch.firstTimestamp + record.timestampDelta),
      });
    });
    return { ids, next };
  }

  /**
   * Records of a stream, later copies left out (see later-copies.ts): when a pass leaves some
   * out, the read goes on, so a read answers fewer than `limit` records only at the end.
   */
  async read(stream: string, partition: number, fromOffset: number, limit: number): Promise<LogRecord[]> {
    const topic = this.#topic(stream);
    const count = await this.#partitionCount(stream);
    if (count === undefined || partition < 0 || partition >= count || limit <= 0) return [];
    const [starts, ends] = await Promise.all([this.#offsets(topic, count, -2n), this.#offsets(topic, count, -1n)]);
    const end = ends[partition] ?? 0;
    let offset = Math.max(fromOffset, starts[partition] ?? 0);
    const out: LogRecord[] = [];
    /** The unique records read so far, and the first offset they cover. */
    const seen: { offset: number; key: string }[] = [];
    let seenFrom = offset;
    for (let pass = 0; pass < MAX_PASSES_PER_READ && out.length < limit && offset < end; pass++) {
      const fetched: FetchedRecord[] = [];
      const next = await this.#fetch(stream, partition, offset, end, limit - out.length, (batch, record, at) =>
        fetched.push(fromKafka(stream, partition, at, batch, record)),
      );
      const candidates = fetched.flatMap((record) =>
        record.unique === undefined ? [] : [{ offset: record.offset, key: record.unique, checkedTo: record.checkedTo, batchStart: record.batchStart }],
      );
      let hidden: Map<number, number> | undefined;
      let lookBack = Number.POSITIVE_INFINITY;
      for (const candidate of candidates) lookBack = Math.min(lookBack, uncheckedRange(candidate)?.from ?? lookBack);
      if (lookBack < Number.POSITIVE_INFINITY) {
        if (lookBack < seenFrom) {
          const earlier = await this.#scanIds(stream, partition, lookBack, seenFrom, seenFrom - lookBack);
          seen.unshift(...earlier.ids);
          seenFrom = lookBack;
        }
        hidden = laterCopies(candidates, seen);
      }
      seen.push(...candidates);
      for (const record of fetched) if (hidden?.has(record.offset) !== true) out.push(asLogRecord(record));
      if (next <= offset) break;
      offset = next;
    }
    return out;
  }

  /**
   * Bytes to fetch for `wanted` records of a topic: a 4 MiB fetch for a read of 500 would
   * decode some 13,000 records of 300 bytes to keep 500, so fetches are sized by the bytes
   * per record seen in the topic's earlier fetches (a fifth more, for variation).
   */
  #fetchBytes(topic: string, wanted: number): number {
    const perRecord = this.#recordBytes.get(topic) ?? 1024;
    return Math.max(MIN_FETCH_BYTES, Math.min(FETCH_BYTES, Math.ceil(wanted * perRecord * 1.2)));
  }

  /**
   * Fetches one partition from `from` until `to`, or until `take` has had `limit` records,
   * in at most MAX_FETCHES_PER_READ fetches; hands `take` each record with its batch and
   * offset. Answers the offset after the last record taken or passed over.
   */
  async #fetch(
    stream: string,
    partition: number,
    from: number,
    to: number,
    limit: number,
    take: (batch: RecordsBatch, record: KafkaRecord, offset: number) => void,
  ): Promise<number> {
    const topic = this.#topic(stream);
    let offset = from;
    let taken = 0;
    for (let round = 0; round < MAX_FETCHES_PER_READ && taken < limit && offset < to; round++) {
      const metadata = await this.#fetcher.metadata({ topics: [topic] });
      const info = metadata.topics.get(topic);
      const leader = info?.partitions[partition]?.leader;
      if (info === undefined || leader === undefined) throw new Error(`no leader for ${stream}/${partition}`);
      const bytes = this.#fetchBytes(topic, Math.min(limit - taken, to - offset));
      const response = await this.#fetcher.fetch({
        node: leader,
        maxWaitTime: 0,
        minBytes: 1,
        maxBytes: bytes,
        topics: [
          {
            topicId: info.id,
            partitions: [{ partition, fetchOffset: BigInt(offset), partitionMaxBytes: bytes, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }],
          },
        ],
      });
      const before = offset;
      let batchBytes = 0;
      let batchRecords = 0;
      let full = false;
      for (const t of response.responses) {
        for (const p of t.partitions) {
          if (p.partitionIndex !== partition) continue;
          for (const batch of p.records ?? []) {
            if (full) break;
            const first = Number(batch.firstOffset);
            const next = first + batch.lastOffsetDelta + 1;
            if ((batch.attributes & CONTROL_BATCH) === 0) {
              batchBytes += batch.length;
              batchRecords += batch.records.length;
              for (const record of batch.records) {
                const at = first + record.offsetDelta;
                if (at < offset) continue;
                if (at >= to || taken >= limit) {
                  full = true;
                  break;
                }
                take(batch, record, at);
                taken++;
                offset = at + 1;
              }
            }
            // Past the whole batch: a compacted batch may end in offsets no record holds.
            if (!full) offset = Math.max(offset, Math.min(next, to));
          }
        }
      }
      if (batchRecords > 0) this.#recordBytes.set(topic, batchBytes / batchRecords);
      if (offset <= before) break;
    }
    return offset;
  }

  /** The id index: records stored with an id the producer chose, within the dedup window; records with generated ids are not found. */
  async findById(stream: string, dedupKey: string): Promise<{ partition: number; offset: number } | undefined> {
    if ((await this.#partitionCount(stream)) === undefined) return undefined;
    const index = this.#index(stream);
    await index.catchUp();
    return index.get(dedupKey);
  }

  async deleteStream(name: string): Promise<void> {
    const topic = this.#topic(name);
    if ((await this.#partitionCount(name, true)) !== undefined) {
      try {
        await this.#admin.deleteTopics({ topics: [topic] });
      } catch (error) {
        // Deleted meanwhile by another process is fine.
        if ((await this.#partitionCount(name, true)) !== undefined) throw error;
      }
    }
    this.#partitions.delete(topic);
    this.#indexes.delete(name);
    this.#recordBytes.delete(topic);
    this.#retentions.delete(topic);
    this.#wake(name);
  }

  /** Sets the topic's retention.ms and retention.bytes (per partition, as Kafka counts it); the broker deletes. */
  async applyRetention(name: string, retention: Retention): Promise<{ deleted: number; more: boolean }> {
    const topic = this.#topic(name);
    const wanted = { 'retention.ms': String(retention.ms ?? -1), 'retention.bytes': String(retention.bytes ?? -1) };
    if (this.#retentions.get(topic) === JSON.stringify(wanted) || (await this.#partitionCount(name)) === undefined) return { deleted: 0, more: false };
    await this.#admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: topic,
          configs: Object.entries(wanted).map(([configName, value]) => ({
            name: configName,
            configOperation: IncrementalAlterConfigOperationTypes.SET,
            value,
          })),
        },
      ],
    });
    this.#retentions.set(topic, JSON.stringify(wanted));
    return { deleted: 0, more: false };
  }

  /** A topic's records cannot be changed in place: erasure is the embedded store's alone. */
  eraseKey(name: string, _key: string): Promise<number> {
    return Promise.reject(
      new SluiceError('erasure_not_supported', `the events of ${name} are in a Kafka topic, which cannot be changed in place`, {
        details: [{ path: 'key', reason: 'set a retention on the type so that Kafka deletes old records, or erase on the embedded store' }],
      }),
    );
  }

  async offsetForTime(stream: string, partition: number, timestamp: number): Promise<number> {
    const topic = this.#topic(stream);
    const count = (await this.#partitionCount(stream)) ?? 0;
    if (partition < 0 || partition >= count) return 0;
    const found = (await this.#offsets(topic, count, BigInt(timestamp)))[partition] ?? -1;
    if (found >= 0) return found;
    return (await this.#offsets(topic, count, -1n))[partition] ?? 0;
  }

  appendVersion(stream: string): number {
    return this.#versions.get(stream) ?? 0;
  }

  waitForAppend(stream: string, timeoutMs: number, signal?: AbortSignal, since?: number): Promise<void> {
    if (this.#closed || signal?.aborted === true || timeoutMs <= 0) return Promise.resolve();
    if (since !== undefined && since !== this.appendVersion(stream)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const watch = this.#watch(stream);
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        watch.waiters.delete(done);
        if (watch.waiters.size === 0) this.#unwatch(stream, watch);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      watch.waiters.add(done);
    });
  }

  #watch(stream: string): Watch {
    let watch = this.#watches.get(stream);
    if (watch !== undefined) return watch;
    const created: Watch = { waiters: new Set(), timer: undefined, ends: undefined, polling: false };
    created.timer = setInterval(() => void this.#poll(stream, created), WATCH_INTERVAL_MS);
    created.timer.unref();
    this.#watches.set(stream, created);
    void this.#poll(stream, created);
    watch = created;
    return watch;
  }

  #unwatch(stream: string, watch: Watch): void {
    clearInterval(watch.timer);
    if (this.#watches.get(stream) === watch) this.#watches.delete(stream);
  }

  /** Wakes the stream's waiters when its high watermarks moved (appends by other processes). */
  async #poll(stream: string, watch: Watch): Promise<void> {
    if (watch.polling || this.#closed) return;
    watch.polling = true;
    try {
      const count = await this.#partitionCount(stream);
      if (count === undefined) return;
      const ends = (await this.#offsets(this.#topic(stream), count, -1n)).join(',');
      if (watch.ends !== undefined && ends !== watch.ends) this.#wake(stream);
      watch.ends = ends;
    } catch {
      // A failed poll is retried on the next tick; the waiter's own timeout still applies.
    } finally {
      watch.polling = false;
    }
  }

  #wake(stream: string): void {
    this.#versions.set(stream, this.appendVersion(stream) + 1);
    const watch = this.#watches.get(stream);
    if (watch === undefined) return;
    for (const waiter of [...watch.waiters]) waiter();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const stream of [...this.#watches.keys()]) this.#wake(stream);
    for (const [stream, watch] of this.#watches) this.#unwatch(stream, watch);
    await this.#writing;
    await Promise.allSettled([this.#producer.close(), this.#fetcher.close(), this.#admin.close()]);
  }
}

function dedupKeyOf(record: AppendRecord): string {
  return record.dedupKey ?? record.id;
}

/** The headers a stored record may carry (docs/internals/kafka.md), read in one pass. */
interface StoredHeaders {
  id?: string;
  type?: string;
  source?: string;
  time?: string;
  subject?: string;
  schemaId?: string;
  receivedAt?: string;
  unique?: string;
  checkedTo?: string;
}

const headerFields: Record<string, keyof StoredHeaders> = {
  ce_id: 'id',
  ce_type: 'type',
  ce_source: 'source',
  ce_time: 'time',
  ce_subject: 'subject',
  sluice_schemaid: 'schemaId',
  sluice_receivedat: 'receivedAt',
  sluice_unique: 'unique',
  sluice_checkedto: 'checkedTo',
};

function readHeaders(headers: readonly [Buffer | null, Buffer | null][]): StoredHeaders {
  const found: StoredHeaders = {};
  for (const [name, value] of headers) {
    if (name === null || value === null) continue;
    const field = headerFields[name.toString('latin1')];
    if (field !== undefined) found[field] ??= value.toString();
  }
  return found;
}

/** What a unique record is recognised by ('1' in `sluice_unique` stands for its id), and where its writer's check ended. */
function uniqueMarks(headers: readonly [Buffer | null, Buffer | null][]): { key: string; checkedTo: number | undefined } | undefined {
  const found = readHeaders(headers);
  if (found.unique === undefined) return undefined;
  return { key: found.unique === '1' ? (found.id ?? '') : found.unique, checkedTo: found.checkedTo === undefined ? undefined : Number(found.checkedTo) };
}

function asLogRecord({ unique: _unique, checkedTo: _checkedTo, batchStart: _batchStart, ...record }: FetchedRecord): LogRecord {
  return record;
}

function fromKafka(stream: string, partition: number, offset: number, batch: RecordsBatch, record: KafkaRecord): FetchedRecord {
  const found = readHeaders(record.headers);
  const attributes: RecordAttributes = { type: found.type ?? '', source: found.source ?? '', time: found.time ?? '' };
  if (found.subject !== undefined) attributes.subject = found.subject;
  if (found.schemaId !== undefined) attributes.schemaId = Number(found.schemaId);
  const id = found.id ?? '';
  return {
    stream,
    partition,
    offset,
    id,
    key: record.key === null ? null : record.key.toString(),
    timestamp: found.receivedAt === undefined ? Number(batch.firstTimestamp + record.timestampDelta) : Number(found.receivedAt),
    attributes,
    value: record.value === null ? 'null' : record.value.toString(),
    // What the record is recognised by when it is unique: '1' stands for its id.
    unique: found.unique === undefined ? undefined : found.unique === '1' ? id : found.unique,
    checkedTo: found.checkedTo === undefined ? undefined : Number(found.checkedTo),
    batchStart: Number(batch.firstOffset),
  };
}

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
 *   `content-type`) plus `sluice_schemaid`, `sluice_receivedat` and `sluice_unique`.
 * - Dedupe of `unique` ids: per stream, an index id → first position, built on first use by
 *   reading the topic from the log start (records whose `sluice_unique` header is set), and
 *   brought up to the high watermark before every writer round, so records written by other
 *   processes are seen too. Limits (docs/internals/kafka.md): the index holds every unique id of a used
 *   stream in memory (no eviction; retention bounds it); two processes appending the same id
 *   at the same moment can both store it, since the check and the write are not atomic in
 *   Kafka (receivers drop duplicates by id, as at-least-once delivery requires anyway); after
 *   retention removed the first copy, the id is free again.
 * - `read` fetches from the partition leader without a consumer group; `offsetForTime` is
 *   ListOffsets by timestamp; `waitForAppend` is woken at once by this process's appends and
 *   otherwise by a poll of the high watermarks (one timer per watched stream, only while
 *   somebody waits, stopped on close).
 */
import { ConfigResourceTypes, IncrementalAlterConfigOperationTypes, type Admin, type Consumer } from '@platformatic/kafka';
import { SluiceError } from '../../domain/errors.ts';
import type { RecordAttributes } from '../../domain/event.ts';
import type { AppendRecord, AppendResult, EventLog, LogRecord, Retention, StreamInfo } from '../../ports/event-log.ts';
import type { ResolvedKafkaOptions } from './client-options.ts';
import { CONTROL_BATCH, createAdmin, createFetcher, header } from './client-options.ts';
import { toProduceColumns } from './produce-columns.ts';
import { ProducerThread } from './producer-client.ts';

/** How often a watched stream's high watermarks are polled for appends by other processes. */
const WATCH_INTERVAL_MS = 100;
/** Bytes asked for per fetch of one partition, at most. */
const FETCH_BYTES = 4 * 1024 * 1024;
/** At least: a fetch returns whole batches, and the first one even when it is larger. */
const MIN_FETCH_BYTES = 16 * 1024;
/** Upper bound on fetch round trips for one read, so a read always ends. */
const MAX_FETCHES_PER_READ = 64;

interface Pending {
  records: readonly AppendRecord[];
  resolve: (results: AppendResult[]) => void;
  reject: (error: unknown) => void;
}

interface Position {
  partition: number;
  offset: number;
}

interface IdIndex {
  ids: Map<string, Position>;
  /** Per partition, the next offset not yet scanned into `ids`. */
  scanned: number[];
}

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
    try {
      await this.#admin.createTopics({ topics: [topic], partitions, replicas: this.#options.replicationFactor });
    } catch (error) {
      // Created meanwhile by another process (TOPIC_ALREADY_EXISTS) is fine; anything else is not.
      if ((await this.#partitionCount(name, true)) === undefined) throw error;
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
    const metadata = await this.#fetcher.metadata({ topics: [topic], forceUpdate: true });
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
    const uniqueStreams = new Set(records.filter((r) => r.unique).map((r) => r.stream));
    for (const stream of uniqueStreams) await this.#catchUpIndex(stream);

    const results: (AppendResult | undefined)[] = Array.from({ length: records.length });
    /** For each record sent: its index in `records`. */
    const sent: number[] = [];
    /** Unique ids first seen in this round: stream → id → index in `records`. */
    const fresh = new Map<string, Map<string, number>>();
    records.forEach((record, i) => {
      if (record.unique) {
        const known = this.#indexes.get(record.stream)?.ids.get(dedupKeyOf(record));
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
      const offsets = await this.#producer.send(toProduceColumns(sentRecords, (stream) => this.#topic(stream)));
      sent.forEach((i, at) => {
        const record = records[i]!;
        const offset = offsets[at]!;
        results[i] = { partition: record.partition, offset, duplicate: false };
        if (record.unique) this.#indexes.get(record.stream)?.ids.set(dedupKeyOf(record), { partition: record.partition, offset });
      });
      this.#markScanned(sentRecords, offsets);
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
   * Our own records are in the index already: where a partition's scan had reached the first
   * offset this round wrote there, and the round's records there are one unbroken run (a round
   * sent in several requests may have records of other processes in between), the scan moves
   * past them, so the next catch-up reads only what other processes wrote. Without this, every
   * round of a source (all of its records carry ids) read back everything the round before it
   * wrote.
   */
  #markScanned(sent: readonly AppendRecord[], offsets: Float64Array): void {
    const runs = new Map<string, { first: number; last: number; count: number }>();
    sent.forEach((record, at) => {
      if (!this.#indexes.has(record.stream)) return;
      const slot = `${record.stream}#${record.partition}`;
      const offset = offsets[at]!;
      const run = runs.get(slot);
      if (run === undefined) runs.set(slot, { first: offset, last: offset, count: 1 });
      else {
        run.last = offset;
        run.count++;
      }
    });
    for (const [slot, run] of runs) {
      const cut = slot.lastIndexOf('#');
      const index = this.#indexes.get(slot.slice(0, cut))!;
      const partition = Number(slot.slice(cut + 1));
      if (index.scanned[partition] === run.first && run.last - run.first + 1 === run.count) index.scanned[partition] = run.last + 1;
    }
  }

  /** Reads the unique ids a stream gained since the last scan (all of it, the first time). */
  async #catchUpIndex(stream: string): Promise<void> {
    const partitions = (await this.#partitionCount(stream)) ?? 0;
    let index = this.#indexes.get(stream);
    if (index === undefined) {
      index = { ids: new Map(), scanned: await this.#offsets(this.#topic(stream), partitions, -2n) };
      this.#indexes.set(stream, index);
    }
    const ends = await this.#offsets(this.#topic(stream), partitions, -1n);
    for (let partition = 0; partition < partitions; partition++) {
      let from = index.scanned[partition] ?? 0;
      const end = ends[partition] ?? 0;
      while (from < end) {
        const records = await this.#read(stream, partition, from, 10_000);
        if (records.length === 0) break;
        for (const record of records)
          if (record.unique !== undefined && !index.ids.has(record.unique)) index.ids.set(record.unique, { partition, offset: record.offset });
        from = records[records.length - 1]!.offset + 1;
      }
      index.scanned[partition] = Math.max(from, index.scanned[partition] ?? 0);
    }
  }

  async read(stream: string, partition: number, fromOffset: number, limit: number): Promise<LogRecord[]> {
    return (await this.#read(stream, partition, fromOffset, limit)).map(({ unique: _unique, ...record }) => record);
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

  async #read(stream: string, partition: number, fromOffset: number, limit: number): Promise<(LogRecord & { unique: string | undefined })[]> {
    const topic = this.#topic(stream);
    const count = await this.#partitionCount(stream);
    if (count === undefined || partition < 0 || partition >= count || limit <= 0) return [];
    const [starts, ends] = await Promise.all([this.#offsets(topic, count, -2n), this.#offsets(topic, count, -1n)]);
    const end = ends[partition] ?? 0;
    let offset = Math.max(fromOffset, starts[partition] ?? 0);
    const out: (LogRecord & { unique: string | undefined })[] = [];
    for (let round = 0; round < MAX_FETCHES_PER_READ && out.length < limit && offset < end; round++) {
      const metadata = await this.#fetcher.metadata({ topics: [topic] });
      const info = metadata.topics.get(topic);
      const leader = info?.partitions[partition]?.leader;
      if (info === undefined || leader === undefined) throw new Error(`no leader for ${stream}/${partition}`);
      const bytes = this.#fetchBytes(topic, limit - out.length);
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
      let progressed = false;
      let batchBytes = 0;
      let batchRecords = 0;
      for (const t of response.responses) {
        for (const p of t.partitions) {
          if (p.partitionIndex !== partition) continue;
          for (const batch of p.records ?? []) {
            const next = Number(batch.firstOffset) + batch.lastOffsetDelta + 1;
            if (next > offset) {
              progressed = true;
            }
            if ((batch.attributes & CONTROL_BATCH) !== 0) {
              offset = Math.max(offset, next);
              continue;
            }
            batchBytes += batch.length;
            batchRecords += batch.records.length;
            for (const r of batch.records) {
              const at = Number(batch.firstOffset) + r.offsetDelta;
              if (at < offset || out.length >= limit) continue;
              out.push(fromKafka(stream, partition, at, batch.firstTimestamp + r.timestampDelta, r.key, r.value, r.headers));
            }
            offset = Math.max(offset, next);
          }
        }
      }
      if (batchRecords > 0) this.#recordBytes.set(topic, batchBytes / batchRecords);
      if (!progressed) break;
    }
    return out.slice(0, limit);
  }

  /** The id index (records stored with an id the producer chose); records with generated ids are not found. */
  async findById(stream: string, dedupKey: string): Promise<{ partition: number; offset: number } | undefined> {
    if ((await this.#partitionCount(stream)) === undefined) return undefined;
    await this.#catchUpIndex(stream);
    const found = this.#indexes.get(stream)?.ids.get(dedupKey);
    return found === undefined ? undefined : { partition: found.partition, offset: found.offset };
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

function fromKafka(
  stream: string,
  partition: number,
  offset: number,
  kafkaTimestamp: bigint,
  key: Buffer | null,
  value: Buffer | null,
  headers: [Buffer | null, Buffer | null][],
): LogRecord & { unique: string | undefined } {
  const attributes: RecordAttributes = {
    type: header(headers, 'ce_type') ?? '',
    source: header(headers, 'ce_source') ?? '',
    time: header(headers, 'ce_time') ?? '',
  };
  const subject = header(headers, 'ce_subject');
  if (subject !== undefined) attributes.subject = subject;
  const schemaId = header(headers, 'sluice_schemaid');
  if (schemaId !== undefined) attributes.schemaId = Number(schemaId);
  const receivedAt = header(headers, 'sluice_receivedat');
  const id = header(headers, 'ce_id') ?? '';
  const unique = header(headers, 'sluice_unique');
  return {
    stream,
    partition,
    offset,
    id,
    key: key === null ? null : key.toString(),
    timestamp: receivedAt === undefined ? Number(kafkaTimestamp) : Number(receivedAt),
    attributes,
    value: value === null ? 'null' : value.toString(),
    // What the record is recognised by when it is unique: '1' stands for its id.
    unique: unique === undefined ? undefined : unique === '1' ? id : unique,
  };
}

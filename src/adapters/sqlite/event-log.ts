import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { RecordAttributes } from '../../domain/event.ts';
import type { AppendRecord, AppendResult, DedupWindow, EventLog, LogRecord, Retention, StreamInfo } from '../../ports/event-log.ts';
import { defaultDedupWindow } from '../../ports/event-log.ts';
import { IdWindow } from '../id-window.ts';
import type { AppendColumns, ResultColumns, StoredAppend } from './columns.ts';
import { fromColumns, toResultColumns } from './columns.ts';
import { BatchCache } from './batch-cache.ts';
import { inTransaction } from './database.ts';
import { forEachLoggedId, IdBatchWriter, type IdBatchRow, type LoggedId } from './id-batches.ts';
import { BatchBuilder, DecodedBatch } from './record-batch.ts';
import { StreamWaiters } from './stream-waiters.ts';

interface StreamState {
  id: number;
  name: string;
  partitions: number;
  /** Next offset per partition. */
  next: number[];
  /** Latest timestamp per partition; kept non-decreasing so time lookups can bisect. */
  lastTimestamp: number[];
  /** First stored offset per partition (retention deletes from the start). */
  start: number[];
  /** The place the next unique id takes in the stream's id log. */
  nextSeq: number;
  /** `nextSeq` when the id log was last pruned to the window. */
  prunedAt: number;
  /** The ids of the deduplication window, loaded from the id log: found without a read of the file. Made with the stream's first id. */
  ids: IdWindow | undefined;
}

/** Records deleted per partition in one `applyRetention` call, at least one batch, so appends are never held up for long. */
const retentionBatch = 5_000;

/** Characters of recent batches kept decoded for reads: the last few flushes of every partition, which tails read. */
const cacheBudget = 4 * 1024 * 1024;

/**
 * How long after a read of a partition its new batches are kept decoded as they are written.
 * Kept for every partition, they outlived a scavenge or two each and piled up in the store
 * thread's old generation (about 45 MB between full collections under batched ingest) where
 * nothing read them; a partition no one follows pays one load from the file on its first read.
 */
const followedForMs = 30_000;

interface PendingAppend {
  records: readonly StoredAppend[];
  resolve: (results: AppendResult[]) => void;
  reject: (error: unknown) => void;
}

/** What a flush changes in a stream's state, to put back when its transaction fails. */
interface SavedState {
  next: number[];
  lastTimestamp: number[];
  nextSeq: number;
}

/** A unique id this flush stored: it joins its stream's window once the flush is committed. */
interface NewId extends LoggedId {
  state: StreamState;
}

/** One partition's share of a flush. */
interface PartitionWrite {
  state: StreamState;
  partition: number;
  base: number;
  builder: BatchBuilder;
}

/**
 * The event log on SQLite with group commit: appends that arrive while the event loop is
 * busy wait for the next turn and are written together in one transaction, so many
 * requests share one fsync. Each partition's records of a flush are stored as one record
 * batch (record-batch.ts), so a flush costs one B-tree insert per partition, not per record.
 */
export class SqliteEventLog implements EventLog {
  readonly #db: DatabaseSync;
  readonly #streams = new Map<string, StreamState>();
  readonly #waiters = new StreamWaiters();
  readonly #cache = new BatchCache(cacheBudget);
  readonly #insertBatch: StatementSync;
  readonly #idLog: IdBatchWriter;
  readonly #loggedIdCandidates: StatementSync;
  readonly #firstFreshId: StatementSync;
  readonly #deleteIdsBefore: StatementSync;
  readonly #batchAtOrBefore: StatementSync;
  readonly #batchAtOrAfter: StatementSync;
  readonly #loadBatch: StatementSync;
  readonly #batchAtOrAfterWithTime: StatementSync;
  readonly #appendListeners = new Set<(streams: string[]) => void>();
  /** Characters stored per `<stream id>:<partition>`, for partitions a byte retention was measured for. */
  readonly #sizes = new Map<string, number>();
  /** When each `<stream id>:<partition>` was last read (performance.now()). */
  readonly #readAt = new Map<string, number>();
  readonly #window: DedupWindow;
  #pending: PendingAppend[] = [];
  #flushScheduled = false;

  readonly #clock: () => number;

  /** `clock` tells the age of ids in the deduplication window (tests move it). */
  constructor(db: DatabaseSync, options: { dedupWindow?: DedupWindow; clock?: () => number } = {}) {
    this.#db = db;
    this.#window = options.dedupWindow ?? defaultDedupWindow;
    this.#clock = options.clock ?? Date.now;
    this.#insertBatch = db.prepare(
      'INSERT INTO record_batches (stream_id, partition, base_offset, count, last_ts, size, layout, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    // Appended at the end of the stream's log (log-layout.ts): an id that left the window and
    // comes again is logged again; the old entry is pruned with the window.
    this.#idLog = new IdBatchWriter(db);
    // A scan of the stream's log (it has no index by id), for lookups past the window only:
    // rows whose text holds the id somewhere, newest first.
    this.#loggedIdCandidates = db.prepare(
      'SELECT last_seq, count, at, ids, places FROM id_batches WHERE stream_id = ? AND instr(ids, ?) > 0 ORDER BY last_seq DESC',
    );
    this.#firstFreshId = db.prepare('SELECT last_seq, count FROM id_batches WHERE stream_id = ? AND last_seq >= ? AND at > ? ORDER BY last_seq LIMIT 1');
    // Rows wholly before the window; a row across its start stays until the next pruning.
    this.#deleteIdsBefore = db.prepare('DELETE FROM id_batches WHERE stream_id = ? AND last_seq < ?');
    this.#batchAtOrBefore = db.prepare(
      'SELECT base_offset AS base FROM record_batches WHERE stream_id = ? AND partition = ? AND base_offset <= ? ORDER BY base_offset DESC LIMIT 1',
    );
    this.#batchAtOrAfter = db.prepare(
      'SELECT base_offset AS base FROM record_batches WHERE stream_id = ? AND partition = ? AND base_offset >= ? ORDER BY base_offset LIMIT 1',
    );
    this.#loadBatch = db.prepare('SELECT layout, data FROM record_batches WHERE stream_id = ? AND partition = ? AND base_offset = ?');
    // `#batchAtOrAfter` with the batch's newest timestamp: a statement of its own, since that
    // column is in the table, and the one above reads the offsets' index alone.
    this.#batchAtOrAfterWithTime = db.prepare(
      'SELECT base_offset AS base, last_ts AS ts FROM record_batches WHERE stream_id = ? AND partition = ? AND base_offset >= ? ORDER BY base_offset LIMIT 1',
    );
    this.#loadStreams();
  }

  #loadStreams(): void {
    const streams = this.#db.prepare('SELECT id, name, partitions FROM streams').all() as { id: number; name: string; partitions: number }[];
    const first = this.#db.prepare('SELECT base_offset AS base FROM record_batches WHERE stream_id = ? AND partition = ? ORDER BY base_offset LIMIT 1');
    const last = this.#db.prepare(
      'SELECT base_offset + count AS next, last_ts AS ts FROM record_batches WHERE stream_id = ? AND partition = ? ORDER BY base_offset DESC LIMIT 1',
    );
    const lastSeq = this.#db.prepare('SELECT MAX(last_seq) AS seq FROM id_batches WHERE stream_id = ?');
    const windowIds = this.#db.prepare('SELECT last_seq, count, at, ids, places FROM id_batches WHERE stream_id = ? AND last_seq >= ? ORDER BY last_seq');
    const now = this.#clock();
    for (const row of streams) {
      const state = emptyState(row.id, row.name, row.partitions);
      state.nextSeq = ((lastSeq.get(row.id) as { seq: number | null }).seq ?? -1) + 1;
      state.prunedAt = state.nextSeq;
      // At most one window of ids per stream, read in the order they came.
      const from = state.nextSeq - this.#window.ids;
      for (const batch of windowIds.iterate(row.id, from) as Iterable<IdBatchRow>) {
        forEachLoggedId(batch, from, (_seq, id, partition, offset) => this.#idWindow(state).add(id, partition, offset, batch.at, now));
      }
      for (let partition = 0; partition < row.partitions; partition++) {
        const end = last.get(row.id, partition) as { next: number; ts: number } | undefined;
        if (end === undefined) continue;
        state.next[partition] = end.next;
        state.lastTimestamp[partition] = end.ts;
        state.start[partition] = (first.get(row.id, partition) as { base: number }).base;
      }
      this.#streams.set(row.name, state);
    }
  }

  createStream(name: string, partitions: number): Promise<void> {
    if (!this.#streams.has(name)) {
      const createdAt = Date.now();
      const result = this.#db.prepare('INSERT INTO streams (name, partitions, created_at) VALUES (?, ?, ?)').run(name, partitions, createdAt);
      this.#streams.set(name, emptyState(Number(result.lastInsertRowid), name, partitions));
    }
    return Promise.resolve();
  }

  describeStream(name: string): Promise<StreamInfo | undefined> {
    const state = this.#streams.get(name);
    return Promise.resolve(state === undefined ? undefined : this.#info(state));
  }

  listStreams(namePrefix: string): Promise<StreamInfo[]> {
    const infos = [...this.#streams.values()].filter((state) => state.name.startsWith(namePrefix)).map((state) => this.#info(state));
    return Promise.resolve(infos.sort((a, b) => (a.name < b.name ? -1 : 1)));
  }

  #info(state: StreamState): StreamInfo {
    return { name: state.name, partitions: state.partitions, startOffsets: [...state.start], endOffsets: [...state.next] };
  }

  append(records: readonly AppendRecord[]): Promise<AppendResult[]> {
    return this.#enqueue(records.map((record) => ({ ...record, dedupKey: record.dedupKey ?? record.id, attrs: JSON.stringify(record.attributes) })));
  }

  /**
   * The same as `append`, for records that crossed from another thread as columns, in parts
   * packed apart: all are stored, or none, and the results are in the parts' order.
   */
  async appendColumns(parts: readonly AppendColumns[]): Promise<ResultColumns> {
    return toResultColumns(await this.#enqueue(parts.length === 1 ? fromColumns(parts[0]!) : parts.flatMap(fromColumns)));
  }

  #enqueue(records: readonly StoredAppend[]): Promise<AppendResult[]> {
    for (const record of records) {
      const state = this.#streams.get(record.stream);
      if (state === undefined) return Promise.reject(new Error(`stream ${record.stream} does not exist`));
      if (record.partition < 0 || record.partition >= state.partitions) {
        return Promise.reject(new Error(`stream ${record.stream} has no partition ${record.partition}`));
      }
    }
    return new Promise((resolve, reject) => {
      this.#pending.push({ records, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // setImmediate runs after pending I/O callbacks, so requests already read from
        // their sockets join this transaction.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    this.#flushScheduled = false;
    const touched = new Map<StreamState, SavedState>();
    const writes = new Map<string, PartitionWrite>();
    const written: { write: PartitionWrite; layout: Uint8Array; data: string; size: number }[] = [];
    const newIds: NewId[] = [];
    const now = this.#clock();
    let results: AppendResult[][];
    try {
      results = inTransaction(this.#db, () => {
        const seenInBatch = new Map<string, AppendResult>();
        const answers = batch.map((pending) => pending.records.map((record) => this.#write(record, now, touched, seenInBatch, writes, newIds)));
        for (const write of writes.values()) {
          const encoded = write.builder.encode();
          this.#insertBatch.run(write.state.id, write.partition, write.base, encoded.count, encoded.lastTimestamp, encoded.size, encoded.layout, encoded.data);
          written.push({ write, layout: encoded.layout, data: encoded.data, size: encoded.size });
        }
        this.#idLog.write(newIds, now);
        return answers;
      });
    } catch (error) {
      for (const [state, saved] of touched) {
        state.next = saved.next;
        state.lastTimestamp = saved.lastTimestamp;
        // No gap in the id log: the window is read back from it by counting `seq`.
        state.nextSeq = saved.nextSeq;
      }
      for (const pending of batch) pending.reject(error);
      return;
    }
    // Only now: ids of a flush that failed were never stored, so a retry must not find them.
    for (const id of newIds) this.#idWindow(id.state).add(id.id, id.partition, id.offset, now, now);
    const readNow = performance.now();
    for (const { write, layout, data, size } of written) {
      const partitionKey = `${write.state.id}:${write.partition}`;
      const readAt = this.#readAt.get(partitionKey);
      if (readAt !== undefined && readNow - readAt < followedForMs) {
        this.#cache.put(write.state.id, write.partition, write.base, new DecodedBatch(layout, data), data.length);
      }
      const stored = this.#sizes.get(partitionKey);
      if (stored !== undefined) this.#sizes.set(partitionKey, stored + size);
    }
    batch.forEach((pending, index) => pending.resolve(results[index]!));
    this.#pruneIds(touched.keys(), now);
    const streams = [...touched.keys()].map((state) => state.name);
    for (const stream of streams) this.#waiters.wake(stream);
    for (const listener of this.#appendListeners) listener(streams);
  }

  #write(
    record: StoredAppend,
    now: number,
    touched: Map<StreamState, SavedState>,
    seenInBatch: Map<string, AppendResult>,
    writes: Map<string, PartitionWrite>,
    newIds: NewId[],
  ): AppendResult {
    const state = this.#streams.get(record.stream)!;
    if (!touched.has(state)) touched.set(state, { next: [...state.next], lastTimestamp: [...state.lastTimestamp], nextSeq: state.nextSeq });
    if (record.unique) {
      const batchKey = `${state.id}\u0000${record.dedupKey}`;
      const earlier = seenInBatch.get(batchKey);
      if (earlier !== undefined) return { partition: earlier.partition, offset: earlier.offset, duplicate: true };
      const stored = state.ids?.get(record.dedupKey, now);
      if (stored !== undefined) return { partition: stored.partition, offset: stored.offset, duplicate: true };
      const offset = this.#add(state, record, writes);
      newIds.push({ state, streamId: state.id, seq: state.nextSeq++, id: record.dedupKey, partition: record.partition, offset });
      const result = { partition: record.partition, offset, duplicate: false };
      seenInBatch.set(batchKey, result);
      return result;
    }
    return { partition: record.partition, offset: this.#add(state, record, writes), duplicate: false };
  }

  #idWindow(state: StreamState): IdWindow {
    state.ids ??= new IdWindow(this.#window);
    return state.ids;
  }

  /**
   * Deletes the ids that left a stream's window from the head of its id log, once it has taken
   * a tenth of a window of new ones since the last time, so the log stays within about 1.1
   * windows per stream. Ids come in time order, so the ones too old are a head of the log too.
   */
  #pruneIds(streams: Iterable<StreamState>, now: number): void {
    const every = Math.max(1000, Math.ceil(this.#window.ids / 10));
    for (const state of streams) {
      if (state.nextSeq - state.prunedAt < every) continue;
      state.prunedAt = state.nextSeq;
      const countFrom = state.nextSeq - this.#window.ids;
      const fresh = this.#firstFreshId.get(state.id, countFrom, now - this.#window.ms) as { last_seq: number; count: number } | undefined;
      const keepFrom = fresh === undefined ? state.nextSeq : Math.max(countFrom, fresh.last_seq - fresh.count + 1);
      inTransaction(this.#db, () => {
        this.#deleteIdsBefore.run(state.id, keepFrom);
      });
    }
  }

  /** Gives the record its offset and adds it to its partition's batch of this flush. */
  #add(state: StreamState, record: StoredAppend, writes: Map<string, PartitionWrite>): number {
    const partition = record.partition;
    const offset = state.next[partition]!;
    const timestamp = Math.max(record.timestamp, state.lastTimestamp[partition]!);
    const writeKey = `${state.id}:${partition}`;
    let write = writes.get(writeKey);
    if (write === undefined) {
      write = { state, partition, base: offset, builder: new BatchBuilder() };
      writes.set(writeKey, write);
    }
    write.builder.add({ id: record.id, key: record.key, timestamp, attrs: record.attrs, value: record.value });
    state.next[partition] = offset + 1;
    state.lastTimestamp[partition] = timestamp;
    return offset;
  }

  read(stream: string, partition: number, fromOffset: number, limit: number): Promise<LogRecord[]> {
    const state = this.#streams.get(stream);
    if (state === undefined || partition < 0 || partition >= state.partitions) return Promise.resolve([]);
    this.#readAt.set(`${state.id}:${partition}`, performance.now());
    const records: LogRecord[] = [];
    let position = Math.max(fromOffset, state.start[partition]!);
    const end = state.next[partition]!;
    let found = this.#batchHolding(state, partition, position);
    while (found !== undefined && records.length < limit) {
      const { base, batch } = found;
      for (let index = Math.max(0, position - base); index < batch.count && records.length < limit; index++) {
        const record = batch.record(index);
        records.push({
          stream,
          partition,
          offset: base + index,
          id: record.id,
          key: record.key,
          timestamp: record.timestamp,
          attributes: JSON.parse(record.attrs) as RecordAttributes,
          value: record.value,
        });
      }
      position = base + batch.count;
      found = position < end ? this.#batchFrom(state, partition, position) : undefined;
    }
    return Promise.resolve(records);
  }

  /** The batch that holds `offset`, or else the first one after it. */
  #batchHolding(state: StreamState, partition: number, offset: number): { base: number; batch: DecodedBatch } | undefined {
    const before = this.#batchAtOrBefore.get(state.id, partition, offset) as { base: number } | undefined;
    if (before !== undefined) {
      const batch = this.#batch(state.id, partition, before.base);
      if (offset < before.base + batch.count) return { base: before.base, batch };
    }
    return this.#batchFrom(state, partition, offset);
  }

  /** The first batch whose base offset is `offset` or later. */
  #batchFrom(state: StreamState, partition: number, offset: number): { base: number; batch: DecodedBatch } | undefined {
    const after = this.#batchAtOrAfter.get(state.id, partition, offset) as { base: number } | undefined;
    return after === undefined ? undefined : { base: after.base, batch: this.#batch(state.id, partition, after.base) };
  }

  #batch(streamId: number, partition: number, base: number): DecodedBatch {
    const cached = this.#cache.get(streamId, partition, base);
    if (cached !== undefined) return cached;
    const row = this.#loadBatch.get(streamId, partition, base) as { layout: Uint8Array; data: string };
    const batch = new DecodedBatch(row.layout, row.data);
    this.#cache.put(streamId, partition, base, batch, row.data.length);
    return batch;
  }

  /**
   * The deduplication window first (ids producers chose, a CloudEvent's source and id); then
   * the id log, which keeps ids that aged out until it is next pruned; then any record with
   * that id, by a scan of the stream.
   */
  findById(stream: string, dedupKey: string): Promise<{ partition: number; offset: number } | undefined> {
    const state = this.#streams.get(stream);
    if (state === undefined) return Promise.resolve(undefined);
    // Texts are compared as SQLite gives them back, where a lone surrogate became U+FFFD.
    const stored = asStoredText(dedupKey);
    const indexed = state.ids?.get(dedupKey, this.#clock()) ?? this.#findLoggedId(state.id, stored);
    if (indexed !== undefined) return Promise.resolve({ partition: indexed.partition, offset: indexed.offset });
    // Only batches whose text holds the id somewhere are decoded.
    const candidates = this.#db
      .prepare('SELECT partition, base_offset AS base FROM record_batches WHERE stream_id = ? AND instr(data, ?) > 0 ORDER BY partition, base_offset')
      .iterate(state.id, dedupKey) as Iterable<{ partition: number; base: number }>;
    for (const { partition, base } of candidates) {
      const batch = this.#batch(state.id, partition, base);
      for (let index = 0; index < batch.count; index++) {
        if (batch.id(index) === stored) return Promise.resolve({ partition, offset: base + index });
      }
    }
    return Promise.resolve(undefined);
  }

  /** The newest entry of an id (as stored, `asStoredText`) in its stream's id log, past the window as well. */
  #findLoggedId(streamId: number, dedupKey: string): { partition: number; offset: number } | undefined {
    for (const batch of this.#loggedIdCandidates.iterate(streamId, dedupKey) as Iterable<IdBatchRow>) {
      let found: { partition: number; offset: number } | undefined;
      forEachLoggedId(batch, 0, (_seq, id, partition, offset) => {
        if (id === dedupKey) found = { partition, offset };
      });
      if (found !== undefined) return found;
    }
    return undefined;
  }

  deleteStream(name: string): Promise<void> {
    const state = this.#streams.get(name);
    if (state === undefined) return Promise.resolve();
    inTransaction(this.#db, () => {
      this.#db.prepare('DELETE FROM record_batches WHERE stream_id = ?').run(state.id);
      this.#db.prepare('DELETE FROM id_batches WHERE stream_id = ?').run(state.id);
      this.#db.prepare('DELETE FROM group_offsets WHERE stream = ?').run(name);
      this.#db.prepare('DELETE FROM streams WHERE id = ?').run(state.id);
    });
    this.#streams.delete(name);
    this.#cache.clear(state.id);
    for (const partition of state.next.keys()) {
      this.#sizes.delete(`${state.id}:${partition}`);
      this.#readAt.delete(`${state.id}:${partition}`);
    }
    this.#waiters.wake(name);
    return Promise.resolve();
  }

  /**
   * Deletes each partition's oldest records: those older than `retention.ms`, and the oldest
   * ones while the partition holds more than `retention.bytes`. Whole batches are deleted; the
   * batch the cut falls in is rewritten without its deleted head. The newest record stays, so
   * the partition's next offset survives a restart.
   */
  applyRetention(name: string, retention: Retention, now = Date.now()): Promise<{ deleted: number; more: boolean }> {
    const state = this.#streams.get(name);
    let deleted = 0;
    let more = false;
    if (state === undefined) return Promise.resolve({ deleted, more });
    for (let partition = 0; partition < state.partitions; partition++) {
      const start = state.start[partition]!;
      const newest = state.next[partition]! - 1;
      if (newest <= start) continue;
      let cut = start;
      if (retention.ms !== undefined) cut = Math.max(cut, this.#firstAtOrAfter(state, partition, now - retention.ms));
      if (retention.bytes !== undefined) cut = Math.max(cut, this.#firstWithinBytes(state, partition, start, retention.bytes));
      cut = Math.min(cut, newest, start + retentionBatch);
      if (cut <= start) continue;
      const freed = inTransaction(this.#db, () => this.#deleteBefore(state, partition, cut));
      const sizeKey = `${state.id}:${partition}`;
      const size = this.#sizes.get(sizeKey);
      if (size !== undefined) this.#sizes.set(sizeKey, size - freed);
      state.start[partition] = cut;
      deleted += cut - start;
      if (cut === start + retentionBatch) more = true;
    }
    return Promise.resolve({ deleted, more });
  }

  /** Deletes the partition's records before `cut`; answers the characters freed. */
  #deleteBefore(state: StreamState, partition: number, cut: number): number {
    const gone = this.#db
      .prepare('SELECT base_offset AS base, count, size FROM record_batches WHERE stream_id = ? AND partition = ? AND base_offset < ? ORDER BY base_offset')
      .all(state.id, partition, cut) as { base: number; count: number; size: number }[];
    let freed = 0;
    for (const { base, count, size } of gone) {
      this.#cache.delete(state.id, partition, base);
      if (base + count <= cut) {
        freed += size;
        continue;
      }
      // The cut falls inside this batch: its tail is stored again as a batch of its own.
      const batch = this.#batch(state.id, partition, base);
      const builder = new BatchBuilder();
      for (let index = cut - base; index < count; index++) builder.add(batch.record(index));
      const tail = builder.encode();
      this.#insertBatch.run(state.id, partition, cut, tail.count, tail.lastTimestamp, tail.size, tail.layout, tail.data);
      freed += size - tail.size;
    }
    this.#db.prepare('DELETE FROM record_batches WHERE stream_id = ? AND partition = ? AND base_offset < ?').run(state.id, partition, cut);
    return freed;
  }

  /** The first offset at or after `timestamp`, as `offsetForTime`. */
  #firstAtOrAfter(state: StreamState, partition: number, timestamp: number): number {
    const found = this.#firstBatchEndingAtOrAfter(state, partition, timestamp);
    if (found === undefined) return state.next[partition]!;
    return found + this.#batch(state.id, partition, found).firstAtOrAfter(timestamp);
  }

  /**
   * The base offset of the partition's first batch whose newest record is at or after
   * `timestamp`. Batches' newest timestamps grow with their offsets (`#add` stamps no record
   * earlier than the one before it), so a binary search over offsets finds it, each step one
   * seek in the offsets' index: the smallest offset whose next batch ends at or after the
   * time (or that has no next batch) is just past the batch before the one wanted.
   */
  #firstBatchEndingAtOrAfter(state: StreamState, partition: number, timestamp: number): number | undefined {
    const nextBatch = (offset: number) => this.#batchAtOrAfterWithTime.get(state.id, partition, offset) as { base: number; ts: number } | undefined;
    let low = 0;
    let high = state.next[partition]!;
    while (low < high) {
      const middle = low + Math.floor((high - low) / 2);
      const batch = nextBatch(middle);
      if (batch === undefined || batch.ts >= timestamp) high = middle;
      else low = middle + 1;
    }
    return nextBatch(low)?.base;
  }

  /** The first offset from which the partition's records fit in `bytes`, looking at most a retention batch past `from`. */
  #firstWithinBytes(state: StreamState, partition: number, from: number, bytes: number): number {
    let excess = this.#sizeOf(state, partition) - bytes;
    if (excess <= 0) return from;
    const batches = this.#db
      .prepare('SELECT base_offset AS base, count, size FROM record_batches WHERE stream_id = ? AND partition = ? ORDER BY base_offset')
      .iterate(state.id, partition) as Iterable<{ base: number; count: number; size: number }>;
    for (const { base, count, size } of batches) {
      if (base - from >= retentionBatch) return base;
      if (size <= excess) {
        excess -= size;
        continue;
      }
      const batch = this.#batch(state.id, partition, base);
      for (let index = 0; index < count; index++) {
        if (excess <= 0) return base + index;
        excess -= batch.size(index);
      }
      return base + count;
    }
    return state.next[partition]!;
  }

  #sizeOf(state: StreamState, partition: number): number {
    const sizeKey = `${state.id}:${partition}`;
    let total = this.#sizes.get(sizeKey);
    if (total === undefined) {
      // Measured once per process; appends and deletions keep it current afterwards.
      total =
        (
          this.#db.prepare('SELECT SUM(size) AS size FROM record_batches WHERE stream_id = ? AND partition = ?').get(state.id, partition) as {
            size: number | null;
          }
        ).size ?? 0;
      this.#sizes.set(sizeKey, total);
    }
    return total;
  }

  /** Rewrites the batches that hold the key: each of its records keeps its place, with a null value and no key. */
  eraseKey(name: string, key: string): Promise<number> {
    const state = this.#streams.get(name);
    if (state === undefined) return Promise.resolve(0);
    const candidates = this.#db
      .prepare('SELECT partition, base_offset AS base FROM record_batches WHERE stream_id = ? AND instr(data, ?) > 0')
      .all(state.id, key) as { partition: number; base: number }[];
    const update = this.#db.prepare('UPDATE record_batches SET size = ?, layout = ?, data = ? WHERE stream_id = ? AND partition = ? AND base_offset = ?');
    let erased = 0;
    inTransaction(this.#db, () => {
      for (const { partition, base } of candidates) {
        const batch = this.#batch(state.id, partition, base);
        const builder = new BatchBuilder();
        let changed = 0;
        for (let index = 0; index < batch.count; index++) {
          const record = batch.record(index);
          if (record.key === key) {
            changed++;
            builder.add({ ...record, key: null, value: 'null' });
          } else {
            builder.add(record);
          }
        }
        if (changed === 0) continue;
        const encoded = builder.encode();
        update.run(encoded.size, encoded.layout, encoded.data, state.id, partition, base);
        erased += changed;
      }
    });
    for (const { partition, base } of candidates) this.#cache.delete(state.id, partition, base);
    this.#sizes.clear();
    return Promise.resolve(erased);
  }

  /** The first offset whose timestamp is at or after `timestamp`; the end of the partition when none is. */
  offsetForTime(stream: string, partition: number, timestamp: number): Promise<number> {
    const state = this.#streams.get(stream);
    if (state === undefined || partition < 0 || partition >= state.partitions) return Promise.resolve(0);
    return Promise.resolve(this.#firstAtOrAfter(state, partition, timestamp));
  }

  /** Called after each durable flush with the streams it grew. */
  onAppended(listener: (streams: string[]) => void): () => void {
    this.#appendListeners.add(listener);
    return () => this.#appendListeners.delete(listener);
  }

  appendVersion(stream: string): number {
    return this.#waiters.version(stream);
  }

  waitForAppend(stream: string, timeoutMs: number, signal?: AbortSignal, since?: number): Promise<void> {
    return this.#waiters.wait(stream, timeoutMs, signal, since);
  }

  async close(): Promise<void> {
    while (this.#pending.length > 0 || this.#flushScheduled) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.#waiters.wakeAll();
  }
}

function emptyState(id: number, name: string, partitions: number): StreamState {
  return {
    id,
    name,
    partitions,
    next: new Array<number>(partitions).fill(0),
    lastTimestamp: new Array<number>(partitions).fill(0),
    start: new Array<number>(partitions).fill(0),
    nextSeq: 0,
    prunedAt: 0,
    ids: undefined,
  };
}

const loneSurrogate = /[\ud800-\udfff]/;

/** A text as SQLite stores it: UTF-8, in which a lone surrogate is U+FFFD. */
function asStoredText(text: string): string {
  return loneSurrogate.test(text) ? Buffer.from(text, 'utf8').toString('utf8') : text;
}

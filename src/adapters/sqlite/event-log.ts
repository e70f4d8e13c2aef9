import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { RecordAttributes } from '../../domain/event.ts';
import type { AppendRecord, AppendResult, EventLog, LogRecord, Retention, StreamInfo } from '../../ports/event-log.ts';
import type { AppendColumns, ResultColumns, StoredAppend } from './columns.ts';
import { fromColumns, toResultColumns } from './columns.ts';
import { inTransaction } from './database.ts';
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
}

const sizeOfRange = 'SELECT SUM(length(attrs) + length(value)) AS bytes FROM records WHERE stream_id = ? AND partition = ? AND offset >= ? AND offset < ?';

/** Records deleted per partition in one `applyRetention` call, so appends are never held up for long. */
const retentionBatch = 5_000;

interface PendingAppend {
  records: readonly StoredAppend[];
  resolve: (results: AppendResult[]) => void;
  reject: (error: unknown) => void;
}

interface RecordRow {
  offset: number;
  id: string;
  key: string | null;
  ts: number;
  attrs: string;
  value: string;
}

/**
 * The event log on SQLite with group commit: appends that arrive while the event loop is
 * busy wait for the next turn and are written together in one transaction, so many
 * requests share one fsync.
 */
export class SqliteEventLog implements EventLog {
  readonly #db: DatabaseSync;
  readonly #streams = new Map<string, StreamState>();
  readonly #waiters = new StreamWaiters();
  readonly #insertRecord: StatementSync;
  readonly #insertId: StatementSync;
  readonly #findId: StatementSync;
  readonly #scanId: StatementSync;
  readonly #readRange: StatementSync;
  readonly #readTimestamp: StatementSync;
  readonly #appendListeners = new Set<(streams: string[]) => void>();
  /** Bytes stored per `<stream id>:<partition>`, for partitions a byte retention was measured for. */
  readonly #sizes = new Map<string, number>();
  #pending: PendingAppend[] = [];
  #flushScheduled = false;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#insertRecord = db.prepare('INSERT INTO records (stream_id, partition, offset, id, key, ts, attrs, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.#insertId = db.prepare('INSERT INTO record_ids (stream_id, id, partition, offset) VALUES (?, ?, ?, ?)');
    this.#findId = db.prepare('SELECT partition, offset FROM record_ids WHERE stream_id = ? AND id = ?');
    this.#scanId = db.prepare('SELECT partition, offset FROM records WHERE stream_id = ? AND id = ? ORDER BY partition, offset LIMIT 1');
    this.#readRange = db.prepare(
      'SELECT offset, id, key, ts, attrs, value FROM records WHERE stream_id = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?',
    );
    this.#readTimestamp = db.prepare('SELECT ts FROM records WHERE stream_id = ? AND partition = ? AND offset = ?');
    this.#loadStreams();
  }

  #loadStreams(): void {
    const streams = this.#db.prepare('SELECT id, name, partitions FROM streams').all() as { id: number; name: string; partitions: number }[];
    const ends = this.#db.prepare(
      'SELECT partition, MIN(offset) AS first, MAX(offset) AS last, MAX(ts) AS ts FROM records WHERE stream_id = ? GROUP BY partition',
    );
    for (const row of streams) {
      const state: StreamState = {
        id: row.id,
        name: row.name,
        partitions: row.partitions,
        next: new Array<number>(row.partitions).fill(0),
        lastTimestamp: new Array<number>(row.partitions).fill(0),
        start: new Array<number>(row.partitions).fill(0),
      };
      for (const end of ends.all(row.id) as { partition: number; first: number; last: number; ts: number }[]) {
        state.next[end.partition] = end.last + 1;
        state.lastTimestamp[end.partition] = end.ts;
        state.start[end.partition] = end.first;
      }
      this.#streams.set(row.name, state);
    }
  }

  createStream(name: string, partitions: number): Promise<void> {
    if (!this.#streams.has(name)) {
      const createdAt = Date.now();
      const result = this.#db.prepare('INSERT INTO streams (name, partitions, created_at) VALUES (?, ?, ?)').run(name, partitions, createdAt);
      this.#streams.set(name, {
        id: Number(result.lastInsertRowid),
        name,
        partitions,
        next: new Array<number>(partitions).fill(0),
        lastTimestamp: new Array<number>(partitions).fill(0),
        start: new Array<number>(partitions).fill(0),
      });
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

  /** The same as `append`, for batches that crossed from another thread as columns. */
  async appendColumns(columns: AppendColumns): Promise<ResultColumns> {
    return toResultColumns(await this.#enqueue(fromColumns(columns)));
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
    const touched = new Map<StreamState, { next: number[]; lastTimestamp: number[] }>();
    let results: AppendResult[][];
    try {
      results = inTransaction(this.#db, () => {
        const seenInBatch = new Map<string, AppendResult>();
        return batch.map((pending) => pending.records.map((record) => this.#write(record, touched, seenInBatch)));
      });
    } catch (error) {
      for (const [state, saved] of touched) {
        state.next = saved.next;
        state.lastTimestamp = saved.lastTimestamp;
      }
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, index) => pending.resolve(results[index]!));
    const streams = [...touched.keys()].map((state) => state.name);
    for (const stream of streams) this.#waiters.wake(stream);
    for (const listener of this.#appendListeners) listener(streams);
  }

  #write(record: StoredAppend, touched: Map<StreamState, { next: number[]; lastTimestamp: number[] }>, seenInBatch: Map<string, AppendResult>): AppendResult {
    const state = this.#streams.get(record.stream)!;
    if (!touched.has(state)) touched.set(state, { next: [...state.next], lastTimestamp: [...state.lastTimestamp] });
    if (record.unique) {
      const batchKey = `${state.id}\u0000${record.dedupKey}`;
      const earlier = seenInBatch.get(batchKey);
      if (earlier !== undefined) return { partition: earlier.partition, offset: earlier.offset, duplicate: true };
      const stored = this.#findId.get(state.id, record.dedupKey) as { partition: number; offset: number } | undefined;
      if (stored !== undefined) return { partition: stored.partition, offset: stored.offset, duplicate: true };
      const offset = this.#insert(state, record);
      this.#insertId.run(state.id, record.dedupKey, record.partition, offset);
      const result = { partition: record.partition, offset, duplicate: false };
      seenInBatch.set(batchKey, result);
      return result;
    }
    return { partition: record.partition, offset: this.#insert(state, record), duplicate: false };
  }

  #insert(state: StreamState, record: StoredAppend): number {
    const partition = record.partition;
    const offset = state.next[partition]!;
    const timestamp = Math.max(record.timestamp, state.lastTimestamp[partition]!);
    this.#insertRecord.run(state.id, partition, offset, record.id, record.key, timestamp, record.attrs, record.value);
    if (this.#sizes.size > 0) {
      const sizeKey = `${state.id}:${partition}`;
      const size = this.#sizes.get(sizeKey);
      if (size !== undefined) this.#sizes.set(sizeKey, size + record.attrs.length + record.value.length);
    }
    state.next[partition] = offset + 1;
    state.lastTimestamp[partition] = timestamp;
    return offset;
  }

  read(stream: string, partition: number, fromOffset: number, limit: number): Promise<LogRecord[]> {
    const state = this.#streams.get(stream);
    if (state === undefined || partition < 0 || partition >= state.partitions) return Promise.resolve([]);
    const rows = this.#readRange.all(state.id, partition, fromOffset, limit) as unknown as RecordRow[];
    return Promise.resolve(
      rows.map((row) => ({
        stream,
        partition,
        offset: row.offset,
        id: row.id,
        key: row.key,
        timestamp: row.ts,
        attributes: JSON.parse(row.attrs) as RecordAttributes,
        value: row.value,
      })),
    );
  }

  /** The id index first (ids producers chose); then any record with that id, by a scan of the stream. */
  findById(stream: string, dedupKey: string): Promise<{ partition: number; offset: number } | undefined> {
    const state = this.#streams.get(stream);
    if (state === undefined) return Promise.resolve(undefined);
    const found = (this.#findId.get(state.id, dedupKey) ?? this.#scanId.get(state.id, dedupKey)) as { partition: number; offset: number } | undefined;
    return Promise.resolve(found === undefined ? undefined : { partition: found.partition, offset: found.offset });
  }

  deleteStream(name: string): Promise<void> {
    const state = this.#streams.get(name);
    if (state === undefined) return Promise.resolve();
    inTransaction(this.#db, () => {
      this.#db.prepare('DELETE FROM records WHERE stream_id = ?').run(state.id);
      this.#db.prepare('DELETE FROM record_ids WHERE stream_id = ?').run(state.id);
      this.#db.prepare('DELETE FROM group_offsets WHERE stream = ?').run(name);
      this.#db.prepare('DELETE FROM streams WHERE id = ?').run(state.id);
    });
    this.#streams.delete(name);
    for (const partition of state.next.keys()) this.#sizes.delete(`${state.id}:${partition}`);
    this.#waiters.wake(name);
    return Promise.resolve();
  }

  applyRetention(name: string, retention: Retention, now = Date.now()): Promise<{ deleted: number; more: boolean }> {
    const state = this.#streams.get(name);
    let deleted = 0;
    let more = false;
    if (state === undefined) return Promise.resolve({ deleted, more });
    for (let partition = 0; partition < state.partitions; partition++) {
      const start = state.start[partition]!;
      // The newest record stays, so the partition's next offset survives a restart.
      const newest = state.next[partition]! - 1;
      if (newest <= start) continue;
      let cut = start;
      if (retention.ms !== undefined) cut = Math.max(cut, this.#firstAtOrAfter(state, partition, start, newest, now - retention.ms));
      if (retention.bytes !== undefined) cut = Math.max(cut, this.#firstWithinBytes(state, partition, start, retention.bytes));
      cut = Math.min(cut, newest, start + retentionBatch);
      if (cut <= start) continue;
      const size = this.#sizes.get(`${state.id}:${partition}`);
      inTransaction(this.#db, () => {
        if (size !== undefined) {
          const gone = this.#db.prepare(sizeOfRange).get(state.id, partition, start, cut) as { bytes: number | null };
          this.#sizes.set(`${state.id}:${partition}`, size - (gone.bytes ?? 0));
        }
        this.#db.prepare('DELETE FROM records WHERE stream_id = ? AND partition = ? AND offset >= ? AND offset < ?').run(state.id, partition, start, cut);
      });
      state.start[partition] = cut;
      deleted += cut - start;
      if (cut === start + retentionBatch) more = true;
    }
    return Promise.resolve({ deleted, more });
  }

  /**
   * The first offset in [from, to] whose timestamp is at or after `timestamp`; `to` when none
   * before it is. Timestamps never decrease within a partition, so this bisects over offsets
   * (an offset retention deleted reads as earlier than any time).
   */
  #firstAtOrAfter(state: StreamState, partition: number, from: number, to: number, timestamp: number): number {
    let low = from;
    let high = to;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const row = this.#readTimestamp.get(state.id, partition, middle) as { ts: number } | undefined;
      if (row !== undefined && row.ts < timestamp) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The first offset from which the partition's records fit in `bytes`, looking at most a batch past `from`. */
  #firstWithinBytes(state: StreamState, partition: number, from: number, bytes: number): number {
    const sizeKey = `${state.id}:${partition}`;
    let total = this.#sizes.get(sizeKey);
    if (total === undefined) {
      // Measured once per process; appends and deletions keep it current afterwards.
      total = (this.#db.prepare(sizeOfRange).get(state.id, partition, 0, Number.MAX_SAFE_INTEGER) as { bytes: number | null }).bytes ?? 0;
      this.#sizes.set(sizeKey, total);
    }
    let excess = total - bytes;
    if (excess <= 0) return from;
    const rows = this.#db
      .prepare(
        'SELECT offset, length(attrs) + length(value) AS size FROM records WHERE stream_id = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?',
      )
      .all(state.id, partition, from, retentionBatch) as { offset: number; size: number }[];
    for (const row of rows) {
      if (excess <= 0) return row.offset;
      excess -= row.size;
    }
    return (rows.at(-1)?.offset ?? from) + 1;
  }

  eraseKey(name: string, key: string): Promise<number> {
    const state = this.#streams.get(name);
    if (state === undefined) return Promise.resolve(0);
    const erased = inTransaction(this.#db, () =>
      this.#db.prepare("UPDATE records SET value = 'null', key = NULL WHERE stream_id = ? AND key = ?").run(state.id, key),
    );
    this.#sizes.clear();
    return Promise.resolve(Number(erased.changes));
  }

  offsetForTime(stream: string, partition: number, timestamp: number): Promise<number> {
    const state = this.#streams.get(stream);
    if (state === undefined) return Promise.resolve(0);
    return Promise.resolve(this.#firstAtOrAfter(state, partition, 0, state.next[partition] ?? 0, timestamp));
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

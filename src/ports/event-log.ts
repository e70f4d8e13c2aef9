import type { RecordAttributes, StoredRecord } from '../domain/event.ts';
import type { AppendColumns } from './append-columns.ts';

export interface AppendRecord {
  stream: string;
  partition: number;
  /**
   * The event id; when `unique` is set a second record with the same id (or `dedupKey`) is not
   * stored while the first is within the stream's dedup window (see DedupWindow).
   */
  id: string;
  unique: boolean;
  /** What a repeat is recognised by, when not the id (a CloudEvent's source and id). */
  dedupKey?: string;
  key: string | null;
  /** When the record was received, epoch milliseconds. */
  timestamp: number;
  attributes: RecordAttributes;
  /** The data as JSON text. */
  value: string;
}

/** How much of a stream to keep; a missing bound keeps everything. */
export interface Retention {
  /** Keep records younger than this, in milliseconds. */
  ms?: number;
  /** Keep at most this many bytes of records per partition (the stored JSON text). */
  bytes?: number;
}

/**
 * How long a stream recognises a repeated unique id: while its first copy is among the
 * stream's last `ids` unique ids and younger than `ms`. A repeat outside the window is stored
 * again; the window keeps what deduplication holds bounded on both engines.
 */
export interface DedupWindow {
  ms: number;
  ids: number;
}

export const defaultDedupWindow: DedupWindow = { ms: 86_400_000, ids: 500_000 };

export interface AppendResult {
  partition: number;
  offset: number;
  /** True when an earlier record with the same id was found within the dedup window; its position is given. */
  duplicate: boolean;
}

export type LogRecord = StoredRecord;

export interface StreamInfo {
  name: string;
  partitions: number;
  /** First offset still stored, per partition. */
  startOffsets: number[];
  /** Next offset to be written, per partition. */
  endOffsets: number[];
}

/**
 * Durable, partitioned, append-only streams. Offsets are dense per partition and start at 0.
 */
export interface EventLog {
  /** Creates the stream if it does not exist; a no-op when it does. */
  createStream(name: string, partitions: number): Promise<void>;
  describeStream(name: string): Promise<StreamInfo | undefined>;
  listStreams(namePrefix: string): Promise<StreamInfo[]>;
  /**
   * Appends records, possibly to several streams, and resolves once they are durable.
   * Results are in the order of the input.
   */
  append(records: readonly AppendRecord[]): Promise<AppendResult[]>;
  /**
   * `append` for records packed elsewhere (`toColumns`, by the ingest thread), so that they
   * cross to the store without being unpacked on the way. Only a log whose store takes
   * packed records has it.
   */
  appendPacked?(columns: AppendColumns): Promise<AppendResult[]>;
  read(stream: string, partition: number, fromOffset: number, limit: number): Promise<LogRecord[]>;
  /**
   * Where the record a repeat would be recognised by `dedupKey` is: the first record stored
   * with that id (or, for a CloudEvent, its source and id). Records sent without an id, and
   * records outside the dedup window, may not be found this way: see each adapter.
   */
  findById(stream: string, dedupKey: string): Promise<{ partition: number; offset: number } | undefined>;
  /** Deletes a stream with its records (and the consumer-group offsets kept for it, where the store keeps them). */
  deleteStream(name: string): Promise<void>;
  /**
   * Keeps a stream to a retention: records older than `ms`, and the oldest records past
   * `bytes` per partition, are deleted. The embedded store deletes a bounded batch per call
   * (call again while it answers a full batch) and always keeps each partition's newest
   * record; Kafka sets the topic's `retention.ms` / `retention.bytes` and the broker deletes.
   */
  applyRetention(name: string, retention: Retention, now?: number): Promise<{ deleted: number; more: boolean }>;
  /**
   * Erases the data of every record stored with this key: the data becomes null and the key
   * is cleared; positions stay. Answers how many records were erased. Not every store can
   * (Kafka topics are append-only): those throw `erasure_not_supported`.
   */
  eraseKey(name: string, key: string): Promise<number>;
  /** The first offset whose timestamp is at or after `timestamp` (the end offset if none). */
  offsetForTime(stream: string, partition: number, timestamp: number): Promise<number>;
  /**
   * A number that grows each time this process learns that the stream grew. A reader notes
   * it before reading and passes it to `waitForAppend` as `since`, so an append that lands
   * while the read is under way answers the wait at once instead of being missed.
   */
  appendVersion(stream: string): number;
  /**
   * Resolves when a record is appended to the stream, when `timeoutMs` passes, or on abort;
   * at once when `since` is given and the stream's append version has moved past it.
   */
  waitForAppend(stream: string, timeoutMs: number, signal?: AbortSignal, since?: number): Promise<void>;
  close(): Promise<void>;
}

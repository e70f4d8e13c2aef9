import type { EventRecord } from '../domain/event.ts';
import { SluiceError } from '../domain/errors.ts';
import { cloudEventIdentity } from '../domain/event-input.ts';
import { deadLetterType, parseStreamName } from '../domain/names.ts';
import type { StartFrom } from '../domain/positions.ts';
import type { EventLog, LogRecord, StreamInfo } from '../ports/event-log.ts';
import type { DeadLetterView } from './records.ts';
import { toDeadLetterView, toEventRecord } from './records.ts';

export type ReadItem = EventRecord | DeadLetterView;

export interface ReadPage {
  items: ReadItem[];
  /** The offset to ask for next. */
  next: number;
}

/** A page read across every partition of a stream. */
export interface AcrossPage {
  items: ReadItem[];
  /** The next offset of every partition, where the following page starts. */
  positions: number[];
}

/** A start position, or the next offset of every partition. */
export type StartPosition = StartFrom | number[];

export const maxReadLimit = 1000;
export const maxWaitMs = 30_000;
/**
 * The longest a reader sleeps before looking again, even without a wake-up. A store may
 * commit between a reader's last empty read and its wait (with the store in its own thread,
 * or on Kafka, reads cross an event-loop turn), so a missed wake-up costs at most this.
 */
export const maxSleepMs = 500;

/**
 * Reading streams: pages by offset with optional long-poll, and live tails. Every call
 * checks that the stream belongs to the caller's tenant and answers `not_found` otherwise,
 * so names of other tenants' streams are never confirmed.
 */
export class StreamReader {
  readonly #log: EventLog;

  constructor(log: EventLog) {
    this.#log = log;
  }

  async listStreams(tenant: string): Promise<StreamInfo[]> {
    // Streams Sluice keeps for itself (redrive records) are not the tenant's to read.
    return (await this.#log.listStreams(`${tenant}.`)).filter((info) => parseStreamName(info.name) !== undefined);
  }

  async describe(tenant: string, stream: string): Promise<StreamInfo> {
    const parsed = parseStreamName(stream);
    const info = parsed?.tenant === tenant ? await this.#log.describeStream(stream) : undefined;
    if (info === undefined) throw new SluiceError('not_found', `no stream "${stream}"`);
    return info;
  }

  async read(tenant: string, stream: string, partition: number, from: number, limit: number, waitMs: number, signal?: AbortSignal): Promise<ReadPage> {
    const info = await this.describe(tenant, stream);
    if (!Number.isInteger(partition) || partition < 0 || partition >= info.partitions) {
      throw new SluiceError('invalid_request', `stream ${stream} has partitions 0 to ${info.partitions - 1}`, {
        details: [{ path: 'partition', reason: `got ${partition}` }],
      });
    }
    const deadline = Date.now() + Math.min(waitMs, maxWaitMs);
    for (;;) {
      const version = this.#log.appendVersion(stream);
      const records = await this.#log.read(stream, partition, from, Math.min(limit, maxReadLimit));
      const remaining = deadline - Date.now();
      if (records.length > 0 || remaining <= 0 || signal?.aborted === true) {
        return { items: records.map((record) => this.view(record)), next: records.length > 0 ? records.at(-1)!.offset + 1 : from };
      }
      await this.#log.waitForAppend(stream, Math.min(remaining, maxSleepMs), signal, version);
    }
  }

  /**
   * Up to `limit` records of every partition from `positions`, in the order they were stored
   * (each partition's in offset order); waits up to `waitMs` for the first.
   */
  async readAcross(tenant: string, stream: string, positions: readonly number[], limit: number, waitMs: number, signal?: AbortSignal): Promise<AcrossPage> {
    await this.describe(tenant, stream);
    const deadline = Date.now() + Math.min(waitMs, maxWaitMs);
    const wanted = Math.min(limit, maxReadLimit);
    for (;;) {
      const version = this.#log.appendVersion(stream);
      const reads = await this.#readEach(stream, positions, wanted);
      // A merge by stored time that takes each partition's records in order.
      const heads = reads.map(() => 0);
      const next = [...positions];
      const taken: LogRecord[] = [];
      while (taken.length < wanted) {
        let best = -1;
        for (let partition = 0; partition < reads.length; partition++) {
          const candidate = reads[partition]![heads[partition]!];
          if (candidate !== undefined && (best < 0 || candidate.timestamp < reads[best]![heads[best]!]!.timestamp)) best = partition;
        }
        if (best < 0) break;
        const record = reads[best]![heads[best]!++]!;
        taken.push(record);
        next[best] = record.offset + 1;
      }
      const remaining = deadline - Date.now();
      if (taken.length > 0 || remaining <= 0 || signal?.aborted === true) return { items: taken.map((record) => this.view(record)), positions: next };
      await this.#log.waitForAppend(stream, Math.min(remaining, maxSleepMs), signal, version);
    }
  }

  /**
   * One event by its id: the first stored with that id (a CloudEvent's with that source and
   * id). On Kafka only ids the producer chose are found, within the dedup window; on the
   * embedded store also one past the window while its id log holds it, and any plain id by a
   * scan of the stream.
   */
  async findEvent(tenant: string, stream: string, id: string, source?: string): Promise<ReadItem> {
    await this.describe(tenant, stream);
    const position = await this.#log.findById(stream, source === undefined ? id : cloudEventIdentity(source, id));
    const [record] = position === undefined ? [] : await this.#log.read(stream, position.partition, position.offset, 1);
    if (record === undefined || record.offset !== position?.offset) {
      throw new SluiceError('not_found', `no event with id "${id}"${source === undefined ? '' : ` from source "${source}"`} in ${stream}`, {
        details: [
          {
            path: 'id',
            reason: source === undefined ? 'a CloudEvent is found by its source and id: add ?source=' : 'check the source and id the event was sent with',
          },
        ],
      });
    }
    return this.view(record);
  }

  view(record: LogRecord): ReadItem {
    return parseStreamName(record.stream)?.type === deadLetterType ? toDeadLetterView(record) : toEventRecord(record);
  }

  /** The next offset of every partition for a start position; every reader resolves them here. */
  async startPositions(tenant: string, stream: string, from: StartPosition): Promise<number[]> {
    const info = await this.describe(tenant, stream);
    if (from === 'earliest') return [...info.startOffsets];
    if (from === 'latest') return [...info.endOffsets];
    if (!Array.isArray(from)) return this.offsetsForTime(tenant, stream, from.time);
    if (from.length !== info.partitions) throw new SluiceError('invalid_position', `stream ${stream} has ${info.partitions} partitions`);
    return from;
  }

  async offsetsForTime(tenant: string, stream: string, timestamp: number): Promise<number[]> {
    const info = await this.describe(tenant, stream);
    return Promise.all(Array.from({ length: info.partitions }, (_, partition) => this.#log.offsetForTime(stream, partition, timestamp)));
  }

  /**
   * Up to `limit` records of each partition from its position, every read asked at once: one
   * after another, each could wait behind a commit's fsync before the next was even asked.
   */
  #readEach(stream: string, positions: readonly number[], limit: number): Promise<LogRecord[][]> {
    return Promise.all(positions.map((from, partition) => this.#log.read(stream, partition, from, limit)));
  }

  /**
   * Follows every partition of a stream from `positions`, yielding records as they are
   * appended, until `signal` aborts. `positions` is updated in place as records are yielded.
   */
  async *tail(tenant: string, stream: string, positions: number[], signal: AbortSignal, idleMs = 15_000): AsyncGenerator<LogRecord | 'idle'> {
    await this.describe(tenant, stream);
    let lastSent = Date.now();
    while (!signal.aborted) {
      let delivered = 0;
      const version = this.#log.appendVersion(stream);
      const reads = await this.#readEach(stream, positions, 500);
      for (let partition = 0; partition < positions.length; partition++) {
        for (const record of reads[partition]!) {
          positions[partition] = record.offset + 1;
          delivered++;
          yield record;
        }
      }
      if (delivered === 0) {
        await this.#log.waitForAppend(stream, maxSleepMs, signal, version);
        if (Date.now() - lastSent >= idleMs) {
          lastSent = Date.now();
          yield 'idle';
        }
      } else {
        lastSent = Date.now();
      }
    }
  }
}

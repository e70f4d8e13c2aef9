import { randomUUID } from 'node:crypto';
import type { AcceptedEvent, DeadLetter, EventInput, Rejection } from '../domain/event.ts';
import { SluiceError } from '../domain/errors.ts';
import { isoTextWriter } from '../domain/iso-timestamp.ts';
import { deadLetterStream } from '../domain/names.ts';
import { partitionForKey } from '../domain/partitioner.ts';
import type { CompiledType } from '../domain/pipeline.ts';
import { runPipeline } from '../domain/pipeline.ts';
import { type AppendColumns, recordsOf } from '../ports/append-columns.ts';
import type { AppendRecord, AppendResult, EventLog } from '../ports/event-log.ts';
import type { Telemetry } from '../ports/telemetry.ts';
import { type AnswerCounts, IngestAnswer, type IngestOutcome, type RecordPosition } from './ingest-answer.ts';
import { type PackedIngest, unpackPlan } from './packed-ingest.ts';
import type { TypeRegistry } from './registry.ts';

/**
 * An event as parsed from a request, or the reason it could not even be parsed. `origin`, when
 * set, names the item's place in its source, unique for good (a Kafka source record's
 * coordinates): an item delivered again, after a crash or a rebalance, then makes no second
 * dead letter.
 */
export type IngestItem =
  | { ok: true; event: EventInput; origin?: string }
  /** `stage` is where the parse failed: `ingest` (the default) for requests, `source` for Kafka source records. */
  | { ok: false; type: string | null; original: string; error: SluiceError; stage?: 'ingest' | 'source'; origin?: string };

export type { IngestOutcome, IngestResult, StoredPosition } from './ingest-answer.ts';

export interface IngestLimits {
  /** Events waiting for the disk across all requests before new requests are refused. */
  maxPendingEvents: number;
}

/** What became of one item, kept from `prepare` until the append answers. */
export type Planned =
  | { kind: 'accepted'; id: string; type: string; streams: string[]; first: number }
  | { kind: 'filtered'; id: string; type: string }
  | { kind: 'rejected'; index: number; id?: string; type: string; rejection: Rejection; record: number };

/** A batch that went through the pipeline and waits to be appended (`IngestService.prepare`). */
export interface PreparedIngest {
  readonly tenant: string;
  readonly plan: readonly Planned[];
  readonly records: readonly AppendRecord[];
  readonly deadLetters: number;
  readonly deadStream: string;
}

/**
 * Runs events through the pipeline and appends them, accepted and dead-lettered alike,
 * in one durable append, so the answer is given only once everything is on disk.
 */
export class IngestService {
  readonly #log: EventLog;
  readonly #telemetry: Telemetry;
  readonly #limits: IngestLimits;
  readonly #preparer: IngestPreparer;
  #pendingEvents = 0;

  constructor(registry: TypeRegistry, log: EventLog, telemetry: Telemetry, limits: IngestLimits) {
    this.#preparer = new IngestPreparer(registry);
    this.#log = log;
    this.#telemetry = telemetry;
    this.#limits = limits;
  }

  ingest(tenant: string, items: readonly IngestItem[]): Promise<IngestOutcome> {
    // Not an async function: its suspended call would keep every parsed event until the store
    // answers, long enough under load for the scavenger to move them to the old generation.
    let prepared: PreparedIngest;
    try {
      // Checked before the pipeline runs, so a refused request costs no validation.
      this.#admit(items.length);
      prepared = this.prepare(tenant, items);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return this.#append([prepared]).then(([outcome]) => outcome!);
  }

  /**
   * The CPU half of `ingest`: runs the pipeline and builds the records, storing nothing. A
   * Kafka source prepares its next batch while the one before is being appended.
   *
   * @example
   * const prepared = ingest.prepare('acme', items);
   * const outcome = await ingest.store(prepared);
   */
  prepare(tenant: string, items: readonly IngestItem[]): PreparedIngest {
    return this.#preparer.prepare(tenant, items);
  }

  /**
   * The I/O half of `ingest`: appends what `prepare` built, all parts in one durable append,
   * and answers each part. After a failure the same parts may be stored again; their unique
   * ids keep what did reach the log from being stored twice.
   *
   * @example
   * const [outcome] = await ingest.store([ingest.prepare('acme', items)]);
   */
  async store(parts: readonly PreparedIngest[]): Promise<IngestOutcome[]> {
    this.#admit(parts.reduce((sum, part) => sum + part.records.length, 0));
    return this.#append(parts);
  }

  /**
   * `store` for a part prepared and packed on another thread (`packPrepared`): the records
   * go to the log as they are packed, and only the answer is unpacked here.
   */
  storePacked(packed: PackedIngest): Promise<IngestOutcome> {
    const log = this.#log;
    // A log that takes records only (Kafka's) gets them unpacked here, once.
    const appendPacked = log.appendPacked?.bind(log) ?? ((columns: AppendColumns) => log.append(recordsOf(columns)));
    const count = packed.columns.stream.length;
    try {
      this.#admit(count);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    // The answer keeps the plan only, not the packed records it was read from.
    const { tenant, deadStream, columns } = packed;
    const plan = unpackPlan(packed);
    const deadStreams = packed.deadLetters > 0 ? [deadStream] : [];
    return this.#appendRecords(count, deadStreams, () => appendPacked(columns)).then((positions) => this.#answer(tenant, plan, positions, deadStream));
  }

  /**
   * Stores events that went through the pipeline elsewhere (a redriven dead letter) the way
   * `ingest` stores accepted ones: placed by key or in turn, admitted against the same bound,
   * counted in the same metrics. Nothing is dead-lettered; the caller answers for rejections.
   */
  async storeAccepted(tenant: string, events: readonly AcceptedEvent[], receivedAtMs: number): Promise<AppendResult[]> {
    this.#admit(events.length);
    const records = events.map((event) => this.#preparer.record(event, receivedAtMs));
    const positions = await this.#appendRecords(records.length, [], () => this.#log.append(records));
    const stored = positions[0]?.duplicate === false ? 1 : 0;
    if (stored > 0) this.#telemetry.accepted(tenant, events[0]!.type, stored);
    return positions;
  }

  #admit(events: number): void {
    if (this.#pendingEvents + events > this.#limits.maxPendingEvents && this.#pendingEvents > 0) {
      throw new SluiceError('overloaded', `${this.#pendingEvents} events are waiting to be written`, { retryAfter: 1 });
    }
  }

  /**
   * While the store works, only what the answers need is kept: the records (and the events
   * they hold) are the log's until it has taken them, so that they die young.
   */
  #append(parts: readonly PreparedIngest[]): Promise<IngestOutcome[]> {
    const records = parts.length === 1 ? parts[0]!.records : parts.flatMap((part) => part.records);
    const deadStreams = new Set(parts.filter((part) => part.deadLetters > 0).map((part) => part.deadStream));
    const answers = parts.map(({ tenant, plan, deadStream, records: partRecords }) => ({ tenant, plan, deadStream, count: partRecords.length }));
    return this.#appendRecords(records.length, deadStreams, () => this.#log.append(records)).then((positions) => {
      let at = 0;
      return answers.map(({ tenant, plan, deadStream, count }) => {
        const answered = this.#answer(tenant, plan, answers.length === 1 ? positions : positions.slice(at, at + count), deadStream);
        at += count;
        return answered;
      });
    });
  }

  #appendRecords(count: number, deadStreams: Iterable<string>, write: () => Promise<AppendResult[]>): Promise<AppendResult[]> {
    const started = performance.now();
    this.#pendingEvents += count;
    return this.#appendWithDeadStreams(deadStreams, write).then(
      (positions) => {
        this.#pendingEvents -= count;
        this.#telemetry.appendLatency((performance.now() - started) / 1000);
        return positions;
      },
      (error: unknown) => {
        this.#pendingEvents -= count;
        // Nothing was acknowledged, so the producer may safely send the same events again.
        if (error instanceof SluiceError) throw error;
        throw new SluiceError('store_unavailable', `the events could not be stored: ${(error as Error).message}`, { retryAfter: 2, cause: error });
      },
    );
  }

  async #appendWithDeadStreams(deadStreams: Iterable<string>, write: () => Promise<AppendResult[]>): Promise<AppendResult[]> {
    // The tenant's dead-letter stream is made with the tenant; this covers one made before
    // that, and costs a store round trip, so only a request with dead letters pays it.
    for (const deadStream of deadStreams) await this.#log.createStream(deadStream, 1);
    return write();
  }

  #answer(tenant: string, plan: readonly Planned[], positions: readonly RecordPosition[], deadStream: string): IngestOutcome {
    const counts: AnswerCounts = { accepted: 0, duplicates: 0, rejected: 0, filtered: 0 };
    const byType = new Map<string, { accepted: number; filtered: number; rejected: Map<string, number> }>();
    for (const planned of plan) {
      let count = byType.get(planned.type);
      if (count === undefined) {
        count = { accepted: 0, filtered: 0, rejected: new Map<string, number>() };
        byType.set(planned.type, count);
      }
      if (planned.kind === 'accepted') {
        // An event routed to several streams is a duplicate when its first copy is.
        if (positions[planned.first]!.duplicate) {
          counts.duplicates++;
        } else {
          counts.accepted++;
          count.accepted++;
        }
      } else if (planned.kind === 'filtered') {
        counts.filtered++;
        count.filtered++;
      } else {
        counts.rejected++;
        count.rejected.set(planned.rejection.code, (count.rejected.get(planned.rejection.code) ?? 0) + 1);
      }
    }
    for (const [type, count] of byType) {
      if (count.accepted > 0) this.#telemetry.accepted(tenant, type, count.accepted);
      if (count.filtered > 0) this.#telemetry.filtered(tenant, type, count.filtered);
      let dead = 0;
      for (const [code, n] of count.rejected) {
        this.#telemetry.rejected(tenant, type, code, n);
        dead += n;
      }
      if (dead > 0) this.#telemetry.deadLettered(tenant, type, dead);
    }
    return new IngestAnswer(counts, plan, positions, deadStream);
  }
}

/**
 * The CPU half of ingest on its own: runs the pipeline over parsed items and builds the
 * records, placing each on its partition. It needs only the registry, so the ingest thread
 * runs one too.
 */
export class IngestPreparer {
  readonly #registry: TypeRegistry;
  readonly #roundRobin = new Map<string, number>();
  readonly #receivedAtText = isoTextWriter();

  constructor(registry: TypeRegistry) {
    this.#registry = registry;
  }

  prepare(tenant: string, items: readonly IngestItem[]): PreparedIngest {
    const receivedAtMs = Date.now();
    const receivedAt = this.#receivedAtText(receivedAtMs);
    const context = { tenant, receivedAt, newId: randomUUID };
    const records: AppendRecord[] = [];
    const plan: Planned[] = [];
    const types = new Map<string, CompiledType | undefined>();
    const deadStream = deadLetterStream(tenant);
    let deadLetters = 0;

    items.forEach((item, index) => {
      if (!item.ok) {
        const rejection: Rejection = { stage: item.stage ?? 'ingest', code: item.error.code, message: item.error.message };
        if (item.error.details !== undefined) rejection.details = item.error.details;
        plan.push({ kind: 'rejected', index, type: item.type ?? '', rejection, record: records.length });
        records.push(
          deadLetterRecord(deadStream, { ...rejection, id: randomUUID(), type: item.type, original: item.original, receivedAt }, receivedAtMs, item.origin),
        );
        deadLetters++;
        return;
      }
      const event = item.event;
      let compiled = types.get(event.type);
      if (compiled === undefined && !types.has(event.type)) {
        compiled = this.#registry.compiled(tenant, event.type);
        types.set(event.type, compiled);
      }
      const outcome = runPipeline(event, compiled, context);
      if (outcome.kind === 'accepted') {
        plan.push({
          kind: 'accepted',
          id: outcome.events[0]!.id,
          type: event.type,
          streams: outcome.events.map((accepted) => accepted.stream),
          first: records.length,
        });
        for (const accepted of outcome.events) records.push(this.record(accepted, receivedAtMs));
      } else if (outcome.kind === 'filtered') {
        plan.push({ kind: 'filtered', id: outcome.id, type: event.type });
      } else {
        const planned: Planned = { kind: 'rejected', index, type: event.type, rejection: outcome.rejection, record: records.length };
        if (event.id !== undefined) planned.id = event.id;
        plan.push(planned);
        records.push(
          deadLetterRecord(
            deadStream,
            { ...outcome.rejection, id: event.id ?? randomUUID(), type: event.type, original: event.original(), receivedAt },
            receivedAtMs,
            item.origin,
          ),
        );
        deadLetters++;
      }
    });

    return { tenant, plan, records, deadLetters, deadStream };
  }

  record(accepted: AcceptedEvent, receivedAtMs: number): AppendRecord {
    const record: AppendRecord = {
      stream: accepted.stream,
      partition: this.#partitionOf(accepted),
      id: accepted.id,
      unique: accepted.producerId,
      key: accepted.key,
      timestamp: receivedAtMs,
      attributes: accepted.attributes,
      value: accepted.data,
    };
    if (accepted.dedupKey !== undefined) record.dedupKey = accepted.dedupKey;
    return record;
  }

  /**
   * By key; else, for an event whose producer gave it an id, by that id: a repeat sent to
   * another process then lands on the same partition, where that process finds the first
   * copy (on Kafka two processes see each other's writes only within a partition). Events
   * with neither are spread in turn.
   */
  #partitionOf(accepted: AcceptedEvent): number {
    if (accepted.key !== null) return partitionForKey(accepted.key, accepted.partitions);
    if (accepted.producerId) return partitionForKey(accepted.dedupKey ?? accepted.id, accepted.partitions);
    return this.#nextRoundRobin(accepted.stream, accepted.partitions);
  }

  #nextRoundRobin(stream: string, partitions: number): number {
    const next = this.#roundRobin.get(stream) ?? 0;
    this.#roundRobin.set(stream, (next + 1) % partitions);
    return next;
  }
}

/** A dead letter as a record of the tenant's `_dead` stream; one per origin, when it has one. */
export function deadLetterRecord(stream: string, deadLetter: DeadLetter, timestamp: number, origin?: string): AppendRecord {
  return {
    stream,
    partition: 0,
    id: origin ?? randomUUID(),
    unique: origin !== undefined,
    key: deadLetter.type,
    timestamp,
    attributes: { type: deadLetter.type ?? '', source: `sluice/${deadLetter.stage}`, time: deadLetter.receivedAt },
    value: JSON.stringify(deadLetter),
  };
}

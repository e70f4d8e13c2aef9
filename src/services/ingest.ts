import { randomUUID } from 'node:crypto';
import type { DeadLetter, EventInput, Rejection } from '../domain/event.ts';
import type { ErrorDetail } from '../domain/errors.ts';
import { SluiceError } from '../domain/errors.ts';
import { deadLetterStream } from '../domain/names.ts';
import { partitionForKey } from '../domain/partitioner.ts';
import type { CompiledType } from '../domain/pipeline.ts';
import { runPipeline } from '../domain/pipeline.ts';
import type { AppendRecord, EventLog } from '../ports/event-log.ts';
import type { Telemetry } from '../ports/telemetry.ts';
import type { TypeRegistry } from './registry.ts';

/** An event as parsed from a request, or the reason it could not even be parsed. */
export type IngestItem = { ok: true; event: EventInput } | { ok: false; type: string | null; original: string; error: SluiceError };

export type IngestResult =
  | { id: string; stream: string; partition: number; offset: number; duplicate?: true }
  | { index: number; id?: string; error: { code: string; message: string; details?: ErrorDetail[] }; deadLetter: { stream: string; offset: number } };

export interface IngestOutcome {
  accepted: number;
  rejected: number;
  results: IngestResult[];
}

export interface IngestLimits {
  /** Events waiting for the disk across all requests before new requests are refused. */
  maxPendingEvents: number;
}

type Planned = { kind: 'accepted'; id: string; stream: string; type: string } | { kind: 'rejected'; index: number; id?: string; type: string; rejection: Rejection };

/**
 * Runs events through the pipeline and appends them, accepted and dead-lettered alike,
 * in one durable append, so the answer is given only once everything is on disk.
 */
export class IngestService {
  readonly #registry: TypeRegistry;
  readonly #log: EventLog;
  readonly #telemetry: Telemetry;
  readonly #limits: IngestLimits;
  readonly #roundRobin = new Map<string, number>();
  #pendingEvents = 0;

  constructor(registry: TypeRegistry, log: EventLog, telemetry: Telemetry, limits: IngestLimits) {
    this.#registry = registry;
    this.#log = log;
    this.#telemetry = telemetry;
    this.#limits = limits;
  }

  async ingest(tenant: string, items: readonly IngestItem[]): Promise<IngestOutcome> {
    if (this.#pendingEvents + items.length > this.#limits.maxPendingEvents && this.#pendingEvents > 0) {
      throw new SluiceError('overloaded', `${this.#pendingEvents} events are waiting to be written`, { retryAfter: 1 });
    }
    const receivedAtMs = Date.now();
    const receivedAt = new Date(receivedAtMs).toISOString();
    const context = { tenant, receivedAt, newId: randomUUID };
    const records: AppendRecord[] = [];
    const plan: Planned[] = [];
    const types = new Map<string, CompiledType | undefined>();
    const deadStream = deadLetterStream(tenant);

    items.forEach((item, index) => {
      if (!item.ok) {
        const rejection: Rejection = { stage: 'ingest', code: item.error.code, message: item.error.message };
        if (item.error.details !== undefined) rejection.details = item.error.details;
        plan.push({ kind: 'rejected', index, type: item.type ?? '', rejection });
        records.push(deadLetterRecord(deadStream, { ...rejection, id: randomUUID(), type: item.type, original: item.original, receivedAt }, receivedAtMs));
        return;
      }
      const event = item.event;
      let compiled = types.get(event.type);
      if (compiled === undefined && !types.has(event.type)) {
        compiled = this.#registry.compiled(tenant, event.type);
        types.set(event.type, compiled);
      }
      const outcome = runPipeline(event, compiled, context);
      if (outcome.ok) {
        const accepted = outcome.event;
        plan.push({ kind: 'accepted', id: accepted.id, stream: accepted.stream, type: accepted.type });
        records.push({
          stream: accepted.stream,
          partition: accepted.key === null ? this.#nextRoundRobin(accepted.stream, compiled!.partitions) : partitionForKey(accepted.key, compiled!.partitions),
          id: accepted.id,
          unique: accepted.producerId,
          key: accepted.key,
          timestamp: receivedAtMs,
          attributes: accepted.attributes,
          value: accepted.data,
        });
      } else {
        const planned: Planned = { kind: 'rejected', index, type: event.type, rejection: outcome.rejection };
        if (event.id !== undefined) planned.id = event.id;
        plan.push(planned);
        records.push(deadLetterRecord(deadStream, { ...outcome.rejection, id: event.id ?? randomUUID(), type: event.type, original: event.original(), receivedAt }, receivedAtMs));
      }
    });

    const started = performance.now();
    this.#pendingEvents += records.length;
    let positions;
    try {
      await this.#log.createStream(deadStream, 1);
      positions = await this.#log.append(records);
    } finally {
      this.#pendingEvents -= records.length;
    }
    this.#telemetry.appendLatency((performance.now() - started) / 1000);
    return this.#answer(tenant, plan, positions, deadStream);
  }

  #answer(tenant: string, plan: readonly Planned[], positions: readonly { partition: number; offset: number; duplicate: boolean }[], deadStream: string): IngestOutcome {
    let accepted = 0;
    const counts = new Map<string, { accepted: number; rejected: Map<string, number> }>();
    const results = plan.map((planned, i): IngestResult => {
      const position = positions[i]!;
      const count = counts.get(planned.type) ?? { accepted: 0, rejected: new Map<string, number>() };
      counts.set(planned.type, count);
      if (planned.kind === 'accepted') {
        accepted++;
        count.accepted++;
        const result: IngestResult = { id: planned.id, stream: planned.stream, partition: position.partition, offset: position.offset };
        if (position.duplicate) result.duplicate = true;
        return result;
      }
      count.rejected.set(planned.rejection.code, (count.rejected.get(planned.rejection.code) ?? 0) + 1);
      const error: { code: string; message: string; details?: ErrorDetail[] } = { code: planned.rejection.code, message: planned.rejection.message };
      if (planned.rejection.details !== undefined) error.details = planned.rejection.details;
      const result: IngestResult = { index: planned.index, error, deadLetter: { stream: deadStream, offset: position.offset } };
      if (planned.id !== undefined) result.id = planned.id;
      return result;
    });
    for (const [type, count] of counts) {
      if (count.accepted > 0) this.#telemetry.accepted(tenant, type, count.accepted);
      let dead = 0;
      for (const [code, n] of count.rejected) {
        this.#telemetry.rejected(tenant, type, code, n);
        dead += n;
      }
      if (dead > 0) this.#telemetry.deadLettered(tenant, type, dead);
    }
    return { accepted, rejected: plan.length - accepted, results };
  }

  #nextRoundRobin(stream: string, partitions: number): number {
    const next = this.#roundRobin.get(stream) ?? 0;
    this.#roundRobin.set(stream, (next + 1) % partitions);
    return next;
  }
}

/** A dead letter as a record of the tenant's `_dead` stream. */
export function deadLetterRecord(stream: string, deadLetter: DeadLetter, timestamp: number): AppendRecord {
  return {
    stream,
    partition: 0,
    id: randomUUID(),
    unique: false,
    key: deadLetter.type,
    timestamp,
    attributes: { type: deadLetter.type ?? '', source: `sluice/${deadLetter.stage}`, time: deadLetter.receivedAt },
    value: JSON.stringify(deadLetter),
  };
}

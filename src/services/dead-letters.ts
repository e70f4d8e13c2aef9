import type { ErrorDetail } from '../domain/errors.ts';
import type { DeliveryFailure } from '../domain/event.ts';
import { SluiceError } from '../domain/errors.ts';
import { toEventInput } from '../domain/event-input.ts';
import { deadLetterStream } from '../domain/names.ts';
import { runPipeline } from '../domain/pipeline.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { IngestService } from './ingest.ts';
import { RedriveMarkers } from './redrive-markers.ts';
import type { DeadLetterView } from './records.ts';
import { toDeadLetterView } from './records.ts';
import type { TypeRegistry } from './registry.ts';
import { maxReadLimit } from './reader.ts';

export interface DeadLetterFilter {
  type?: string;
  code?: string;
  from?: number;
  limit?: number;
  /** `pending` (default) hides dead letters already redriven. */
  status?: 'pending' | 'redriven' | 'all';
}

export type ListedDeadLetter = DeadLetterView & { redriven?: { stream: string; partition: number; offset: number; at: string; subscription?: string } };

export interface RedriveRequest {
  offsets?: number[];
  /** Dead letters by their event's id; each must exist. */
  ids?: string[];
  type?: string;
  code?: string;
  limit?: number;
}

export type RedriveResult =
  | {
      offset: number;
      status: 'redriven';
      stream: string;
      partition: number;
      recordOffset: number;
      routes?: { stream: string; partition: number; offset: number }[];
      subscription?: string;
    }
  | { offset: number; status: 'failed'; error: { code: string; message: string; details?: ErrorDetail[] } }
  | { offset: number; status: 'skipped'; reason: string }
  | { offset: number; status: 'filtered' };

const scanBatch = 500;

/**
 * A tenant's dead letters: listing them with the reason, and redriving them through the
 * current pipeline once the schema (or the type) has been fixed.
 */
export class DeadLetterService {
  readonly #log: EventLog;
  readonly #markers: RedriveMarkers;
  readonly #registry: TypeRegistry;
  readonly #ingest: IngestService;
  readonly #redriving = new Set<string>();

  readonly #redeliver: Redeliver | undefined;

  constructor(log: EventLog, catalog: Catalog, registry: TypeRegistry, ingest: IngestService, redeliver?: Redeliver) {
    this.#log = log;
    this.#markers = new RedriveMarkers(log, catalog);
    this.#registry = registry;
    this.#ingest = ingest;
    this.#redeliver = redeliver;
  }

  async list(tenant: string, filter: DeadLetterFilter): Promise<{ items: ListedDeadLetter[]; next: number }> {
    const limit = Math.min(filter.limit ?? 100, maxReadLimit);
    const status = filter.status ?? 'pending';
    const stream = deadLetterStream(tenant);
    const end = (await this.#log.describeStream(stream))?.endOffsets[0] ?? 0;
    await this.#markers.refresh(tenant);
    const items: ListedDeadLetter[] = [];
    let next = filter.from ?? 0;
    while (items.length < limit && next < end) {
      const records = await this.#log.read(stream, 0, next, scanBatch);
      if (records.length === 0) break;
      for (const record of records) {
        next = record.offset + 1;
        const item = this.#withMarker(tenant, toDeadLetterView(record));
        if (!matches(item, filter, status)) continue;
        items.push(item);
        if (items.length >= limit) break;
      }
    }
    return { items, next };
  }

  async redrive(tenant: string, request: RedriveRequest): Promise<{ redriven: number; failed: number; results: RedriveResult[] }> {
    if (this.#redriving.has(tenant)) throw new SluiceError('overloaded', 'a redrive is already running for this tenant', { retryAfter: 1 });
    this.#redriving.add(tenant);
    try {
      const candidates = await this.#candidates(tenant, request);
      const results: RedriveResult[] = [];
      for (const candidate of candidates) results.push(await this.#redriveOne(tenant, candidate));
      return { redriven: results.filter((r) => r.status === 'redriven').length, failed: results.filter((r) => r.status === 'failed').length, results };
    } finally {
      this.#redriving.delete(tenant);
    }
  }

  async #candidates(tenant: string, request: RedriveRequest): Promise<ListedDeadLetter[]> {
    const limit = Math.min(request.limit ?? 100, maxReadLimit);
    if (request.ids !== undefined) return this.#byIds(tenant, request.ids.slice(0, limit));
    if (request.offsets === undefined) {
      const filter: DeadLetterFilter = { limit, status: 'pending' };
      if (request.type !== undefined) filter.type = request.type;
      if (request.code !== undefined) filter.code = request.code;
      return (await this.list(tenant, filter)).items;
    }
    const stream = deadLetterStream(tenant);
    await this.#markers.refresh(tenant);
    const found: ListedDeadLetter[] = [];
    for (const offset of request.offsets.slice(0, limit)) {
      const [record] = await this.#log.read(stream, 0, offset, 1);
      if (record?.offset !== offset) throw new SluiceError('not_found', `no dead letter at offset ${offset}`);
      found.push(this.#withMarker(tenant, toDeadLetterView(record)));
    }
    return found;
  }

  /** Dead letters by their event's id, found by reading the dead-letter stream; all of them or not_found. */
  async #byIds(tenant: string, ids: readonly string[]): Promise<ListedDeadLetter[]> {
    const wanted = new Set(ids);
    const found = new Map<string, ListedDeadLetter>();
    let from = 0;
    for (;;) {
      const page = await this.list(tenant, { from, limit: maxReadLimit, status: 'all' });
      // An event dead-lettered more than once: its pending dead letter, else its first.
      for (const item of page.items) {
        const known = found.get(item.id);
        if (wanted.has(item.id) && (known === undefined || (known.redriven !== undefined && item.redriven === undefined))) found.set(item.id, item);
      }
      if (page.items.length === 0 || page.next === from) break;
      from = page.next;
    }
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) throw new SluiceError('not_found', `no dead letter with id ${missing.map((id) => `"${id}"`).join(', ')}`);
    return ids.map((id) => found.get(id)!);
  }

  #withMarker(tenant: string, view: DeadLetterView): ListedDeadLetter {
    const item: ListedDeadLetter = view;
    const redriven = this.#markers.get(tenant, view.offset);
    if (redriven !== undefined) item.redriven = { stream: redriven.stream, partition: redriven.partition, offset: redriven.offset, at: redriven.at };
    return item;
  }

  /** A dead letter of stage `delivery` goes back to its subscription, not through the pipeline. */
  async #redeliverOne(tenant: string, deadLetter: ListedDeadLetter, failure: DeliveryFailure): Promise<RedriveResult> {
    if (this.#redeliver === undefined) return { offset: deadLetter.offset, status: 'skipped', reason: 'subscriptions do not run here' };
    let answer;
    try {
      answer = await this.#redeliver(tenant, failure.subscription, failure.stream, failure.partition, failure.offset);
    } catch (error) {
      if (error instanceof SluiceError) return failed(deadLetter.offset, error);
      throw error;
    }
    if (!answer.delivered) {
      const why = answer.status !== undefined ? `the endpoint answered ${answer.status}` : `no answer (${answer.error ?? 'unknown'})`;
      return failed(deadLetter.offset, new SluiceError('delivery_failed', `subscription "${failure.subscription}" could not deliver it again: ${why}`));
    }
    const at = new Date().toISOString();
    await this.#markers.add({
      tenant,
      deadLetterOffset: deadLetter.offset,
      stream: failure.stream,
      partition: failure.partition,
      offset: failure.offset,
      at,
      subscription: failure.subscription,
    });
    return {
      offset: deadLetter.offset,
      status: 'redriven',
      stream: failure.stream,
      partition: failure.partition,
      recordOffset: failure.offset,
      subscription: failure.subscription,
    };
  }

  async #redriveOne(tenant: string, deadLetter: ListedDeadLetter): Promise<RedriveResult> {
    if (deadLetter.redriven !== undefined) return { offset: deadLetter.offset, status: 'skipped', reason: `already redriven to ${deadLetter.redriven.stream}` };
    if (deadLetter.stage === 'delivery' && deadLetter.delivery !== undefined) return this.#redeliverOne(tenant, deadLetter, deadLetter.delivery);
    let parsed: unknown;
    try {
      parsed = JSON.parse(deadLetter.original);
    } catch {
      return failed(deadLetter.offset, new SluiceError('malformed_json', 'the original bytes are not JSON; send a corrected event instead'));
    }
    let input;
    try {
      input = toEventInput(parsed, () => deadLetter.original);
    } catch (error) {
      if (error instanceof SluiceError) return failed(deadLetter.offset, error);
      throw error;
    }
    const compiled = this.#registry.compiled(tenant, input.type);
    const receivedAt = new Date();
    // Reusing the dead letter's id makes a repeated redrive of the same event a no-op.
    const outcome = runPipeline(input, compiled, { tenant, receivedAt: receivedAt.toISOString(), newId: () => deadLetter.id });
    if (outcome.kind === 'rejected') {
      const error: { code: string; message: string; details?: ErrorDetail[] } = { code: outcome.rejection.code, message: outcome.rejection.message };
      if (outcome.rejection.details !== undefined) error.details = outcome.rejection.details;
      return { offset: deadLetter.offset, status: 'failed', error };
    }
    const at = receivedAt.toISOString();
    if (outcome.kind === 'filtered') {
      await this.#markers.add({ tenant, deadLetterOffset: deadLetter.offset, stream: '', partition: -1, offset: -1, at, filtered: true });
      return { offset: deadLetter.offset, status: 'filtered' };
    }
    // Stored like any accepted event; the id it was given (the producer's, or the dead
    // letter's) is unique, so redriving it twice stores it once.
    const positions = await this.#ingest.storeAccepted(
      tenant,
      outcome.events.map((event) => ({ ...event, producerId: true })),
      receivedAt.getTime(),
    );
    const first = outcome.events[0]!;
    const position = positions[0]!;
    await this.#markers.add({ tenant, deadLetterOffset: deadLetter.offset, stream: first.stream, partition: position.partition, offset: position.offset, at });
    const result: RedriveResult = {
      offset: deadLetter.offset,
      status: 'redriven',
      stream: first.stream,
      partition: position.partition,
      recordOffset: position.offset,
    };
    if (outcome.events.length > 1)
      result.routes = outcome.events.map((event, i) => ({ stream: event.stream, partition: positions[i]!.partition, offset: positions[i]!.offset }));
    return result;
  }
}

/** Sends a stored record again to the subscription that gave up on it; one attempt, now. */
export type Redeliver = (
  tenant: string,
  subscription: string,
  stream: string,
  partition: number,
  offset: number,
) => Promise<{ delivered: boolean; status?: number; error?: string }>;

function matches(item: ListedDeadLetter, filter: DeadLetterFilter, status: 'pending' | 'redriven' | 'all'): boolean {
  if (filter.type !== undefined && item.type !== filter.type) return false;
  if (filter.code !== undefined && item.code !== filter.code) return false;
  if (status === 'pending' && item.redriven !== undefined) return false;
  if (status === 'redriven' && item.redriven === undefined) return false;
  return true;
}

function failed(offset: number, error: SluiceError): RedriveResult {
  const body: { code: string; message: string; details?: ErrorDetail[] } = { code: error.code, message: error.message };
  if (error.details !== undefined) body.details = error.details;
  return { offset, status: 'failed', error: body };
}

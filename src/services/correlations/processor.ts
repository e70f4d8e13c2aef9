import type { CorrelationDoc } from '../../domain/catalog-docs.ts';
import { createHash } from 'node:crypto';
import type { KeyState, Outcome } from '../../domain/correlations/machine.ts';
import { expireNow, nextDeadline, onEvent, onTimer } from '../../domain/correlations/machine.ts';
import type { CorrelationSpec } from '../../domain/correlations/spec.ts';
import { streamName } from '../../domain/names.ts';
import type { EventLog, LogRecord } from '../../ports/event-log.ts';
import type { StateProgress, StateStore, StateWrite } from '../../ports/state-store.ts';
import type { IngestService } from '../ingest.ts';
import { maxSleepMs } from '../reader.ts';
import type { SubscriptionLogger } from '../subscriptions/runner-context.ts';
import { Wakeup } from '../subscriptions/wakeup.ts';

/** Records read from one partition per round. */
const readLimit = 250;
/** Timers fired per round. */
const timerLimit = 500;
/** The key that holds a correlation's counters in its state namespace (sorts before every key). */
export const statsKey = '\u0000stats';

export interface CorrelationStats {
  /** Instances waiting for more events now. */
  open: number;
  complete: number;
  expired: number;
  /** Instances expired early because the correlation held `maxOpenInstances`. */
  evicted: number;
  duplicates: number;
  late: number;
  ignored: number;
}

export interface ProcessorDeps {
  log: EventLog;
  state: StateStore;
  ingest: IngestService;
  logger: SubscriptionLogger;
  /** Called with each outcome once it is stored. */
  emitted(doc: CorrelationDoc, outcome: Outcome): void;
}

/** The state namespace of one correlation incarnation. */
export function correlationNamespace(doc: Pick<CorrelationDoc, 'tenant' | 'name' | 'incarnation'>): string {
  return `${doc.tenant}/${doc.name}/${doc.incarnation}`;
}

/**
 * Runs one correlation in the process that owns it: reads every partition of the input
 * types' streams from where the state's progress says, applies each record to its key's
 * instance, fires due timers, stores each outcome as an event of the output type (with an
 * id derived from the instance, so storing it again is a no-op), and only then writes the
 * new state together with the progress.
 *
 * Decisions depend on the log alone: an instance's deadline is counted from the stored
 * times of its records, and timers fire only once every input partition has been read to
 * its end, so a record stored before a deadline is always applied before that deadline's
 * timer. After a crash the same records therefore make the same outcomes, with the same ids.
 */
export class CorrelationProcessor {
  readonly #deps: ProcessorDeps;
  readonly #doc: CorrelationDoc;
  readonly #spec: CorrelationSpec;
  readonly #namespace: string;
  readonly #stop = new AbortController();
  readonly #wakeup = new Wakeup();
  readonly #positions = new Map<string, number>();
  #loop: Promise<void> | undefined;

  constructor(deps: ProcessorDeps, doc: CorrelationDoc, spec: CorrelationSpec) {
    this.#deps = deps;
    this.#doc = doc;
    this.#spec = spec;
    this.#namespace = correlationNamespace(doc);
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wakeup.notify();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        await this.#resume();
        break;
      } catch (error) {
        this.#warn(error, 'could not read where the correlation stopped; trying again');
        await this.#wakeup.wait(maxSleepMs);
        this.#wakeup.clear();
      }
    }
    while (!signal.aborted) {
      let caughtUp = true;
      const versions = new Map(this.#partitions().map(({ stream }) => [stream, this.#deps.log.appendVersion(stream)]));
      try {
        caughtUp = await this.#readRound();
        if (caughtUp) await this.#fireTimers(Date.now());
      } catch (error) {
        this.#warn(error, 'correlation round failed; trying again from the stored state');
        this.#positions.clear();
        await this.#resume().catch(() => undefined);
        await this.#wakeup.wait(maxSleepMs);
        this.#wakeup.clear();
        continue;
      }
      if (!caughtUp) continue;
      const next = await this.#deps.state.nextDeadline(this.#namespace).catch(() => undefined);
      const timeout = next === undefined ? maxSleepMs : Math.max(0, Math.min(maxSleepMs, next - Date.now()));
      if (timeout === 0) continue;
      await Promise.race([this.#wakeup.wait(timeout), ...[...versions].map(([stream, version]) => this.#deps.log.waitForAppend(stream, timeout, signal, version))]);
      this.#wakeup.clear();
    }
  }

  /** Where each partition goes on: the state's progress, else the incarnation's start. */
  async #resume(): Promise<void> {
    // Another process may have run the correlation since this one last read its state.
    await this.#deps.state.refresh(this.#namespace);
    const progress = new Map((await this.#deps.state.progress(this.#namespace)).map((p) => [`${p.stream}#${p.partition}`, p.offset]));
    for (const { stream, partition } of this.#partitions()) {
      const id = `${stream}#${partition}`;
      this.#positions.set(id, progress.get(id) ?? this.#doc.startOffsets[stream]?.[partition] ?? 0);
    }
  }

  #partitions(): { stream: string; partition: number }[] {
    const all: { stream: string; partition: number }[] = [];
    for (const type of this.#spec.types) {
      const stream = streamName(this.#doc.tenant, type);
      const count = this.#doc.startOffsets[stream]?.length ?? 0;
      for (let partition = 0; partition < count; partition++) all.push({ stream, partition });
    }
    return all;
  }

  /** Reads a round from every partition and applies it; true when every partition was read to its end. */
  async #readRound(): Promise<boolean> {
    let caughtUp = true;
    const records: LogRecord[] = [];
    const progress: StateProgress[] = [];
    for (const { stream, partition } of this.#partitions()) {
      const id = `${stream}#${partition}`;
      const from = this.#positions.get(id) ?? 0;
      const read = await this.#deps.log.read(stream, partition, from, readLimit);
      if (read.length === readLimit) caughtUp = false;
      if (read.length === 0) continue;
      records.push(...read);
      progress.push({ stream, partition, offset: read.at(-1)!.offset + 1 });
    }
    if (records.length === 0) return caughtUp;
    // Records of several partitions: applied in the order they were stored, which is the order
    // a single reader would see them in (ties broken by stream and offset, so a replay agrees).
    records.sort((a, b) => a.timestamp - b.timestamp || (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0) || a.partition - b.partition || a.offset - b.offset);
    const states = await this.#load(records.map((record) => this.#keyOf(record)).filter((key): key is string => key !== undefined));
    const stats = await this.#stats();
    const outcomes: Outcome[] = [];
    const changed = new Set<string>();
    for (const record of records) {
      const key = this.#keyOf(record);
      if (key === undefined) {
        stats.ignored++;
        continue;
      }
      const before = states.get(key);
      const result = onEvent(this.#spec, before, key, { type: record.attributes.type, id: record.id, ref: `${record.stream}/${record.partition}/${record.offset}`, data: JSON.parse(record.value) as unknown, at: record.timestamp });
      this.#count(stats, result.ignored);
      stats.open += openDelta(before, result.state);
      outcomes.push(...result.outcomes);
      states.set(key, result.state);
      changed.add(key);
    }
    await this.#commit(outcomes, states, changed, stats, progress);
    for (const p of progress) this.#positions.set(`${p.stream}#${p.partition}`, p.offset);
    await this.#evict(stats);
    return caughtUp;
  }

  async #fireTimers(now: number): Promise<void> {
    for (;;) {
      const due = await this.#deps.state.due(this.#namespace, now, timerLimit);
      if (due.length === 0) return;
      const stats = await this.#stats();
      const outcomes: Outcome[] = [];
      const states = new Map<string, KeyState | undefined>();
      for (const entry of due) {
        const before = JSON.parse(entry.value) as KeyState;
        const result = onTimer(this.#spec, before, now);
        stats.open += openDelta(before, result.state);
        outcomes.push(...result.outcomes);
        states.set(entry.key, result.state);
      }
      await this.#commit(outcomes, states, new Set(states.keys()), stats, []);
      if (due.length < timerLimit) return;
    }
  }

  /** Over `maxOpenInstances`: the instances due soonest expire now, counted as evicted. */
  async #evict(stats: CorrelationStats): Promise<void> {
    const excess = stats.open - this.#spec.limits.maxOpenInstances;
    if (excess <= 0) return;
    const oldest = await this.#deps.state.due(this.#namespace, Number.MAX_SAFE_INTEGER, excess);
    const outcomes: Outcome[] = [];
    const states = new Map<string, KeyState | undefined>();
    for (const entry of oldest) {
      const before = JSON.parse(entry.value) as KeyState;
      const result = expireNow(this.#spec, before, Date.now());
      stats.open += openDelta(before, result.state);
      stats.evicted += result.outcomes.length;
      outcomes.push(...result.outcomes);
      states.set(entry.key, result.state);
    }
    await this.#commit(outcomes, states, new Set(states.keys()), stats, []);
  }

  /** Stores the outcomes first (idempotent by id), then the state with the progress. */
  async #commit(outcomes: readonly Outcome[], states: ReadonlyMap<string, KeyState | undefined>, changed: ReadonlySet<string>, stats: CorrelationStats, progress: readonly StateProgress[]): Promise<void> {
    if (outcomes.length > 0) await this.#store(outcomes);
    for (const outcome of outcomes) {
      if (outcome.kind === 'complete') stats.complete++;
      else stats.expired++;
    }
    const writes: StateWrite[] = [...changed].map((key) => {
      const state = states.get(key);
      return state === undefined ? { key, value: null, deadline: null } : { key, value: JSON.stringify(state), deadline: nextDeadline(state) ?? null };
    });
    writes.push({ key: statsKey, value: JSON.stringify(stats), deadline: null });
    await this.#deps.state.apply(this.#namespace, writes, progress);
    for (const outcome of outcomes) this.#deps.emitted(this.#doc, outcome);
  }

  async #store(outcomes: readonly Outcome[]): Promise<void> {
    const { emit } = this.#spec;
    const source = `sluice/correlation/${this.#doc.name}`;
    const items = outcomes.map((outcome) => {
      const event = { type: outcome.kind === 'complete' ? emit.complete : emit.expired, id: outcomeId(this.#doc, outcome), key: outcome.key, source, data: outcome.aggregate };
      return { ok: true as const, event: { ...event, original: () => JSON.stringify(event) } };
    });
    await this.#deps.ingest.ingest(this.#doc.tenant, items);
  }

  async #load(keys: readonly string[]): Promise<Map<string, KeyState | undefined>> {
    const states = new Map<string, KeyState | undefined>();
    for (const entry of await this.#deps.state.get(this.#namespace, [...new Set(keys)])) states.set(entry.key, JSON.parse(entry.value) as KeyState);
    return states;
  }

  async #stats(): Promise<CorrelationStats> {
    const [entry] = await this.#deps.state.get(this.#namespace, [statsKey]);
    return entry === undefined ? { open: 0, complete: 0, expired: 0, evicted: 0, duplicates: 0, late: 0, ignored: 0 } : (JSON.parse(entry.value) as CorrelationStats);
  }

  #keyOf(record: LogRecord): string | undefined {
    return correlationKey(this.#spec, record.attributes.type, () => JSON.parse(record.value) as unknown);
  }

  #count(stats: CorrelationStats, ignored: string | undefined): void {
    if (ignored === 'duplicate') stats.duplicates++;
    else if (ignored === 'late') stats.late++;
    else if (ignored !== undefined) stats.ignored++;
  }

  #warn(error: unknown, message: string): void {
    this.#deps.logger.warn({ tenant: this.#doc.tenant, correlation: this.#doc.name, err: error }, message);
  }
}

function openDelta(before: KeyState | undefined, after: KeyState | undefined): number {
  return (after?.open === undefined ? 0 : 1) - (before?.open === undefined ? 0 : 1);
}

/**
 * The id an outcome is stored under: the same for an instance whatever it came to, so a
 * re-emission after a crash is a duplicate the stream refuses.
 */
export function outcomeId(doc: Pick<CorrelationDoc, 'name' | 'incarnation'>, outcome: Pick<Outcome, 'key' | 'first'>): string {
  const digest = createHash('sha256').update(`${outcome.key}\u0000${outcome.first}`).digest('hex').slice(0, 32);
  return `corr-${doc.name}-${doc.incarnation}-${digest}`;
}

/** The key a record's data gives under the correlation's pointer for its type, as text. */
export function correlationKey(spec: CorrelationSpec, type: string, data: () => unknown): string | undefined {
  const read = spec.keyOf(type);
  if (read === undefined) return undefined;
  const value = read(data());
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

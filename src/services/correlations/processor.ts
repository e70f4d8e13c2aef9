import type { CorrelationDoc } from '../../domain/catalog-docs.ts';
import { createHash } from 'node:crypto';
import type { KeyState, Outcome } from '../../domain/correlations/machine.ts';
import { expireNow, nextDeadline, onEvent, onTimer } from '../../domain/correlations/machine.ts';
import type { CorrelationSpec } from '../../domain/correlations/spec.ts';
import { streamName } from '../../domain/names.ts';
import { partitionForKey } from '../../domain/partitioner.ts';
import type { EventLog, LogRecord } from '../../ports/event-log.ts';
import type { StateProgress, StateStore, StateWrite } from '../../ports/state-store.ts';
import { shardNamespace } from '../../ports/state-store.ts';
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

type IncarnationOf = Pick<CorrelationDoc, 'tenant' | 'name' | 'incarnation' | 'startOffsets'>;

/**
 * How many shards a correlation's keys are split into: as many as its widest input stream has
 * partitions, so that with input keyed by the correlation's key, shard and partition agree.
 */
export function shardCount(doc: Pick<CorrelationDoc, 'startOffsets'>): number {
  return Math.max(1, ...Object.values(doc.startOffsets).map((offsets) => offsets.length));
}

/** The shard of a key: Kafka's default partitioner over the shards. */
export function shardOfKey(key: string, shards: number): number {
  return shards === 1 ? 0 : partitionForKey(key, shards);
}

/** The state namespace of one shard of a correlation incarnation. */
export function correlationNamespace(doc: IncarnationOf, shard: number): string {
  return shardNamespace(`${doc.tenant}/${doc.name}/${doc.incarnation}`, shard, shardCount(doc));
}

/** One shard this processor runs: its namespace and where it has read each input partition to. */
interface Shard {
  shard: number;
  namespace: string;
  positions: Map<string, number>;
}

/**
 * Runs the shards of one correlation that this process owns: reads every partition of the
 * input types' streams from where the shards' progress says, applies each record whose key
 * falls in one of them to its key's instance, fires due timers, stores each outcome as an event of the output type (with an
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
  readonly #shardCount: number;
  readonly #shards: Map<number, Shard>;
  readonly #stop = new AbortController();
  readonly #wakeup = new Wakeup();
  #loop: Promise<void> | undefined;

  constructor(deps: ProcessorDeps, doc: CorrelationDoc, spec: CorrelationSpec, shards: readonly number[]) {
    this.#deps = deps;
    this.#doc = doc;
    this.#spec = spec;
    this.#shardCount = shardCount(doc);
    this.#shards = new Map(shards.map((shard) => [shard, { shard, namespace: correlationNamespace(doc, shard), positions: new Map() }]));
  }

  /** The shards this processor runs. */
  get shards(): number[] {
    return [...this.#shards.keys()];
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
        for (const shard of this.#shards.values()) shard.positions.clear();
        await this.#resume().catch(() => undefined);
        await this.#wakeup.wait(maxSleepMs);
        this.#wakeup.clear();
        continue;
      }
      if (!caughtUp) continue;
      const next = await this.#nextDeadline().catch(() => undefined);
      const timeout = next === undefined ? maxSleepMs : Math.max(0, Math.min(maxSleepMs, next - Date.now()));
      if (timeout === 0) continue;
      await Promise.race([
        this.#wakeup.wait(timeout),
        ...[...versions].map(([stream, version]) => this.#deps.log.waitForAppend(stream, timeout, signal, version)),
      ]);
      this.#wakeup.clear();
    }
  }

  /**
   * Claims each shard (another process may have run it since this one last read its state, and
   * may still try to write it) and reads where each partition goes on: the shard's progress,
   * else the incarnation's start.
   */
  async #resume(): Promise<void> {
    for (const shard of this.#shards.values()) {
      await this.#deps.state.claim(shard.namespace);
      const progress = new Map((await this.#deps.state.progress(shard.namespace)).map((p) => [`${p.stream}#${p.partition}`, p.offset]));
      for (const { stream, partition } of this.#partitions()) {
        const id = `${stream}#${partition}`;
        shard.positions.set(id, progress.get(id) ?? this.#doc.startOffsets[stream]?.[partition] ?? 0);
      }
    }
  }

  async #nextDeadline(): Promise<number | undefined> {
    let next: number | undefined;
    for (const shard of this.#shards.values()) {
      const due = await this.#deps.state.nextDeadline(shard.namespace);
      if (due !== undefined && (next === undefined || due < next)) next = due;
    }
    return next;
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
    const readTo = new Map<string, { stream: string; partition: number; offset: number }>();
    for (const { stream, partition } of this.#partitions()) {
      const id = `${stream}#${partition}`;
      // The shards may have got to different places (one taken over from another process).
      let from = Number.MAX_SAFE_INTEGER;
      for (const shard of this.#shards.values()) from = Math.min(from, shard.positions.get(id) ?? 0);
      const read = await this.#deps.log.read(stream, partition, from, readLimit);
      if (read.length === readLimit) caughtUp = false;
      if (read.length === 0) continue;
      records.push(...read);
      readTo.set(id, { stream, partition, offset: read.at(-1)!.offset + 1 });
    }
    if (records.length === 0) return caughtUp;
    // Records of several partitions: applied in the order they were stored, which is the order
    // a single reader would see them in (ties broken by stream and offset, so a replay agrees).
    records.sort(
      (a, b) => a.timestamp - b.timestamp || (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0) || a.partition - b.partition || a.offset - b.offset,
    );
    const rounds = new Map<number, ShardRound>();
    for (const shard of this.#shards.values())
      rounds.set(shard.shard, { shard, states: new Map(), changed: new Set(), stats: await this.#stats(shard), outcomes: [] });
    const keyed: { record: LogRecord; key: string; data: unknown; round: ShardRound }[] = [];
    const keysOf = new Map<ShardRound, string[]>();
    for (const record of records) {
      // Each record's data is parsed once, for its key and, in one of this process's shards, for its instance.
      let data: unknown;
      let parsed = false;
      const dataOf = (): unknown => {
        if (!parsed) {
          data = JSON.parse(record.value) as unknown;
          parsed = true;
        }
        return data;
      };
      const key = correlationKey(this.#spec, record.attributes.type, dataOf);
      // A record without a key is counted by one shard only: the one its partition number names.
      const round = rounds.get(key === undefined ? record.partition % this.#shardCount : shardOfKey(key, this.#shardCount));
      if (round === undefined || record.offset < (round.shard.positions.get(`${record.stream}#${record.partition}`) ?? 0)) continue;
      if (key === undefined) {
        round.stats.ignored++;
        continue;
      }
      keyed.push({ record, key, data: dataOf(), round });
      const keys = keysOf.get(round);
      if (keys === undefined) keysOf.set(round, [key]);
      else keys.push(key);
    }
    for (const [round, keys] of keysOf) for (const [key, state] of await this.#load(round.shard.namespace, keys)) round.states.set(key, state);
    for (const { record, key, data, round } of keyed) {
      const before = round.states.get(key);
      const result = onEvent(this.#spec, before, key, {
        type: record.attributes.type,
        id: record.id,
        ref: `${record.stream}/${record.partition}/${record.offset}`,
        data,
        at: record.timestamp,
      });
      this.#count(round.stats, result.ignored);
      round.stats.open += openDelta(before, result.state);
      round.outcomes.push(...result.outcomes);
      round.states.set(key, result.state);
      round.changed.add(key);
    }
    for (const round of rounds.values()) {
      round.progress = [...readTo.values()].map((to) => ({
        ...to,
        offset: Math.max(to.offset, round.shard.positions.get(`${to.stream}#${to.partition}`) ?? 0),
      }));
    }
    await this.#commit([...rounds.values()]);
    for (const round of rounds.values()) for (const p of round.progress ?? []) round.shard.positions.set(`${p.stream}#${p.partition}`, p.offset);
    for (const round of rounds.values()) await this.#evict(round.shard, round.stats);
    return caughtUp;
  }

  async #fireTimers(now: number): Promise<void> {
    for (const shard of this.#shards.values()) {
      for (;;) {
        const due = await this.#deps.state.due(shard.namespace, now, timerLimit);
        if (due.length === 0) break;
        const round: ShardRound = { shard, states: new Map(), changed: new Set(), stats: await this.#stats(shard), outcomes: [] };
        for (const entry of due) {
          const before = JSON.parse(entry.value) as KeyState;
          const result = onTimer(this.#spec, before, now);
          round.stats.open += openDelta(before, result.state);
          round.outcomes.push(...result.outcomes);
          round.states.set(entry.key, result.state);
          round.changed.add(entry.key);
        }
        await this.#commit([round]);
        if (due.length < timerLimit) break;
      }
    }
  }

  /**
   * Over its share of `maxOpenInstances` (the limit split evenly over the shards): the
   * shard's instances due soonest expire now, counted as evicted.
   */
  async #evict(shard: Shard, stats: CorrelationStats): Promise<void> {
    const excess = stats.open - Math.ceil(this.#spec.limits.maxOpenInstances / this.#shardCount);
    if (excess <= 0) return;
    const oldest = await this.#deps.state.due(shard.namespace, Number.MAX_SAFE_INTEGER, excess);
    const round: ShardRound = { shard, states: new Map(), changed: new Set(), stats, outcomes: [] };
    for (const entry of oldest) {
      const before = JSON.parse(entry.value) as KeyState;
      const result = expireNow(this.#spec, before, Date.now());
      stats.open += openDelta(before, result.state);
      stats.evicted += result.outcomes.length;
      round.outcomes.push(...result.outcomes);
      round.states.set(entry.key, result.state);
      round.changed.add(entry.key);
    }
    await this.#commit([round]);
  }

  /** Stores the outcomes of every shard first (idempotent by id), then each shard's state with its progress. */
  async #commit(rounds: readonly ShardRound[]): Promise<void> {
    const outcomes = rounds.flatMap((round) => round.outcomes);
    if (outcomes.length > 0) await this.#store(outcomes);
    await Promise.all(
      rounds.map((round) => {
        for (const outcome of round.outcomes) {
          if (outcome.kind === 'complete') round.stats.complete++;
          else round.stats.expired++;
        }
        const writes: StateWrite[] = [...round.changed].map((key) => {
          const state = round.states.get(key);
          return state === undefined ? { key, value: null, deadline: null } : { key, value: JSON.stringify(state), deadline: nextDeadline(state) ?? null };
        });
        writes.push({ key: statsKey, value: JSON.stringify(round.stats), deadline: null });
        return this.#deps.state.apply(round.shard.namespace, writes, round.progress ?? []);
      }),
    );
    for (const outcome of outcomes) this.#deps.emitted(this.#doc, outcome);
  }

  async #store(outcomes: readonly Outcome[]): Promise<void> {
    const { emit } = this.#spec;
    const source = `sluice/correlation/${this.#doc.name}`;
    const items = outcomes.map((outcome) => {
      const event = {
        type: outcome.kind === 'complete' ? emit.complete : emit.expired,
        id: outcomeId(this.#doc, outcome),
        key: outcome.key,
        source,
        data: outcome.aggregate,
      };
      return { ok: true as const, event: { ...event, original: () => JSON.stringify(event) } };
    });
    await this.#deps.ingest.ingest(this.#doc.tenant, items);
  }

  async #load(namespace: string, keys: readonly string[]): Promise<Map<string, KeyState | undefined>> {
    const states = new Map<string, KeyState | undefined>();
    for (const entry of await this.#deps.state.get(namespace, [...new Set(keys)])) states.set(entry.key, JSON.parse(entry.value) as KeyState);
    return states;
  }

  async #stats(shard: Shard): Promise<CorrelationStats> {
    const [entry] = await this.#deps.state.get(shard.namespace, [statsKey]);
    return entry === undefined ? emptyStats() : (JSON.parse(entry.value) as CorrelationStats);
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

/** What one round changes in one shard. */
interface ShardRound {
  shard: Shard;
  states: Map<string, KeyState | undefined>;
  changed: Set<string>;
  stats: CorrelationStats;
  outcomes: Outcome[];
  /** Where the shard has read each partition to once the round is stored. */
  progress?: StateProgress[];
}

export function emptyStats(): CorrelationStats {
  return { open: 0, complete: 0, expired: 0, evicted: 0, duplicates: 0, late: 0, ignored: 0 };
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

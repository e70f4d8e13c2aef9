/**
 * Correlations (docs/correlations.md): definitions in the catalog, and a runner per
 * correlation in every process, one of which owns its state and emits its outcomes.
 */
import { randomUUID } from 'node:crypto';
import type { CorrelationDoc } from '../../domain/catalog-docs.ts';
import type { CorrelationSpec } from '../../domain/correlations/spec.ts';
import { assertCorrelationName, parseCorrelationDefinition } from '../../domain/correlations/spec.ts';
import type { KeyState, Outcome } from '../../domain/correlations/machine.ts';
import { SluiceError } from '../../domain/errors.ts';
import { parseStartFrom } from '../../domain/positions.ts';
import { streamName } from '../../domain/names.ts';
import type { Catalog } from '../../ports/catalog.ts';
import type { ConsumerGroups } from '../../ports/consumer-groups.ts';
import type { EventLog } from '../../ports/event-log.ts';
import type { StateStore } from '../../ports/state-store.ts';
import type { IngestService } from '../ingest.ts';
import { KeyedMutex } from '../keyed-mutex.ts';
import type { StreamReader } from '../reader.ts';
import type { SubscriptionLogger } from '../subscriptions/runner-context.ts';
import type { CorrelationStats } from './processor.ts';
import { correlationNamespace, emptyStats, shardCount, shardOfKey, statsKey } from './processor.ts';
import { CorrelationRunner } from './runner.ts';

export interface CorrelationSettings {
  /** How long a process may be silent before another one takes its correlations over. */
  sessionTimeoutMs: number;
}

/** Reports outcomes as they are stored (metrics). */
export type OutcomeListener = (tenant: string, correlation: string, kind: Outcome['kind']) => void;

export interface CorrelationView {
  name: string;
  definition: unknown;
  start: string;
  createdAt: string;
  updatedAt: string;
}

export interface CorrelationStatus extends CorrelationView {
  /** Instances waiting for more events. */
  open: number;
  /** When the open instance that has waited longest got its first event, if any is open. */
  oldestOpenSince?: string;
  counts: CorrelationStats;
  /** How many shards the correlation's keys are split into (its widest input's partitions). */
  shards: number;
  /** The shards this process runs (the others answer from the shared state). */
  shardsHere: number[];
  /** True when this process runs at least one shard. */
  runningHere: boolean;
}

export class CorrelationService {
  readonly #catalog: Catalog;
  readonly #log: EventLog;
  readonly #groups: ConsumerGroups;
  readonly #state: StateStore;
  readonly #reader: StreamReader;
  readonly #ingest: IngestService;
  readonly #settings: CorrelationSettings;
  readonly #writes = new KeyedMutex();
  readonly #runners = new Map<string, CorrelationRunner>();
  readonly #member = `p-${randomUUID()}`;
  #listener: OutcomeListener = () => undefined;
  #logger: SubscriptionLogger | undefined;
  #unsubscribe: (() => void) | undefined;
  #reconciling = Promise.resolve();
  #closed = false;

  constructor(
    catalog: Catalog,
    log: EventLog,
    groups: ConsumerGroups,
    state: StateStore,
    reader: StreamReader,
    ingest: IngestService,
    settings: CorrelationSettings,
  ) {
    this.#catalog = catalog;
    this.#log = log;
    this.#groups = groups;
    this.#state = state;
    this.#reader = reader;
    this.#ingest = ingest;
    this.#settings = settings;
  }

  onOutcome(listener: OutcomeListener): void {
    this.#listener = listener;
  }

  list(tenant: string): CorrelationView[] {
    return this.#catalog.list('correlation', `${tenant}/`).map((entry) => view(entry.value));
  }

  async get(tenant: string, name: string): Promise<CorrelationStatus> {
    const doc = this.#doc(tenant, name);
    const shards = shardCount(doc);
    const here = this.#runners.get(key(tenant, name))?.shards ?? [];
    const counts = emptyStats();
    let oldest: number | undefined;
    for (let shard = 0; shard < shards; shard++) {
      const namespace = correlationNamespace(doc, shard);
      // Another process writes the shards this one does not run: read them afresh.
      if (!here.includes(shard)) await this.#state.refresh(namespace);
      const [stats] = await this.#state.get(namespace, [statsKey]);
      if (stats !== undefined)
        for (const [field, value] of Object.entries(JSON.parse(stats.value) as CorrelationStats)) counts[field as keyof CorrelationStats] += value;
      const [soonest] = await this.#state.due(namespace, Number.MAX_SAFE_INTEGER, 1);
      const firstAt = soonest === undefined ? undefined : (JSON.parse(soonest.value) as KeyState).open?.firstAt;
      if (firstAt !== undefined && (oldest === undefined || firstAt < oldest)) oldest = firstAt;
    }
    const status: CorrelationStatus = { ...view(doc), open: counts.open, counts, shards, shardsHere: here, runningHere: here.length > 0 };
    if (oldest !== undefined) status.oldestOpenSince = new Date(oldest).toISOString();
    return status;
  }

  /** One key's state: its open instance (events so far, deadline), or how its last one ended. */
  async instance(tenant: string, name: string, instanceKey: string): Promise<KeyState> {
    const doc = this.#doc(tenant, name);
    const shard = shardOfKey(instanceKey, shardCount(doc));
    const namespace = correlationNamespace(doc, shard);
    if (!(this.#runners.get(key(tenant, name))?.shards ?? []).includes(shard)) await this.#state.refresh(namespace);
    const [entry] = await this.#state.get(namespace, [instanceKey]);
    if (entry === undefined || instanceKey === statsKey) throw new SluiceError('not_found', `correlation "${name}" has no instance for key "${instanceKey}"`);
    return JSON.parse(entry.value) as KeyState;
  }

  /**
   * The open instances, a page at a time in shard and key order; `next` (`<shard>:<key>`) goes
   * on from the last one answered, null at the end.
   */
  async openInstances(tenant: string, name: string, limit: number, cursor?: string): Promise<{ items: KeyState[]; next: string | null }> {
    const doc = this.#doc(tenant, name);
    const shards = shardCount(doc);
    const at = cursor === undefined ? undefined : /^(\d+):([\s\S]*)$/.exec(cursor);
    if (cursor !== undefined && (at === null || at === undefined || Number(at[1]) >= shards)) {
      throw new SluiceError('invalid_request', `cursor "${cursor}" is not one this list answered`, {
        details: [{ path: 'cursor', reason: 'pass back the next of the page before' }],
      });
    }
    let shard = at === undefined || at === null ? 0 : Number(at[1]);
    let after = at === undefined || at === null ? undefined : at[2];
    const items: KeyState[] = [];
    const held = this.#runners.get(key(tenant, name))?.shards ?? [];
    while (shard < shards) {
      const namespace = correlationNamespace(doc, shard);
      if (!held.includes(shard)) await this.#state.refresh(namespace);
      const entries = await this.#state.list(namespace, 500, after);
      for (const entry of entries) {
        after = entry.key;
        if (entry.key === statsKey) continue;
        const state = JSON.parse(entry.value) as KeyState;
        if (state.open === undefined) continue;
        items.push(state);
        if (items.length === limit) return { items, next: `${shard}:${entry.key}` };
      }
      if (entries.length < 500) {
        shard++;
        after = undefined;
      }
    }
    return { items, next: null };
  }

  /** Creates or replaces a correlation; a changed definition starts a new incarnation with empty state. */
  async put(tenant: string, name: string, definition: unknown): Promise<{ correlation: CorrelationView; created: boolean; changed: boolean }> {
    assertCorrelationName(name);
    if (this.#catalog.get('tenant', tenant) === undefined) throw new SluiceError('not_found', `tenant "${tenant}" does not exist`);
    const spec = parseCorrelationDefinition(definition, (type) => this.#catalog.get('event-type', `${tenant}/${type}`) !== undefined);
    const start = startOf(definition);
    return this.#writes.run(key(tenant, name), async () => {
      const existing = this.#catalog.get('correlation', key(tenant, name))?.value;
      if (existing !== undefined && JSON.stringify(existing.definition) === JSON.stringify(definition))
        return { correlation: view(existing), created: false, changed: false };
      const now = new Date().toISOString();
      const startOffsets: Record<string, number[]> = {};
      for (const type of spec.types) {
        const stream = streamName(tenant, type);
        startOffsets[stream] = await this.#reader.startPositions(tenant, stream, parseStartFrom(start));
      }
      const doc: CorrelationDoc = {
        tenant,
        name,
        definition,
        start,
        incarnation: randomUUID().slice(0, 8),
        startOffsets,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      await this.#catalog.put('correlation', key(tenant, name), doc);
      if (existing !== undefined) await this.#drop(existing);
      this.#logger?.info(
        { tenant, correlation: name, created: existing === undefined },
        existing === undefined ? 'correlation created' : 'correlation changed; its state starts afresh',
      );
      return { correlation: view(doc), created: existing === undefined, changed: true };
    });
  }

  async delete(tenant: string, name: string): Promise<void> {
    await this.#writes.run(key(tenant, name), async () => {
      const doc = this.#doc(tenant, name);
      await this.#catalog.delete('correlation', key(tenant, name));
      await this.#drop(doc);
      this.#logger?.info({ tenant, correlation: name }, 'correlation deleted');
    });
  }

  start(logger: SubscriptionLogger): void {
    if (this.#unsubscribe !== undefined || this.#closed) return;
    this.#logger = logger;
    this.#unsubscribe = this.#catalog.onChange((change) => {
      if (change.kind === 'correlation') this.#schedule(change.key);
    });
    for (const entry of this.#catalog.list('correlation')) this.#schedule(entry.key);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    await this.#reconciling;
    const runners = [...this.#runners.values()];
    this.#runners.clear();
    await Promise.all(runners.map((runner) => runner.close()));
  }

  #schedule(catalogKey: string): void {
    this.#reconciling = this.#reconciling
      .then(() => this.#reconcile(catalogKey))
      .catch((error: unknown) => {
        this.#logger?.warn({ correlation: catalogKey, err: error }, 'could not start or stop a correlation');
      });
  }

  async #reconcile(catalogKey: string): Promise<void> {
    if (this.#closed) return;
    const doc = this.#catalog.get('correlation', catalogKey)?.value;
    const runner = this.#runners.get(catalogKey);
    if (runner !== undefined) {
      if (doc !== undefined && doc.incarnation === runner.doc.incarnation) return;
      this.#runners.delete(catalogKey);
      await runner.close();
    }
    if (doc === undefined) return;
    let spec: CorrelationSpec;
    try {
      // Types may have been deleted since; the definition is read again, without that check.
      spec = parseCorrelationDefinition(doc.definition);
    } catch (error) {
      this.#logger?.warn({ tenant: doc.tenant, correlation: doc.name, err: error }, 'the stored correlation no longer parses; it does not run');
      return;
    }
    const created = new CorrelationRunner(
      {
        log: this.#log,
        state: this.#state,
        ingest: this.#ingest,
        groups: this.#groups,
        member: this.#member,
        sessionTimeoutMs: this.#settings.sessionTimeoutMs,
        logger: this.#logger!,
        emitted: (current, outcome) => this.#listener(current.tenant, current.name, outcome.kind),
      },
      doc,
      spec,
    );
    this.#runners.set(catalogKey, created);
    created.start();
  }

  /** Deletes every shard's state of an incarnation. */
  async #drop(doc: CorrelationDoc): Promise<void> {
    for (let shard = 0; shard < shardCount(doc); shard++) await this.#state.drop(correlationNamespace(doc, shard)).catch(() => undefined);
  }

  #doc(tenant: string, name: string): CorrelationDoc {
    const doc = this.#catalog.get('correlation', key(tenant, name))?.value;
    if (doc === undefined) throw new SluiceError('not_found', `tenant "${tenant}" has no correlation "${name}"`);
    return doc;
  }
}

function key(tenant: string, name: string): string {
  return `${tenant}/${name}`;
}

/** `start` of a definition: where the correlation begins reading its input streams. */
function startOf(definition: unknown): string {
  const start = (definition as { start?: unknown }).start;
  return typeof start === 'string' ? start : 'latest';
}

function view(doc: CorrelationDoc): CorrelationView {
  return { name: doc.name, definition: doc.definition, start: doc.start, createdAt: doc.createdAt, updatedAt: doc.updatedAt };
}

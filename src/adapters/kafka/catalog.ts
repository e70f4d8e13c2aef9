/**
 * Catalog on Apache Kafka: a compacted, single-partition topic `<prefix>_sluice_catalog`
 * (cleanup.policy=compact), like Confluent's `_schemas`.
 *
 * - Records are keyed `e/<kind>/<key>` (entries) or `s/<name>` (sequences). An entry's value is
 *   JSON `{op:'put', kind, key, value, ifAbsent, origin}`; a delete is a tombstone (null value).
 * - At open the topic is read to its end into CatalogState; after that one follower keeps
 *   reading it (long-poll fetch on a connection of its own), so changes by other processes
 *   arrive and are reported through onChange.
 * - put/delete produce a record and resolve once this process has applied it, so a read after
 *   a put sees it. An entry's revision is its record's offset + 1: the same in every process,
 *   and never handed out again (offsets only grow, also across deletes and restarts).
 * - ifAbsent is decided in log order when the record is applied: the first put of a key wins; a
 *   later ifAbsent put that finds the key present is not applied and rejects with
 *   CatalogConflict. Every process applies the same log, so all agree.
 * - A refused put still sits in the log under the entry's key, and compaction keeps the newest
 *   record per key, so the refusing process appends a `reassert` record carrying the state the
 *   refused record must not replace (guarded by the refused record's offset: it is applied only
 *   when nothing changed the key since that offset, which in a live log is a no-op and in a
 *   compacted log restores the winner). If something changed the key in between, the reassert
 *   is skipped and a new one is written for the current state, until one is applied.
 * - nextSequence produces a `s/<name>` record and answers its offset + 1: strictly increasing
 *   and never handed out twice, across processes.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, MessageToProduce, Producer } from '@platformatic/kafka';
import type { Catalog, CatalogChange, CatalogEntry, CatalogKind, CatalogKinds } from '../../ports/catalog.ts';
import { CatalogConflict } from '../../ports/catalog.ts';
import { CatalogState } from '../../ports/catalog-state.ts';
import type { ResolvedKafkaOptions } from './client-options.ts';
import { createAdmin, createFetcher, createProducer, SerialSender } from './client-options.ts';
import { endOffset, ensureOwnTopic, TopicTail } from './topic-tail.ts';

/** Reasserts a refused put may need before the key settles; each retry means the key changed. */
const MAX_REASSERTS = 20;

type AnyEntry = CatalogEntry<CatalogKind>;

interface PutRecord {
  op: 'put';
  kind: CatalogKind;
  key: string;
  value: unknown;
  ifAbsent: boolean;
  origin: string;
}

interface ReassertRecord {
  op: 'reassert';
  kind: CatalogKind;
  key: string;
  /** The entry as it was at `guard`, or null when it was absent. */
  entry: AnyEntry | null;
  guard: number;
  origin: string;
}

interface SequenceRecord {
  op: 'seq';
}

type CatalogRecord = PutRecord | ReassertRecord | SequenceRecord;

type Outcome = { applied: true; entry: AnyEntry | undefined } | { applied: false; entry: AnyEntry | undefined };

export class KafkaCatalog implements Catalog {
  readonly #topic: string;
  readonly #admin: Admin;
  readonly #producer: Producer;
  readonly #sender: SerialSender;
  readonly #follower: Consumer;
  readonly #tail: TopicTail;
  readonly #state = new CatalogState();
  readonly #origin = randomUUID();
  /** Offset of the last record that changed each `kind/key` (puts, deletes, applied reasserts). */
  readonly #lastChange = new Map<string, number>();
  /** Outcomes of this process's own records, by offset, until their writer collects them. */
  readonly #outcomes = new Map<number, Outcome>();
  readonly #waiters = new Map<number, (() => void)[]>();
  readonly #background = new Set<Promise<void>>();
  #closed = false;
  #failure: Error | undefined;

  private constructor(options: ResolvedKafkaOptions) {
    this.#topic = `${options.topicPrefix}_sluice_catalog`;
    this.#admin = createAdmin(options, 'catalog-admin');
    this.#producer = createProducer(options, 'catalog-producer');
    this.#sender = new SerialSender(this.#producer);
    this.#follower = createFetcher(options, 'catalog-follow');
    // When a fetch fails (the cluster is unreachable), waiting writers are failed, and so is
    // every write until a fetch succeeds again; the tail keeps trying by itself.
    this.#tail = new TopicTail(this.#follower, this.#topic, {
      record: (record) => this.#apply(record.offset, record.key, record.value),
      fetched: () => {
        this.#failure = undefined;
        this.#release();
      },
      failed: (error) => {
        this.#failure = error;
        this.#release();
      },
    });
  }

  /** Creates the topic if needed and reads it to its end before answering. */
  static async open(options: ResolvedKafkaOptions): Promise<KafkaCatalog> {
    const catalog = new KafkaCatalog(options);
    try {
      await ensureOwnTopic(catalog.#admin, catalog.#follower, catalog.#topic, options.replicationFactor, [{ name: 'cleanup.policy', value: 'compact' }]);
      const end = await endOffset(catalog.#admin, catalog.#topic);
      catalog.#tail.start();
      await catalog.#appliedThrough(end - 1);
      return catalog;
    } catch (error) {
      await catalog.close();
      throw error;
    }
  }

  #apply(offset: number, recordKey: string, value: Buffer | null): void {
    if (!recordKey.startsWith('e/')) return; // sequences change no state
    const rest = recordKey.slice(2);
    const slash = rest.indexOf('/');
    const kind = rest.slice(0, slash) as CatalogKind;
    const key = rest.slice(slash + 1);
    const id = `${kind}/${key}`;
    if (value === null) {
      this.#lastChange.set(id, offset);
      if (this.#state.get(kind, key) !== undefined) this.#state.remove(kind, key);
      return;
    }
    const record = JSON.parse(value.toString()) as CatalogRecord;
    if (record.op === 'put') {
      const existing = this.#state.get(kind, key);
      const mine = record.origin === this.#origin;
      if (record.ifAbsent && existing !== undefined) {
        if (mine) this.#outcomes.set(offset, { applied: false, entry: existing });
        return;
      }
      const entry = { kind, key, value: record.value, revision: offset + 1 } as AnyEntry;
      this.#lastChange.set(id, offset);
      this.#state.set(entry);
      if (mine) this.#outcomes.set(offset, { applied: true, entry });
    } else if (record.op === 'reassert') {
      const mine = record.origin === this.#origin;
      const changed = this.#lastChange.get(id) ?? -1;
      if (changed > record.guard) {
        if (mine) this.#outcomes.set(offset, { applied: false, entry: this.#state.get(kind, key) });
        return;
      }
      // Only a reassert that changes the state counts as a change (live, it never does).
      const existing = this.#state.get(kind, key);
      if (record.entry === null) {
        if (existing !== undefined) {
          this.#lastChange.set(id, offset);
          this.#state.remove(kind, key);
        }
      } else if (existing === undefined || existing.revision !== record.entry.revision) {
        this.#lastChange.set(id, offset);
        this.#state.set(record.entry);
      }
      if (mine) this.#outcomes.set(offset, { applied: true, entry: this.#state.get(kind, key) });
    }
  }

  /** Wakes writers whose records have been applied (or all of them, after a failure). */
  #release(): void {
    for (const [offset, waiters] of this.#waiters) {
      if (offset < this.#tail.next || this.#failure !== undefined || this.#closed) {
        this.#waiters.delete(offset);
        for (const wake of waiters) wake();
      }
    }
  }

  async #appliedThrough(offset: number): Promise<void> {
    if (offset < this.#tail.next) return;
    await new Promise<void>((resolve) => {
      const waiters = this.#waiters.get(offset) ?? [];
      waiters.push(resolve);
      this.#waiters.set(offset, waiters);
      this.#release();
    });
    if (this.#failure !== undefined) throw this.#failure;
    if (offset >= this.#tail.next) throw new Error('the catalog is closed');
  }

  /** Produces one record and waits until this process has applied it. */
  async #write(key: string, value: CatalogRecord | null): Promise<number> {
    if (this.#closed) throw new Error('the catalog is closed');
    if (this.#failure !== undefined) throw this.#failure;
    const message: MessageToProduce = { topic: this.#topic, partition: 0, key: Buffer.from(key) };
    if (value !== null) message.value = Buffer.from(JSON.stringify(value));
    const [offset] = await this.#sender.send([message]);
    await this.#appliedThrough(offset!);
    return offset!;
  }

  #take(offset: number): Outcome {
    const outcome = this.#outcomes.get(offset);
    this.#outcomes.delete(offset);
    if (outcome === undefined) throw new Error(`catalog record ${offset} was applied without an outcome`);
    return outcome;
  }

  get<K extends CatalogKind>(kind: K, key: string): CatalogEntry<K> | undefined {
    return this.#state.get(kind, key);
  }

  list<K extends CatalogKind>(kind: K, keyPrefix = ''): CatalogEntry<K>[] {
    return this.#state.list(kind, keyPrefix);
  }

  async put<K extends CatalogKind>(kind: K, key: string, value: CatalogKinds[K], options: { ifAbsent?: boolean } = {}): Promise<CatalogEntry<K>> {
    const ifAbsent = options.ifAbsent === true;
    const offset = await this.#write(`e/${kind}/${key}`, { op: 'put', kind, key, value, ifAbsent, origin: this.#origin });
    const outcome = this.#take(offset);
    if (!outcome.applied) {
      this.#track(this.#reassert(kind, key, offset, outcome.entry));
      throw new CatalogConflict(kind, key);
    }
    return outcome.entry as CatalogEntry<K>;
  }

  /**
   * Puts the key's current state back on top of a refused record, so compaction (which keeps
   * the newest record per key) cannot let the refused value win on a later replay.
   */
  async #reassert(kind: CatalogKind, key: string, guard: number, entry: AnyEntry | undefined): Promise<void> {
    for (let attempt = 0; attempt < MAX_REASSERTS && !this.#closed; attempt++) {
      const offset = await this.#write(`e/${kind}/${key}`, { op: 'reassert', kind, key, entry: entry ?? null, guard, origin: this.#origin });
      const outcome = this.#take(offset);
      if (outcome.applied) return;
      guard = offset;
      entry = outcome.entry;
    }
  }

  #track(work: Promise<void>): void {
    const tracked = work.catch(() => undefined).finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }

  async delete(kind: CatalogKind, key: string): Promise<void> {
    await this.#write(`e/${kind}/${key}`, null);
  }

  async nextSequence(name: string): Promise<number> {
    if (this.#closed) throw new Error('the catalog is closed');
    const [offset] = await this.#sender.send([
      { topic: this.#topic, partition: 0, key: Buffer.from(`s/${name}`), value: Buffer.from(JSON.stringify({ op: 'seq' })) },
    ]);
    return offset! + 1;
  }

  onChange(listener: (change: CatalogChange) => void): () => void {
    return this.#state.onChange(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.allSettled([...this.#background]);
    await this.#sender.idle();
    this.#closed = true;
    this.#state.clearListeners();
    this.#release();
    await Promise.allSettled([this.#producer.close(), this.#admin.close()]);
    await this.#tail.stop();
    await this.#follower.close(true).catch(() => undefined);
  }
}

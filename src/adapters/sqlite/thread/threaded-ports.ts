import type { TopicPartition } from '../../../domain/assignment.ts';
import type { Catalog, CatalogChange, CatalogEntry, CatalogKind, CatalogKinds } from '../../../ports/catalog.ts';
import { CatalogConflict } from '../../../ports/catalog.ts';
import type { CommittedOffset, ConsumerGroups, GroupMembers, MemberAssignment } from '../../../ports/consumer-groups.ts';
import type { AppendRecord, AppendResult, EventLog, LogRecord, Retention, StreamInfo } from '../../../ports/event-log.ts';
import type { StateEntry, StateProgress, StateStore, StateWrite } from '../../../ports/state-store.ts';
import type { AppendColumns, ResultColumns } from '../columns.ts';
import { fromResultColumns, toColumns } from '../columns.ts';
import { CatalogState } from '../../../ports/catalog-state.ts';
import { StreamWaiters } from '../stream-waiters.ts';
import type { ArgsOf, MethodOf, ResultOf } from './protocol.ts';
import type { StoreClient } from './store-client.ts';

function isPacked(records: readonly AppendRecord[] | AppendColumns): records is AppendColumns {
  return !Array.isArray(records);
}

/**
 * Everything waiting, as the parts the store thread appends in one commit: appends packed by
 * the ingest thread as they are, each run of records given here packed together. Joining the
 * packed ones into one took a fiftieth of the HTTP thread's time under batched ingest, for a
 * message that copies the same bytes either way.
 */
function packBatch(pending: readonly (readonly AppendRecord[] | AppendColumns)[]): AppendColumns[] {
  const parts: AppendColumns[] = [];
  let run: (readonly AppendRecord[])[] = [];
  const packRun = (): void => {
    if (run.length === 0) return;
    parts.push(toColumns(run.length === 1 ? run[0]! : run.flat()));
    run = [];
  };
  for (const records of pending) {
    if (isPacked(records)) {
      packRun();
      parts.push(records);
    } else {
      run.push(records);
    }
  }
  packRun();
  return parts;
}

/** The event log, answered by the store thread; readers wait here, on the main thread. */
export class ThreadedEventLog implements EventLog {
  readonly #client: StoreClient;
  readonly #waiters = new StreamWaiters();
  readonly #known = new Set<string>();
  #batch: { records: readonly AppendRecord[] | AppendColumns; resolve: (results: AppendResult[]) => void; reject: (error: unknown) => void }[] = [];

  constructor(client: StoreClient) {
    this.#client = client;
    client.onAppended((streams) => {
      for (const stream of streams) this.#waiters.wake(stream);
    });
  }

  async createStream(name: string, partitions: number): Promise<void> {
    // Ingest asks for the dead-letter stream on every request: answer known ones here.
    if (this.#known.has(name)) return;
    await this.#client.call('log', 'createStream', name, partitions);
    this.#known.add(name);
  }

  describeStream(name: string): Promise<StreamInfo | undefined> {
    return this.#client.call('log', 'describeStream', name);
  }

  listStreams(namePrefix: string): Promise<StreamInfo[]> {
    return this.#client.call('log', 'listStreams', namePrefix);
  }

  append(records: readonly AppendRecord[]): Promise<AppendResult[]> {
    return this.#enqueue(records);
  }

  appendPacked(columns: AppendColumns): Promise<AppendResult[]> {
    return this.#enqueue(columns);
  }

  #enqueue(records: readonly AppendRecord[] | AppendColumns): Promise<AppendResult[]> {
    return new Promise((resolve, reject) => {
      // Appends made in the same turn of the event loop cross to the store thread as one
      // message: one copy and one reply instead of one per request.
      if (this.#batch.push({ records, resolve, reject }) === 1) setImmediate(() => void this.#sendBatch());
    });
  }

  /**
   * Not an async function: a suspended call keeps all its variables, and the records (with
   * the events they hold) and their packed columns would live until the store thread answers,
   * long enough under load to reach the old generation. Only the callers' counts are kept.
   */
  #sendBatch(): Promise<void> {
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0) return Promise.resolve();
    const waiting = batch.map(({ records, resolve, reject }) => ({ count: isPacked(records) ? records.stream.length : records.length, resolve, reject }));
    let sent: Promise<ResultColumns>;
    try {
      sent = this.#client.call('log', 'appendColumns', packBatch(batch.map((pending) => pending.records)));
    } catch (error) {
      sent = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return sent.then(
      (columns) => {
        const results = fromResultColumns(columns);
        let start = 0;
        for (const pending of waiting) {
          pending.resolve(results.slice(start, start + pending.count));
          start += pending.count;
        }
      },
      (error: unknown) => {
        for (const pending of waiting) pending.reject(error);
      },
    );
  }

  read(stream: string, partition: number, fromOffset: number, limit: number): Promise<LogRecord[]> {
    return this.#client.call('log', 'read', stream, partition, fromOffset, limit);
  }

  async deleteStream(name: string): Promise<void> {
    await this.#client.call('log', 'deleteStream', name);
    this.#known.delete(name);
    this.#waiters.wake(name);
  }

  applyRetention(name: string, retention: Retention, now?: number): Promise<{ deleted: number; more: boolean }> {
    return this.#client.call('log', 'applyRetention', name, retention, now);
  }

  eraseKey(name: string, key: string): Promise<number> {
    return this.#client.call('log', 'eraseKey', name, key);
  }

  findById(stream: string, dedupKey: string): Promise<{ partition: number; offset: number } | undefined> {
    return this.#client.call('log', 'findById', stream, dedupKey);
  }

  offsetForTime(stream: string, partition: number, timestamp: number): Promise<number> {
    return this.#client.call('log', 'offsetForTime', stream, partition, timestamp);
  }

  appendVersion(stream: string): number {
    return this.#waiters.version(stream);
  }

  waitForAppend(stream: string, timeoutMs: number, signal?: AbortSignal, since?: number): Promise<void> {
    return this.#waiters.wait(stream, timeoutMs, signal, since);
  }

  async close(): Promise<void> {
    this.#waiters.wakeAll();
    // Appends made in this turn have not crossed yet; send them before the thread stops.
    await this.#sendBatch();
  }
}

/**
 * A copy of the catalog on the main thread, so reads stay synchronous; writes go to the
 * store thread and land in the copy once durable. This process is the only writer.
 */
export class ThreadedCatalog implements Catalog {
  readonly #client: StoreClient;
  readonly #state: CatalogState;

  constructor(client: StoreClient, entries: readonly CatalogEntry<CatalogKind>[]) {
    this.#client = client;
    this.#state = new CatalogState(entries);
  }

  get<K extends CatalogKind>(kind: K, key: string): CatalogEntry<K> | undefined {
    return this.#state.get(kind, key);
  }

  list<K extends CatalogKind>(kind: K, keyPrefix = ''): CatalogEntry<K>[] {
    return this.#state.list(kind, keyPrefix);
  }

  async put<K extends CatalogKind>(kind: K, key: string, value: CatalogKinds[K], options: { ifAbsent?: boolean } = {}): Promise<CatalogEntry<K>> {
    if (options.ifAbsent === true && this.get(kind, key) !== undefined) throw new CatalogConflict(kind, key);
    const entry = (await this.#client.call('catalog', 'put', kind, key, value, options)) as CatalogEntry<K>;
    this.#state.set(entry);
    return entry;
  }

  async delete(kind: CatalogKind, key: string): Promise<void> {
    await this.#client.call('catalog', 'delete', kind, key);
    this.#state.remove(kind, key);
  }

  nextSequence(name: string): Promise<number> {
    return this.#client.call('catalog', 'nextSequence', name);
  }

  onChange(listener: (change: CatalogChange) => void): () => void {
    return this.#state.onChange(listener);
  }

  close(): Promise<void> {
    this.#state.clearListeners();
    return Promise.resolve();
  }
}

export class ThreadedConsumerGroups implements ConsumerGroups {
  readonly shared = false;
  readonly #client: StoreClient;

  constructor(client: StoreClient) {
    this.#client = client;
  }

  heartbeat(group: string, member: string, partitions: readonly TopicPartition[], sessionTimeoutMs: number): Promise<MemberAssignment> {
    return this.#client.call('groups', 'heartbeat', group, member, partitions, sessionTimeoutMs);
  }

  leave(group: string, member: string): Promise<void> {
    return this.#client.call('groups', 'leave', group, member);
  }

  members(group: string): Promise<GroupMembers> {
    return this.#client.call('groups', 'members', group);
  }

  commit(group: string, member: string, offsets: readonly CommittedOffset[]): Promise<void> {
    return this.#client.call('groups', 'commit', group, member, offsets);
  }

  committed(group: string): Promise<CommittedOffset[]> {
    return this.#client.call('groups', 'committed', group);
  }

  listGroups(prefix: string): Promise<string[]> {
    return this.#client.call('groups', 'listGroups', prefix);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Keyed state and timers, answered by the store thread. */
export class ThreadedStateStore implements StateStore {
  readonly #client: StoreClient;

  constructor(client: StoreClient) {
    this.#client = client;
  }

  /** A call the compiler checks against the SQLite state store's own signatures. */
  #call<M extends MethodOf<'state'>>(method: M, ...args: ArgsOf<'state', M>): Promise<ResultOf<'state', M>> {
    return this.#client.call('state', method, ...args);
  }

  get(namespace: string, keys: readonly string[]): Promise<StateEntry[]> {
    return this.#call('get', namespace, keys);
  }

  apply(namespace: string, writes: readonly StateWrite[], progress: readonly StateProgress[]): Promise<void> {
    return this.#call('apply', namespace, writes, progress);
  }

  due(namespace: string, now: number, limit: number): Promise<StateEntry[]> {
    return this.#call('due', namespace, now, limit);
  }

  nextDeadline(namespace: string): Promise<number | undefined> {
    return this.#call('nextDeadline', namespace);
  }

  progress(namespace: string): Promise<StateProgress[]> {
    return this.#call('progress', namespace);
  }

  list(namespace: string, limit: number, after?: string): Promise<StateEntry[]> {
    return after === undefined ? this.#call('list', namespace, limit) : this.#call('list', namespace, limit, after);
  }

  size(namespace: string): Promise<number> {
    return this.#call('size', namespace);
  }

  refresh(namespace: string): Promise<void> {
    return this.#call('refresh', namespace);
  }

  claim(namespace: string): Promise<void> {
    return this.#call('claim', namespace);
  }

  drop(namespace: string): Promise<void> {
    return this.#call('drop', namespace);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

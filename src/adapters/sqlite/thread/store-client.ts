import { Worker } from 'node:worker_threads';
import { threadModule } from '../../../domain/thread-module.ts';
import type { CatalogEntry, CatalogKind } from '../../../ports/catalog.ts';
import type { CheckpointThreadReport } from '../checkpointer.ts';
import type { LayoutMigration } from '../log-layout.ts';
import type { SqliteStoreOptions } from '../store.ts';
import type { ArgsOf, Call, MethodOf, Notice, Reply, ResultOf, StoreThreadData, Target } from './protocol.ts';
import { deserializeError } from './protocol.ts';

const threadFile = threadModule(import.meta.url, './store-thread');

/**
 * The store thread's young generation, in MB (V8 makes it three semi-spaces' worth). Left to
 * V8, it grew to the same 128 MB new space as the main thread's, because each flush's text
 * (and the decoded batches kept for tails) survives a scavenge or two: that was most of the
 * RSS record batches added under batched ingest. A flush of 1,600 ~300-byte events allocates
 * about 1 MB here, so 8 MB semi-spaces still scavenge only every several flushes. The old
 * generation keeps V8's limit: at that limit the thread ends, and every store call with it.
 */
const youngGenerationMb = 24;

/** The main thread's end of the store thread: calls with replies, and notices. */
export class StoreClient {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #appendListeners = new Set<(streams: string[]) => void>();
  readonly #onCheckpointReport: (report: CheckpointThreadReport) => void;
  #nextId = 1;
  #failure: Error | undefined;
  #closed: Promise<void> | undefined;

  private constructor(worker: Worker, onCheckpointReport: (report: CheckpointThreadReport) => void) {
    this.#worker = worker;
    this.#onCheckpointReport = onCheckpointReport;
  }

  /**
   * Starts the thread and waits until the store is open; answers the catalog's entries.
   * `onCheckpointReport` hears what the checkpoint thread reports (`../checkpointer.ts`),
   * from the start: it may fail before the store is ready.
   */
  static start(
    dataDir: string,
    options: SqliteStoreOptions = {},
    onCheckpointReport: (report: CheckpointThreadReport) => void = () => undefined,
  ): Promise<{ client: StoreClient; catalog: CatalogEntry<CatalogKind>[]; migration: LayoutMigration | undefined }> {
    const data: StoreThreadData = { dataDir, options };
    const worker = new Worker(threadFile, { name: 'sluice-store', workerData: data, resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb } });
    const client = new StoreClient(worker, onCheckpointReport);
    return new Promise((resolve, reject) => {
      const onMessage = (message: Notice | Reply): void => {
        if ('notice' in message && message.notice === 'ready') {
          worker.off('message', onMessage);
          worker.off('error', onStartError);
          worker.on('message', (next: Notice | Reply) => client.#receive(next));
          worker.on('error', (error: Error) => client.#fail(error));
          worker.on('exit', (code) => client.#fail(new Error(`the store thread exited (code ${code})`)));
          resolve({ client, catalog: message.catalog, migration: message.migration });
        } else if ('notice' in message && message.notice === 'failed') {
          worker.off('message', onMessage);
          worker.off('error', onStartError);
          reject(deserializeError(message.error));
        } else {
          client.#receive(message);
        }
      };
      const onStartError = (error: Error): void => reject(error);
      worker.on('message', onMessage);
      worker.once('error', onStartError);
    });
  }

  /** Calls a method of the store thread's adapters; the compiler checks it against the adapter's own signature. */
  call<T extends Target, M extends MethodOf<T>>(target: T, method: M, ...args: ArgsOf<T, M>): Promise<ResultOf<T, M>> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    const message: Call = { id, target, method, args };
    return new Promise<ResultOf<T, M>>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#worker.postMessage(message);
    });
  }

  onAppended(listener: (streams: string[]) => void): void {
    this.#appendListeners.add(listener);
  }

  /** Lets queued calls finish, closes the store in its thread, and ends the thread. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      if (this.#failure !== undefined) {
        resolve();
        return;
      }
      this.#worker.once('exit', () => resolve());
      this.#worker.postMessage({ close: true });
    });
    return this.#closed;
  }

  #receive(message: Notice | Reply): void {
    if ('notice' in message) {
      if (message.notice === 'appended') for (const listener of this.#appendListeners) listener(message.streams);
      else if (message.notice === 'checkpoint') this.#onCheckpointReport(message.report);
      return;
    }
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    this.#pending.delete(message.id);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(deserializeError(message.error));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const pending of this.#pending.values()) pending.reject(this.#failure);
    this.#pending.clear();
  }
}

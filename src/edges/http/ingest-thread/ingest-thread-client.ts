import type { IncomingHttpHeaders } from 'node:http';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { SluiceError } from '../../../domain/errors.ts';
import { threadModule } from '../../../domain/thread-module.ts';
import type { Catalog } from '../../../ports/catalog.ts';
import type { PackedIngest } from '../../../services/packed-ingest.ts';
import type { BodyLimits } from '../ingest-body.ts';
import type { FromThread, IngestThreadData, ToThread } from './protocol.ts';
import { fromWireError, mirroredKinds } from './protocol.ts';

const threadFile = threadModule(import.meta.url, './ingest-thread');

/**
 * Bodies waiting for the ingest thread, in bytes, past which requests are prepared on the
 * HTTP thread instead: a burst cannot queue without bound, and the HTTP thread slows down
 * with the extra work, which is the back-pressure it had before.
 */
const maxQueuedBytes = 32 * 1024 * 1024;

/**
 * The thread's young generation, in MB. What it allocates for a request dies within the
 * request, so a small one costs little scavenging (2.5% of the thread under batched ingest)
 * and kept peak RSS about 40 MB lower than V8's default sizing.
 */
const youngGenerationMb = 16;

/**
 * Requests at the ingest thread at once before the HTTP thread prepares the next one itself.
 * Eight keep the thread busy while the HTTP thread spends a millisecond preparing a request of
 * its own; past them, the HTTP thread's idle time does the rest. With two, the thread sat idle
 * three quarters of the time behind a busy HTTP thread; with no bound, the HTTP thread sat
 * idle behind a busy ingest thread (bench scenario 5, 16 connections: 0.84× with eight,
 * 0.70–0.74× with two or sixteen).
 */
const maxQueuedJobs = 8;

/**
 * The HTTP thread's end of the ingest thread: sends it request bodies with the catalog
 * changes that came before them, and gets back the requests prepared and packed. The thread
 * starts with the first body sent to it: a process that never receives a large body (one
 * that reads Kafka sources, or whose producers send one event at a time) does not pay the
 * thread's memory, about 30 MB of RSS.
 */
export class IngestThread {
  readonly #catalog: Catalog;
  readonly #limits: BodyLimits;
  readonly #pending = new Map<number, { resolve: (packed: PackedIngest) => void; reject: (error: Error) => void; bytes: number }>();
  readonly #logger: Logger;
  #worker: Worker | undefined;
  #stopMirroring: (() => void) | undefined;
  #nextJob = 1;
  #queuedBytes = 0;
  #failed = false;
  #closed: Promise<void> | undefined;

  constructor(catalog: Catalog, limits: BodyLimits, logger: Logger) {
    this.#catalog = catalog;
    this.#limits = limits;
    this.#logger = logger;
  }

  /** Whether the thread has been started (by the first body sent to it). */
  get started(): boolean {
    return this.#worker !== undefined;
  }

  /** Whether a body of this size should go to the thread now (else: prepare it on the HTTP thread). */
  takes(bytes: number): boolean {
    return !this.#failed && this.#closed === undefined && this.#pending.size < maxQueuedJobs && this.#queuedBytes + bytes <= maxQueuedBytes;
  }

  /** Sends a body to the thread, starting it the first time; only for a body `takes` accepted. */
  async prepare(tenant: string, headers: IncomingHttpHeaders, body: Buffer): Promise<PackedIngest> {
    if (this.#closed !== undefined || this.#failed) throw new SluiceError('internal', 'the ingest thread is not running');
    const worker = this.#thread();
    const job = this.#nextJob++;
    // A copy the thread can own: a body may sit inside a pooled buffer, and the request keeps its own.
    const bytes = new Uint8Array(body);
    return new Promise((resolve, reject) => {
      this.#pending.set(job, { resolve, reject, bytes: bytes.byteLength });
      this.#queuedBytes += bytes.byteLength;
      worker.postMessage({ job, tenant, headers, body: bytes } satisfies ToThread, [bytes.buffer]);
    });
  }

  /** Ends the thread; call once no request is waiting for it (after the HTTP server closed). */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#stopMirroring?.();
      if (!this.#failed) await this.#worker?.terminate();
    })();
    return this.#closed;
  }

  /** The thread, started with a snapshot of the catalog and then its changes in order. */
  #thread(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const data: IngestThreadData = { limits: this.#limits };
    const worker = new Worker(threadFile, { name: 'sluice-ingest', workerData: data, resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb } });
    this.#worker = worker;
    // Not waited for: requests sent before the thread is up queue behind the snapshot.
    const catalog = this.#catalog;
    this.#post({ snapshot: mirroredKinds.flatMap((kind) => catalog.list(kind)) });
    this.#stopMirroring = catalog.onChange((change) => {
      if (!mirroredKinds.includes(change.kind)) return;
      const entry = change.deleted ? undefined : catalog.get(change.kind, change.key);
      this.#post(entry === undefined ? { change: { kind: change.kind, key: change.key } } : { change: { kind: change.kind, key: change.key, entry } });
    });
    worker.on('message', (message: FromThread) => this.#receive(message));
    worker.on('error', (error: Error) => this.#fail(error));
    worker.on('exit', (code) => this.#fail(new Error(`the ingest thread exited (code ${code})`)));
    // The thread must not keep the process alive on its own.
    worker.unref();
    return worker;
  }

  #post(message: ToThread): void {
    if (!this.#failed) this.#worker?.postMessage(message);
  }

  #receive(message: FromThread): void {
    const pending = this.#pending.get(message.job);
    if (pending === undefined) return;
    this.#pending.delete(message.job);
    this.#queuedBytes -= pending.bytes;
    if ('packed' in message) pending.resolve(message.packed);
    else pending.reject(fromWireError(message.error));
  }

  #fail(error: Error): void {
    if (this.#failed || this.#closed !== undefined) return;
    this.#failed = true;
    this.#logger.error({ err: error }, 'the ingest thread stopped; requests are prepared on the HTTP thread from now on');
    for (const pending of this.#pending.values()) {
      pending.reject(new SluiceError('internal', `the ingest thread stopped before preparing this request: ${error.message}`, { cause: error }));
    }
    this.#pending.clear();
    this.#queuedBytes = 0;
  }
}

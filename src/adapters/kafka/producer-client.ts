/**
 * The event log's end of its producer thread (producer-thread.ts). Turning records into Kafka
 * messages and the client's encoding of them cost about as much CPU as HTTP and validation
 * together; in a thread of their own they run beside them instead of taking turns on one core.
 * A thread that fails fails the rounds it holds, and the next round starts a new one.
 */
import { Worker } from 'node:worker_threads';
import { threadModule } from '../../domain/thread-module.ts';
import type { ResolvedKafkaOptions } from './client-options.ts';
import { transferList, type ProduceColumns } from './produce-columns.ts';
import type { ProducerReply, ProducerRequest, ProducerThreadData } from './producer-protocol.ts';

const threadFile = threadModule(import.meta.url, './producer-thread');

/**
 * The thread's V8 heap. It holds one round at a time (its columns and record batches), tens of
 * MB at most. The old generation's limit is far above any round (a request body is at most
 * limits.maxBodyBytes) but under 2 GB, where V8 lets a heap grow by at most 2× what survives
 * instead of 4×. The young generation is capped at 32 MB, a quarter of V8's size for a worker:
 * at 16 MB, scavenges copied and promoted rounds still waiting for the broker, and garbage
 * collection took 8% of the thread and about 10% of Kafka ingest's throughput; at 32 MB
 * ingest runs as fast as uncapped, with about 80 MB less RSS (bench `BENCH_PROFILE=kafka`,
 * `BENCH_ONLY=kafka` and `BENCH_ONLY=kafka-memory`).
 * A thread that still runs out fails its rounds and is restarted.
 */
export const producerThreadLimits = { maxYoungGenerationSizeMb: 32, maxOldGenerationSizeMb: 1024 };

interface Pending {
  resolve: (offsets: Float64Array) => void;
  reject: (error: Error) => void;
}

export class ProducerThread {
  readonly #data: ProducerThreadData;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | undefined;
  #nextId = 1;
  #closed: Promise<void> | undefined;

  constructor(options: ResolvedKafkaOptions, role: string) {
    this.#data = { options, role };
    // Started at once, so the first append does not wait for the thread to load the client.
    this.#worker = this.#start();
  }

  /** Sends one round; answers the offset the broker gave each record. */
  send(columns: ProduceColumns): Promise<Float64Array> {
    if (this.#closed !== undefined) return Promise.reject(new Error('the producer thread is closed'));
    const worker = (this.#worker ??= this.#start());
    const id = this.#nextId++;
    return new Promise<Float64Array>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const request: ProducerRequest = { id, columns };
      worker.postMessage(request, transferList(columns));
    });
  }

  /** Closes the producer in its thread and ends the thread; call once nothing is in flight. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      const worker = this.#worker;
      if (worker === undefined) {
        resolve();
        return;
      }
      worker.once('exit', () => resolve());
      const request: ProducerRequest = { close: true };
      worker.postMessage(request);
    });
    return this.#closed;
  }

  #start(): Worker {
    const worker = new Worker(threadFile, { name: 'sluice-producer', workerData: this.#data, resourceLimits: producerThreadLimits });
    worker.on('message', (reply: ProducerReply) => this.#receive(reply));
    worker.on('error', (error: Error) => this.#fail(worker, error));
    worker.on('exit', (code) => this.#fail(worker, new Error(`the producer thread exited (code ${code})`)));
    return worker;
  }

  #receive(reply: ProducerReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (reply.ok) {
      pending.resolve(reply.offsets);
    } else {
      const error = new Error(reply.error.message);
      error.name = reply.error.name;
      pending.reject(error);
    }
  }

  #fail(worker: Worker, error: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

import { Worker } from 'node:worker_threads';
import { threadModule } from '../../domain/thread-module.ts';

const threadFile = threadModule(import.meta.url, './thread/checkpoint-thread');

/** What the checkpoint thread starts with. */
export interface CheckpointThreadData {
  file: string;
  /** Int32 slots: `commitsSlot` counts commits, `stopSlot` is 1 once the thread should end. */
  signal: SharedArrayBuffer;
  /** The least time between two checkpoints, so that their fsyncs leave the disk to commits. */
  pauseMs: number;
}

export const commitsSlot = 0;
export const stopSlot = 1;

/** What the checkpoint thread tells the store: checkpoints failing and resuming, or the thread gone. */
export type CheckpointThreadReport =
  { kind: 'failing'; error: string; retryInMs: number } | { kind: 'resumed'; failures: number } | { kind: 'stopped'; error: string };

/** A report as a log line: what happened, and what it means for the store. */
export function describeCheckpointReport(report: CheckpointThreadReport): { level: 'warn' | 'info'; message: string } {
  switch (report.kind) {
    case 'failing':
      return {
        level: 'warn',
        message: `the checkpoint thread could not copy the WAL into the database file (${report.error}); it tries again in ${report.retryInMs} ms, then less often (up to every 5 s), and commits copy it themselves meanwhile`,
      };
    case 'resumed':
      return { level: 'info', message: `the checkpoint thread copies the WAL again, after ${report.failures} failed attempts` };
    case 'stopped':
      return {
        level: 'warn',
        message: `the checkpoint thread stopped (${report.error}); commits copy the WAL into the database file themselves until Sluice restarts`,
      };
  }
}

/**
 * Copies the WAL's committed pages into the database file from a second connection on a
 * thread of its own. Left to the writing connection, SQLite does it inside the commit that
 * takes the WAL past 1,000 pages: that commit copied 16 MB and waited for an fsync of the
 * database file, 20–40 ms, and every request waiting for the store waited with it (10–27% of
 * the store thread's time under batched ingest). The writer keeps its own automatic
 * checkpoint: only it can start the WAL over (the WAL is never all copied while it keeps
 * writing), and by then it has little left to copy. If this thread fails, the writer does
 * all the copying again, as before, and `report` hears of it.
 */
export class BackgroundCheckpointer {
  readonly #worker: Worker;
  readonly #signal: Int32Array;
  readonly #exited: Promise<unknown>;

  private constructor(worker: Worker, signal: Int32Array, report: (report: CheckpointThreadReport) => void) {
    this.#worker = worker;
    this.#signal = signal;
    this.#exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.on('message', report);
    // A failed checkpoint thread only means the writer checkpoints alone.
    worker.on('error', (error: Error) => report({ kind: 'stopped', error: error.message }));
    worker.unref();
  }

  static start(file: string, report: (report: CheckpointThreadReport) => void = () => undefined, pauseMs = 50): BackgroundCheckpointer {
    const buffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
    const data: CheckpointThreadData = { file, signal: buffer, pauseMs };
    const worker = new Worker(threadFile, {
      name: 'sluice-wal',
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 },
    });
    return new BackgroundCheckpointer(worker, new Int32Array(buffer), report);
  }

  /** Called after a commit that wrote to the WAL: wakes the thread if it waits for one. */
  committed(): void {
    Atomics.add(this.#signal, commitsSlot, 1);
    Atomics.notify(this.#signal, commitsSlot);
  }

  /** Ends the thread after the checkpoint it may be in; its connection closes with it. */
  async stop(): Promise<void> {
    Atomics.store(this.#signal, stopSlot, 1);
    Atomics.notify(this.#signal, commitsSlot);
    Atomics.notify(this.#signal, stopSlot);
    // Held until it has ended: a process with nothing else to do would otherwise exit first.
    this.#worker.ref();
    await this.#exited;
  }
}

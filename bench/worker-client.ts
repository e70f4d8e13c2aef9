import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { E2eResult, E2eSpec } from './e2e.ts';
import type { LoadResult } from './http-load.ts';
import type { FixedLoadSpec, IngestLoadSpec, WorkerAnswer, WorkerCommand } from './load-worker.ts';
import { track } from './processes.ts';

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };

/** The parent's side of the load process: one command at a time, each with a time limit. */
export class LoadWorker {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor() {
    this.#child = fork(fileURLToPath(new URL('./load-worker.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    track(this.#child);
    this.#child.on('message', (answer: WorkerAnswer) => {
      const pending = this.#pending.get(answer.id);
      if (pending === undefined) return;
      this.#pending.delete(answer.id);
      clearTimeout(pending.timer);
      if (answer.ok) pending.resolve(answer.result);
      else pending.reject(new Error(`load process: ${answer.error}`));
    });
    this.#child.once('exit', (code, signal) => {
      for (const pending of this.#pending.values()) {
        clearTimeout(pending.timer);
        pending.reject(new Error(`the load process exited (${code ?? signal})`));
      }
      this.#pending.clear();
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  #call(command: { kind: WorkerCommand['kind']; spec?: unknown }, timeoutMs: number): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`the load process did not answer ${command.kind} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#child.send({ ...command, id });
    });
  }

  ingest(spec: IngestLoadSpec): Promise<LoadResult> {
    return this.#call({ kind: 'ingest', spec }, spec.timeoutMs + 15_000) as Promise<LoadResult>;
  }

  /** The same request over and over on `connections` closed loops. */
  fixed(spec: FixedLoadSpec): Promise<LoadResult> {
    return this.#call({ kind: 'fixed', spec }, spec.timeoutMs + 15_000) as Promise<LoadResult>;
  }

  e2e(spec: E2eSpec): Promise<E2eResult> {
    return this.#call({ kind: 'e2e', spec }, spec.durationMs + spec.drainMs + 30_000) as Promise<E2eResult>;
  }

  info(): Promise<{ averageEventBytes: number; sample: string }> {
    return this.#call({ kind: 'info' }, 30_000) as Promise<{ averageEventBytes: number; sample: string }>;
  }

  close(): void {
    if (this.#child.connected) this.#child.disconnect();
  }
}

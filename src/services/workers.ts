/** Where background workers report (the process's logger). */
export interface WorkerLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/**
 * Something that runs in the background for as long as the server does: Kafka sources,
 * subscriptions. Started once the catalog is ready, closed (drained) when the server stops.
 */
export interface BackgroundWorker {
  readonly name: string;
  start(logger: WorkerLogger): void;
  /** Finishes the work in hand (commits what was done) and stops. */
  close(): Promise<void>;
}

/**
 * The background workers of one Sluice, started in order and closed in reverse, so a worker
 * that feeds another (a source feeding a subscription's stream) stops first.
 */
export class Workers {
  readonly #workers: BackgroundWorker[];
  #started = false;

  constructor(workers: readonly BackgroundWorker[]) {
    this.#workers = [...workers];
  }

  start(logger: WorkerLogger): void {
    if (this.#started) return;
    this.#started = true;
    for (const worker of this.#workers) worker.start(logger);
  }

  async close(): Promise<void> {
    for (const worker of [...this.#workers].reverse()) await worker.close();
  }
}

import type { Catalog } from '../ports/catalog.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { BackgroundWorker, WorkerLogger } from './workers.ts';

/**
 * Keeps each event type's stream to the type's `retention`. Every `intervalMs` it asks the
 * store to delete what is past it: the embedded store deletes a bounded batch per call, so
 * a large backlog is worked off in turns that appends slip between; on Kafka the call sets
 * the topic's retention once and the broker does the deleting.
 */
export class RetentionWorker implements BackgroundWorker {
  readonly name = 'retention';
  readonly #catalog: Catalog;
  readonly #log: EventLog;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #closed = false;

  constructor(catalog: Catalog, log: EventLog, intervalMs: number) {
    this.#catalog = catalog;
    this.#log = log;
    this.#intervalMs = intervalMs;
  }

  start(logger: WorkerLogger): void {
    const tick = (): void => {
      this.#round = this.enforce(logger).finally(() => {
        if (!this.#closed) this.#timer = setTimeout(tick, this.#intervalMs);
      });
    };
    this.#timer = setTimeout(tick, Math.min(this.#intervalMs, 1000));
  }

  /** One round over every type with a retention; answers when it is done. */
  async enforce(logger?: WorkerLogger): Promise<void> {
    for (const { value: type } of this.#catalog.list('event-type')) {
      if (type.retention === undefined || this.#closed) continue;
      try {
        let deleted = 0;
        for (;;) {
          const done = await this.#log.applyRetention(type.stream, type.retention);
          deleted += done.deleted;
          if (!done.more || this.#closed) break;
          // Let appends and reads in between batches.
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (deleted > 0) logger?.info({ stream: type.stream, deleted, retention: type.retention }, 'retention deleted old records');
      } catch (error) {
        logger?.warn({ stream: type.stream, err: error }, 'retention could not be applied; trying again next round');
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#round;
  }
}

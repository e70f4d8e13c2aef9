import type { Store } from '../../ports/store.ts';
import type { KafkaStoreOptions } from './client-options.ts';
import { openKafkaStore } from './store.ts';

interface Logger {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
  debug(details: object, message: string): void;
}

/**
 * Opens the Kafka store, waiting for the cluster when it is not up yet: a clear log line
 * per attempt, with a growing pause, for at most `maxWaitMs`.
 */
export async function openKafkaStoreWhenReachable(options: KafkaStoreOptions, logger: Logger, maxWaitMs = 120_000): Promise<Store> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const store = await openKafkaStore(options);
      logger.info({ brokers: options.brokers, attempt }, 'connected to Kafka');
      return store;
    } catch (error) {
      const waited = Date.now() - started;
      if (waited >= maxWaitMs)
        throw new Error(`Kafka at ${options.brokers.join(',')} did not answer within ${Math.round(waited / 1000)} s: ${(error as Error).message}`, {
          cause: error,
        });
      const pause = Math.min(1000 * attempt, 5000);
      // One short line per attempt, naming the root cause; the whole error (nested stacks of
      // every connection tried) only at debug level.
      logger.warn({ brokers: options.brokers, attempt, retryInMs: pause, cause: rootCause(error) }, 'Kafka is not reachable yet; retrying');
      logger.debug({ err: error }, 'Kafka connection error');
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** The innermost reason of a client error: `connect ECONNREFUSED 127.0.0.1:9092` rather than `Listing topics failed.` */
export function rootCause(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 10; depth++) {
    const { errors, cause } = (current ?? {}) as { errors?: unknown; cause?: unknown };
    const next: unknown = Array.isArray(errors) && errors.length > 0 ? errors[errors.length - 1] : cause;
    if (typeof next !== 'object' || next === null) break;
    current = next;
  }
  return current instanceof Error ? current.message : String(current);
}

import type { Store } from '../../ports/store.ts';
import type { KafkaStoreOptions } from './client-options.ts';
import { openKafkaStore } from './store.ts';

interface Logger {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
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
      logger.warn({ brokers: options.brokers, attempt, retryInMs: pause, err: error }, 'Kafka is not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/**
 * Reading topics Sluice does not own (Kafka sources, docs/internals/kafka.md "Sources"). The port keeps
 * the source service free of Kafka: an adapter delivers batches of foreign records and commits
 * a batch's offsets only after the batch has been stored, so delivery is at-least-once.
 */

/** One record of a foreign topic, as the broker stored it. */
export interface SourceRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Header values as UTF-8 text; a repeated header keeps its last value. */
  headers: ReadonlyMap<string, string>;
  /** The record's Kafka timestamp, epoch milliseconds. */
  timestamp: number;
}

export interface SourceSubscriptionOptions {
  topic: string;
  /** The consumer group whose committed offsets mark the source's progress. */
  group: string;
  /** Most records handed to one call of the handler. */
  maxBatch: number;
}

export interface SourceSubscriptionEvents {
  /**
   * Turns a batch into what will be stored (decoding, validation, the pipeline: the CPU part)
   * and resolves to the function that stores it. Batches are prepared in record order, and the
   * next one is prepared while the one before is being stored. Stores run one at a time, in
   * the same order; a batch's offsets are committed once its store resolved, after those of
   * the batch before. A rejected store is called again after a pause, never skipped, and no
   * later batch is stored meanwhile.
   */
  prepare(records: readonly SourceRecord[]): Promise<() => Promise<void>>;
  /** Problems that do not stop the subscription (a failed batch, a failed commit). */
  problem(error: unknown, context: string): void;
}

export interface SourceSubscription {
  /** Resolves when reading stops on its own (the consumer failed); the caller may subscribe again. Never rejects. */
  readonly ended: Promise<void>;
  /** Stops fetching, stores and commits the batches in hand, and leaves the group. */
  close(): Promise<void>;
}

export interface SourceReader {
  /** Joins the group and starts handing batches to `events.prepare`. */
  subscribe(options: SourceSubscriptionOptions, events: SourceSubscriptionEvents): Promise<SourceSubscription>;
  /**
   * The name Sluice would give the topic if it were one of its own (the topic without the
   * installation's prefix), or undefined when the topic is outside the prefix. The service
   * uses it to refuse sources on other tenants' streams and on Sluice's internal topics.
   */
  sluiceName(topic: string): string | undefined;
  close(): Promise<void>;
}

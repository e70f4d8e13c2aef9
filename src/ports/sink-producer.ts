/**
 * Writing to Kafka topics Sluice does not own, for Kafka sinks (docs/sinks.md). The adapter
 * owns clients per cluster (idempotent, acks=all) and topic metadata; services decide what
 * each message holds and which partition it goes to.
 */

/** One message for a sink topic; the partition is chosen by the service (Kafka's murmur2 of the key). */
export interface SinkMessage {
  topic: string;
  partition: number;
  key: Buffer | null;
  value: Buffer;
  headers?: Record<string, Buffer>;
}

/** A cluster: bootstrap addresses, or `undefined` for the one Sluice runs on. */
export type SinkCluster = readonly string[] | undefined;

/** An exactly-once sink's input progress, in Sluice's names (stream, consumer group). */
export interface SinkInputProgress {
  group: string;
  stream: string;
  partition: number;
  offset: number;
}

export interface SinkProducer {
  /** True when Sluice runs on Kafka, so a sink may leave its cluster out. */
  readonly hasHomeCluster: boolean;
  /**
   * The topic's partition count, creating the topic with the cluster's defaults when it does
   * not exist. Cached; `refresh` asks the cluster again (after a produce error).
   */
  partitions(cluster: SinkCluster, topic: string, refresh?: boolean): Promise<number>;
  /** Resolves once every message is acknowledged by all in-sync replicas. */
  produce(cluster: SinkCluster, messages: readonly SinkMessage[], timeoutMs: number): Promise<void>;
  /**
   * Makes the transactional producer `transactionalId` on the cluster Sluice runs on ready,
   * fencing any earlier one of the same id: its open transaction is aborted, or finished if it
   * was committing. Call before reading the progress an exactly-once sink resumes from.
   */
  prepareExactlyOnce(transactionalId: string): Promise<void>;
  /**
   * Writes the messages and commits `commit` (the offset before which the input is done) for
   * the consumer group in one transaction on the cluster Sluice runs on.
   */
  produceExactlyOnce(transactionalId: string, messages: readonly SinkMessage[], commit: SinkInputProgress, timeoutMs: number): Promise<void>;
  /** Closes a transactional producer (its partition moved elsewhere or stopped). */
  releaseExactlyOnce(transactionalId: string): Promise<void>;
  /** Why Sluice may not connect to these brokers (a non-public address while private networks are not allowed), or `undefined`. */
  refusal(brokers: readonly string[]): Promise<string | undefined>;
  close(): Promise<void>;
}

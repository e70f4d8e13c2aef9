/** The messages between the Kafka event log and its producer thread. */
import type { ResolvedKafkaOptions } from './client-options.ts';
import type { ProduceColumns } from './produce-columns.ts';

export interface ProducerThreadData {
  options: ResolvedKafkaOptions;
  /** Names the producer to the brokers, as the other clients of the adapter. */
  role: string;
}

export type ProducerRequest = { id: number; columns: ProduceColumns } | { close: true };

/** `offsets[i]` is the offset the broker gave the round's record i. */
export type ProducerReply = { id: number; ok: true; offsets: Float64Array } | { id: number; ok: false; error: { name: string; message: string } };

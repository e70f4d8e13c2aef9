/** The messages between the Kafka event log and its producer thread. */
import type { ResolvedKafkaOptions } from './client-options.ts';
import type { BaseOffsets, ProduceColumns } from './produce-columns.ts';

export interface ProducerThreadData {
  options: ResolvedKafkaOptions;
  /** Names the producer to the brokers, as the other clients of the adapter. */
  role: string;
}

export type ProducerRequest = { id: number; columns: ProduceColumns } | { close: true };

export type ProducerReply = { id: number; ok: true; bases: BaseOffsets } | { id: number; ok: false; error: { name: string; message: string } };

import type { ErrorCode, ErrorDetail } from './errors.ts';

/** One event as a producer sent it, normalised from any of the accepted request shapes. */
export interface EventInput {
  type: string;
  data: unknown;
  id?: string;
  key?: string;
  time?: string;
  source?: string;
  subject?: string;
  schemaVersion?: number;
  /**
   * What a repeat of this event is recognised by, when not its id alone: a CloudEvent is
   * identified by `source` and `id` together (two sources may use the same id).
   */
  dedupKey?: string;
  /** The event's bytes as received, kept for dead letters; computed only when needed. */
  original: () => string;
}

/** An accepted event, ready to append: everything but its position. */
export interface AcceptedEvent {
  id: string;
  /** True when the producer chose the id, so a repeat must not be stored twice. */
  producerId: boolean;
  /** What a repeat is recognised by when it is not the id (see `EventInput.dedupKey`). */
  dedupKey?: string;
  type: string;
  stream: string;
  /** Partitions of `stream`, to place the event by its key. */
  partitions: number;
  key: string | null;
  attributes: RecordAttributes;
  data: string;
}

/** The CloudEvents and Sluice attributes stored beside an event's data. */
export interface RecordAttributes {
  type: string;
  source: string;
  time: string;
  subject?: string;
  schemaId?: number;
}

/**
 * A record as the event log stores it: its position, id, key, receive time, the CloudEvents
 * attributes, and the data as JSON text (the port's `LogRecord`).
 */
export interface StoredRecord {
  stream: string;
  partition: number;
  offset: number;
  id: string;
  key: string | null;
  /** When the record was received, epoch milliseconds. */
  timestamp: number;
  attributes: RecordAttributes;
  /** The data as JSON text. */
  value: string;
}

/** A record as readers see it. */
export interface EventRecord extends RecordAttributes {
  id: string;
  key: string | null;
  tenant: string;
  stream: string;
  partition: number;
  offset: number;
  receivedAt: string;
  data: unknown;
}

/** Where an event failed: `route` is a routed record that does not match its target type's schema. */
export type FailedStage = 'ingest' | 'transform' | 'route' | 'delivery' | 'source';

/** Why an event could not be accepted; stored in the tenant's dead-letter stream. */
export interface Rejection {
  stage: FailedStage;
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
}

export interface DeadLetter extends Rejection {
  id: string;
  type: string | null;
  original: string;
  receivedAt: string;
  /** For stage `delivery`: which subscription gave up on which record, and its attempts. */
  delivery?: DeliveryFailure;
}

/** Why a subscription gave up on a record (a dead letter of stage `delivery`). */
export interface DeliveryFailure {
  subscription: string;
  stream: string;
  partition: number;
  offset: number;
  attempts: DeliveryAttemptSummary[];
}

export interface DeliveryAttemptSummary {
  at: string;
  /** The HTTP status, or absent when there was no answer. */
  status?: number;
  /** The failure without an answer (`timeout`, `connection`, …) or the start of the answer's body. */
  error?: string;
  latencyMs: number;
}

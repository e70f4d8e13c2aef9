import type { SubscriptionDoc } from '../../domain/catalog-docs.ts';
import type { DeliveryAttemptSummary } from '../../domain/event.ts';
import type { CompiledPattern } from '../../domain/patterns/index.ts';
import type { DeliveryUnit } from '../../domain/subscriptions/key-order.ts';
import type { EventLog, LogRecord } from '../../ports/event-log.ts';
import type { AttemptResult } from './send.ts';
import type { FairShare } from './fair-share.ts';

/** Where subscriptions report state changes and trouble (the process's logger). */
export interface SubscriptionLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** One partition of one stream, delivered or archived by this process. */
export interface PartitionWorker {
  readonly stream: string;
  readonly partition: number;
  /** The offset before which every record is finished. */
  readonly progress: number;
  /** True when the loop ended by itself (an error, or the partition was found reassigned). */
  readonly ended: boolean;
  start(): void;
  /** `drain`: finish what is under way and commit it (a pause, a shutdown); otherwise drop it (the partition moved). */
  stop(drain: boolean): Promise<void>;
}

/** What a partition's delivery needs from the subscription it belongs to. */
export interface RunnerContext {
  readonly tenant: string;
  readonly name: string;
  /** The subscription as currently stored (settings may change while it runs). */
  readonly doc: SubscriptionDoc;
  readonly filter: CompiledPattern | undefined;
  /** One unit at a time, and none while an earlier one waits for its retry (exactly-once sinks). */
  readonly strictOrder: boolean;
  readonly log: EventLog;
  readonly share: FairShare;
  readonly logger: SubscriptionLogger;
  send(doc: SubscriptionDoc, records: readonly LogRecord[], signal: AbortSignal): Promise<AttemptResult>;
  commit(stream: string, partition: number, offset: number): Promise<void>;
  /** Writes delivery dead letters: after the attempts ran out, or at once with `reason` when the records can never be written. */
  deadLetter(records: readonly LogRecord[], attempts: readonly DeliveryAttemptSummary[], reason?: string): Promise<void>;
  disable(reason: string): Promise<void>;
  report(unit: DeliveryUnit<LogRecord>, result: AttemptResult, outcome: 'delivered' | 'failed' | 'dead_lettered' | 'gone', nextAttemptAt?: number): void;
  /** A file sink completed a file of `records` lines at `path`. */
  archived(records: number, path: string): void;
  succeeded(): void;
  failed(): void;
}

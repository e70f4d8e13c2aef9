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

/** What a partition's delivery needs from the subscription it belongs to. */
export interface RunnerContext {
  readonly tenant: string;
  readonly name: string;
  /** The subscription as currently stored (settings may change while it runs). */
  readonly doc: SubscriptionDoc;
  readonly filter: CompiledPattern | undefined;
  readonly log: EventLog;
  readonly share: FairShare;
  readonly logger: SubscriptionLogger;
  send(doc: SubscriptionDoc, records: readonly LogRecord[], signal: AbortSignal): Promise<AttemptResult>;
  commit(stream: string, partition: number, offset: number): Promise<void>;
  deadLetter(records: readonly LogRecord[], attempts: readonly DeliveryAttemptSummary[]): Promise<void>;
  disable(reason: string): Promise<void>;
  report(unit: DeliveryUnit<LogRecord>, result: AttemptResult, outcome: 'delivered' | 'failed' | 'dead_lettered' | 'gone', nextAttemptAt?: number): void;
  succeeded(): void;
  failed(): void;
}

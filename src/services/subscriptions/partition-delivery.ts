import type { DeliveryAttemptSummary } from '../../domain/event.ts';
import type { CompiledPattern } from '../../domain/patterns/index.ts';
import type { DeliveryUnit } from '../../domain/subscriptions/key-order.ts';
import { PartitionWindow } from '../../domain/subscriptions/key-order.ts';
import type { LogRecord } from '../../ports/event-log.ts';
import { maxSleepMs } from '../reader.ts';
import type { AttemptResult } from './send.ts';
import { retryDelay } from './send.ts';
import type { PartitionWorker, RunnerContext } from './runner-context.ts';
import { Wakeup } from './wakeup.ts';

/** Records read into a partition's window ahead of delivery, at most. */
const maxBuffered = 2000;
/** Progress is committed at most this often while delivering (and always when stopping). */
const commitIntervalMs = 200;
/** A dead letter that could not be written is tried again after this long. */
const deadLetterRetryMs = 5_000;

/**
 * Delivers one partition of one stream to a subscription's endpoint: reads records in
 * order, keeps up to `maxInFlight` requests going while no key overtakes an earlier record of
 * its own, retries by the schedule, dead-letters what runs out of attempts, and commits the
 * offset before which everything is finished.
 */
export class PartitionDelivery implements PartitionWorker {
  readonly stream: string;
  readonly partition: number;
  readonly #context: RunnerContext;
  readonly #window: PartitionWindow<LogRecord>;
  readonly #wakeup = new Wakeup();
  /** Stops reading and starting units. */
  readonly #stop = new AbortController();
  /** Aborts requests in flight (a partition taken away, not a graceful stop). */
  readonly #abort = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #attempts = new WeakMap<DeliveryUnit<LogRecord>, DeliveryAttemptSummary[]>();
  #committed: number;
  #lastCommitAt = 0;
  #loop: Promise<void> | undefined;
  #lost = false;
  /** The stream's append version when a read last came back short (everything was read). */
  #readUpTo = -1;
  #readAt = 0;

  constructor(context: RunnerContext, stream: string, partition: number, start: number) {
    this.#context = context;
    this.stream = stream;
    this.partition = partition;
    this.#window = new PartitionWindow(start);
    this.#committed = start;
  }

  start(): void {
    this.#loop ??= this.#run().catch((error: unknown) => {
      this.#context.logger.warn(
        { subscription: this.#context.name, stream: this.stream, partition: this.partition, err: error },
        'partition delivery stopped on an error; it restarts on the next heartbeat',
      );
      this.#lost = true;
    });
  }

  /** True when the loop ended by itself (an error, or the partition was found reassigned). */
  get ended(): boolean {
    return this.#lost;
  }

  /** The offset before which every record is finished. */
  get progress(): number {
    return this.#window.progress;
  }

  /**
   * Stops. `drain`: lets requests in flight finish and commits what they finished (a pause,
   * a shutdown); otherwise aborts them and commits nothing (the partition moved elsewhere).
   */
  async stop(drain: boolean): Promise<void> {
    this.#stop.abort();
    if (!drain) this.#abort.abort();
    this.#wakeup.notify();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
    if (drain && !this.#lost) await this.#commit(true).catch(() => undefined);
  }

  async #run(): Promise<void> {
    const { log } = this.#context;
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      const doc = this.#context.doc;
      const version = log.appendVersion(this.stream);
      let caughtUp = true;
      // Reading costs a round trip to the store: skip it while nothing was appended since the
      // last read came back short, but look anyway now and then (appends by other processes
      // on Kafka move the version only while this loop waits).
      const mayHaveMore = version !== this.#readUpTo || Date.now() - this.#readAt >= maxSleepMs;
      if (this.#window.size < maxBuffered && mayHaveMore) {
        const limit = Math.min(500, maxBuffered - this.#window.size);
        this.#readAt = Date.now();
        const records = await log.read(this.stream, this.partition, this.#window.end, limit);
        if (records.length > 0) {
          const filter = this.#context.filter;
          this.#window.add(filter === undefined ? records : records.filter((record) => recordMatches(filter, record)));
          this.#window.skipTo(records.at(-1)!.offset + 1);
        }
        if (records.length === limit) caughtUp = false;
        else this.#readUpTo = version;
      }
      const now = Date.now();
      const strict = this.#context.strictOrder;
      while (this.#window.inFlight < (strict ? 1 : doc.delivery.maxInFlight) && !signal.aborted) {
        // In strict order a later unit must not go while an earlier one waits for its retry.
        if (strict && (this.#window.nextRetryAt() ?? 0) > now) break;
        const unit = this.#window.next(doc.delivery.batchSize, now);
        if (unit === undefined) break;
        this.#launch(unit);
      }
      await this.#commit(false);
      if (!caughtUp && this.#window.size < maxBuffered) continue;
      let timeout = maxSleepMs;
      const retryAt = this.#window.nextRetryAt();
      if (retryAt !== undefined) timeout = Math.max(0, Math.min(timeout, retryAt - Date.now()));
      if (this.#window.progress > this.#committed) timeout = Math.min(timeout, commitIntervalMs);
      const waits = [this.#wakeup.wait(timeout)];
      if (this.#window.size < maxBuffered) waits.push(log.waitForAppend(this.stream, timeout, signal, version));
      await Promise.race(waits);
      this.#wakeup.clear();
    }
  }

  #launch(unit: DeliveryUnit<LogRecord>): void {
    const running = this.#deliver(unit)
      .catch((error: unknown) => {
        this.#context.logger.warn(
          { subscription: this.#context.name, stream: this.stream, partition: this.partition, err: error },
          'a delivery failed unexpectedly; it will be retried',
        );
        this.#window.retryLater(unit, Date.now() + deadLetterRetryMs);
      })
      .finally(() => {
        this.#inFlight.delete(running);
        this.#wakeup.notify();
      });
    this.#inFlight.add(running);
  }

  async #deliver(unit: DeliveryUnit<LogRecord>): Promise<void> {
    const context = this.#context;
    let release: () => void;
    try {
      release = await context.share.acquire(context.tenant, this.#abort.signal);
    } catch {
      return; // the partition was taken away; its new owner delivers from the last commit
    }
    let result: AttemptResult;
    const doc = context.doc;
    try {
      result = await context.send(doc, unit.records, this.#abort.signal);
    } finally {
      release();
    }
    if (this.#abort.signal.aborted) return;
    unit.attempts++;
    const at = new Date();
    const summary: DeliveryAttemptSummary = { at: at.toISOString(), latencyMs: result.latencyMs };
    if (result.status !== undefined) summary.status = result.status;
    const error = result.error ?? (result.outcome === 'delivered' ? undefined : result.excerpt.slice(0, 200));
    if (error !== undefined && error !== '') summary.error = error;
    const attempts = this.#attempts.get(unit) ?? [];
    attempts.push(summary);
    this.#attempts.set(unit, attempts.slice(-20));

    if (result.outcome === 'delivered') {
      this.#window.finish(unit);
      context.report(unit, result, 'delivered');
      context.succeeded();
      return;
    }
    if (result.outcome === 'gone') {
      // Kept unfinished, so a resume delivers it again; the subscription stops here.
      this.#window.retryLater(unit, Number.MAX_SAFE_INTEGER);
      context.report(unit, result, 'gone');
      await context.disable('the endpoint answered 410 Gone');
      return;
    }
    const delay = retryDelay(doc.delivery.retrySchedule, unit.attempts, result.retryAfterMs);
    if (delay === undefined) {
      context.report(unit, result, 'dead_lettered');
      await context.deadLetter(unit.records, attempts);
      this.#window.finish(unit);
      context.failed();
      return;
    }
    const nextAttemptAt = Date.now() + delay;
    this.#window.retryLater(unit, nextAttemptAt);
    context.report(unit, result, 'failed', nextAttemptAt);
    context.failed();
  }

  async #commit(force: boolean): Promise<void> {
    const progress = this.#window.progress;
    if (progress <= this.#committed) return;
    if (!force && Date.now() - this.#lastCommitAt < commitIntervalMs) return;
    this.#lastCommitAt = Date.now();
    try {
      await this.#context.commit(this.stream, this.partition, progress);
      this.#committed = progress;
    } catch (error) {
      // Not this member's partition any more (a rebalance): the new owner goes on from the last commit.
      this.#lost = true;
      this.#stop.abort();
      this.#abort.abort();
      throw error;
    }
  }
}

/** Whether a record passes a subscription's filter (its attributes, key and parsed data). */
export function recordMatches(filter: CompiledPattern, record: LogRecord): boolean {
  const view: Record<string, unknown> = {
    type: record.attributes.type,
    source: record.attributes.source,
    key: record.key,
    time: record.attributes.time,
    data: JSON.parse(record.value) as unknown,
  };
  if (record.attributes.subject !== undefined) view.subject = record.attributes.subject;
  return filter(view);
}

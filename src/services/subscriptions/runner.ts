import { partitionId } from '../../domain/assignment.ts';
import type { TopicPartition } from '../../domain/assignment.ts';
import type { SubscriptionDoc } from '../../domain/catalog-docs.ts';
import type { DeliveryAttemptSummary } from '../../domain/event.ts';
import { deadLetterStream, streamName } from '../../domain/names.ts';
import type { CompiledPattern } from '../../domain/patterns/index.ts';
import { messageId, structuredCloudEvent } from '../../domain/subscriptions/cloudevent.ts';
import { compileFilter } from '../../domain/subscriptions/definition.ts';
import type { DeliveryUnit } from '../../domain/subscriptions/key-order.ts';
import type { ConsumerGroups } from '../../ports/consumer-groups.ts';
import type { SinkInputProgress } from '../../ports/sink-producer.ts';
import type { EventLog, LogRecord } from '../../ports/event-log.ts';
import type { Telemetry } from '../../ports/telemetry.ts';
import type { ArchiveFiles } from '../../ports/archive-files.ts';
import type { WebhookClient } from '../../ports/webhook-client.ts';
import { deadLetterRecord } from '../ingest.ts';
import type { DeliveryLog } from './delivery-log.ts';
import type { FairShare } from './fair-share.ts';
import type { KafkaSink } from './kafka-sink.ts';
import { PartitionArchiver } from './partition-archive.ts';
import { PartitionDelivery } from './partition-delivery.ts';
import type { PartitionWorker, RunnerContext, SubscriptionLogger } from './runner-context.ts';
import type { AttemptResult } from './send.ts';
import { sendOnce } from './send.ts';
import { Wakeup } from './wakeup.ts';

/** What every subscription of a process shares. */
export interface SubscriptionDeps {
  log: EventLog;
  groups: ConsumerGroups;
  client: WebhookClient;
  /** Writes Kafka sinks' records. */
  kafka: KafkaSink;
  /** File sinks' files. */
  files: ArchiveFiles;
  share: FairShare;
  deliveries: DeliveryLog;
  telemetry: Telemetry;
  logger: SubscriptionLogger;
  /** This process's member id in every subscription's consumer group. */
  member: string;
  /** How long a process may miss heartbeats before its partitions move to the others. */
  sessionTimeoutMs: number;
  /** Marks the subscription disabled in the catalog, if it is still this incarnation. */
  disable(doc: SubscriptionDoc, reason: string): Promise<void>;
}

/** The consumer group a subscription incarnation commits its progress under. */
export function subscriptionGroup(doc: Pick<SubscriptionDoc, 'tenant' | 'name' | 'incarnation'>): string {
  return `${doc.tenant}._sub.${doc.name}.${doc.incarnation}`;
}

/** Streams a subscription reads. */
export function subscriptionStreams(doc: Pick<SubscriptionDoc, 'tenant' | 'types'>): string[] {
  return doc.types.map((type) => streamName(doc.tenant, type));
}

/**
 * One subscription incarnation in this process: joins the subscription's consumer group as
 * this process's member, runs a PartitionDelivery for each partition the group gives it,
 * and follows the group as processes come and go. Pausing or disabling stops the
 * partitions (in-flight requests finish, progress is committed) and leaves the group.
 */
export class SubscriptionRunner implements RunnerContext {
  readonly #deps: SubscriptionDeps;
  readonly #partitions = new Map<string, PartitionWorker>();
  readonly #wakeup = new Wakeup();
  readonly #group: string;
  #doc: SubscriptionDoc;
  #filter: CompiledPattern | undefined;
  #closed = false;
  #loop: Promise<void> | undefined;
  #failingSince: number | undefined;
  #disabling = false;

  constructor(deps: SubscriptionDeps, doc: SubscriptionDoc) {
    this.#deps = deps;
    this.#doc = doc;
    this.#filter = compileFilter(doc.filter);
    this.#group = subscriptionGroup(doc);
  }

  get tenant(): string {
    return this.#doc.tenant;
  }

  get name(): string {
    return this.#doc.name;
  }

  get doc(): SubscriptionDoc {
    return this.#doc;
  }

  get filter(): CompiledPattern | undefined {
    return this.#filter;
  }

  get log(): EventLog {
    return this.#deps.log;
  }

  get share(): FairShare {
    return this.#deps.share;
  }

  get logger(): SubscriptionLogger {
    return this.#deps.logger;
  }

  /** The partitions this process delivers now, with their progress. */
  owned(): { stream: string; partition: number; progress: number }[] {
    return [...this.#partitions.values()].map((p) => ({ stream: p.stream, partition: p.partition, progress: p.progress }));
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** A new version of the same incarnation (settings, state, secrets). */
  update(doc: SubscriptionDoc): void {
    const filterChanged = JSON.stringify(doc.filter) !== JSON.stringify(this.#doc.filter);
    const resumed = doc.state === 'active' && this.#doc.state !== 'active';
    this.#doc = doc;
    if (filterChanged) this.#filter = compileFilter(doc.filter);
    if (resumed) {
      // A resumed subscription gets the whole disableAfter again before it is disabled.
      this.#disabling = false;
      this.#failingSince = undefined;
    }
    this.#wakeup.notify();
  }

  /** Stops every partition, letting requests in flight finish, commits, and leaves the group. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wakeup.notify();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { groups, member, sessionTimeoutMs, logger } = this.#deps;
    const heartbeatMs = Math.max(100, Math.min(1000, Math.floor(sessionTimeoutMs / 3)));
    let joined = false;
    while (!this.#closed) {
      try {
        if (this.#doc.state !== 'active') {
          await this.#stopAll(true);
          if (joined) await groups.leave(this.#group, member);
          joined = false;
        } else {
          const wanted = await this.#wanted();
          const assignment = await groups.heartbeat(this.#group, member, wanted, sessionTimeoutMs);
          joined = true;
          await this.#follow(assignment.partitions);
        }
      } catch (error) {
        logger.warn({ tenant: this.tenant, subscription: this.name, err: error }, 'subscription heartbeat failed; trying again');
      }
      await this.#wakeup.wait(heartbeatMs);
      this.#wakeup.clear();
    }
    await this.#stopAll(true);
    if (joined) await groups.leave(this.#group, member).catch(() => undefined);
  }

  async #wanted(): Promise<TopicPartition[]> {
    const wanted: TopicPartition[] = [];
    for (const stream of subscriptionStreams(this.#doc)) {
      const info = await this.#deps.log.describeStream(stream);
      for (let partition = 0; partition < (info?.partitions ?? 0); partition++) wanted.push({ stream, partition });
    }
    return wanted;
  }

  async #follow(assigned: readonly TopicPartition[]): Promise<void> {
    const ids = new Set(assigned.map(partitionId));
    for (const [id, delivery] of this.#partitions) {
      if (!ids.has(id) || delivery.ended) {
        this.#partitions.delete(id);
        await delivery.stop(false);
        if (this.#exactlyOnce) await this.#deps.kafka.release(this.#transactionalId(delivery.stream, delivery.partition));
      }
    }
    const missing = assigned.filter((tp) => !this.#partitions.has(partitionId(tp)));
    if (missing.length === 0) return;
    // Fence an earlier owner's producer first: its last transaction is then settled, and the committed progress read below is final.
    if (this.#exactlyOnce) for (const tp of missing) await this.#deps.kafka.prepare(this.#transactionalId(tp.stream, tp.partition));
    const committed = new Map((await this.#deps.groups.committed(this.#group)).map((o) => [partitionId(o), o.offset]));
    for (const tp of missing) {
      const start = committed.get(partitionId(tp)) ?? (await this.#startOffset(tp));
      const delivery =
        this.#doc.destination.kind === 'file'
          ? new PartitionArchiver(this, this.#deps.files, tp.stream, tp.partition, start)
          : new PartitionDelivery(this, tp.stream, tp.partition, start);
      this.#partitions.set(partitionId(tp), delivery);
      delivery.start();
    }
    this.#deps.logger.info(
      { tenant: this.tenant, subscription: this.name, partitions: [...this.#partitions.keys()] },
      'subscription partitions assigned to this process',
    );
  }

  /** Where a partition without committed progress begins: as resolved when the incarnation was made. */
  async #startOffset(tp: TopicPartition): Promise<number> {
    const planned = this.#doc.startOffsets[tp.stream]?.[tp.partition];
    if (planned !== undefined) return planned;
    // A stream that did not exist when the incarnation was made starts at its beginning.
    const info = await this.#deps.log.describeStream(tp.stream);
    return info?.startOffsets[tp.partition] ?? 0;
  }

  async #stopAll(drain: boolean): Promise<void> {
    const all = [...this.#partitions.values()];
    this.#partitions.clear();
    await Promise.all(all.map((delivery) => delivery.stop(drain)));
    if (this.#exactlyOnce) await Promise.all(all.map((delivery) => this.#deps.kafka.release(this.#transactionalId(delivery.stream, delivery.partition))));
  }

  /** Kafka sinks with exactly-once: output and input progress commit together, one unit at a time. */
  get #exactlyOnce(): boolean {
    return this.#doc.destination.kind === 'kafka' && this.#doc.destination.exactlyOnce === true;
  }

  get strictOrder(): boolean {
    return this.#exactlyOnce;
  }

  /** One per input partition and incarnation, so a new owner of the partition fences the old one. */
  #transactionalId(stream: string, partition: number): string {
    return `sluice-sink.${this.#group}.${stream}.${partition}`;
  }

  // RunnerContext

  async send(doc: SubscriptionDoc, records: readonly LogRecord[], signal: AbortSignal): Promise<AttemptResult> {
    const destination = doc.destination;
    if (destination.kind !== 'kafka') return sendOnce(this.#deps.client, doc, records, signal);
    let transaction: { id: string; commit: SinkInputProgress } | undefined;
    if (destination.exactlyOnce === true) {
      const last = records.at(-1)!;
      transaction = {
        id: this.#transactionalId(last.stream, last.partition),
        commit: { group: this.#group, stream: last.stream, partition: last.partition, offset: last.offset + 1 },
      };
    }
    const { result, unwritable } = await this.#deps.kafka.send(this.tenant, destination, records, doc.delivery.timeoutMs, transaction);
    for (const { record, reason } of unwritable) {
      this.#deps.logger.warn(
        { tenant: this.tenant, subscription: this.name, stream: record.stream, partition: record.partition, offset: record.offset, reason },
        'a record cannot be written to the sink; it becomes a dead letter',
      );
      await this.deadLetter([record], [], reason);
    }
    return result;
  }

  commit(stream: string, partition: number, offset: number): Promise<void> {
    // Exactly-once progress is committed inside each transaction; a plain commit landing after a later transaction would move it back.
    if (this.#exactlyOnce) return Promise.resolve();
    return this.#deps.groups.commit(this.#group, this.#deps.member, [{ stream, partition, offset }]);
  }

  async deadLetter(records: readonly LogRecord[], attempts: readonly DeliveryAttemptSummary[], reason?: string): Promise<void> {
    const now = new Date();
    const stream = deadLetterStream(this.tenant);
    if (records.every((record) => record.stream === stream)) {
      // A dead letter that could not be pushed stays where it is; writing it to the dead
      // letters again would feed this subscription a new record for every one it gives up on.
      this.#deps.logger.warn(
        { tenant: this.tenant, subscription: this.name, offsets: records.map((r) => r.offset), attempts: attempts.length },
        'gave up pushing dead letters; they stay in the dead-letter stream',
      );
      return;
    }
    await this.#deps.log.createStream(stream, 1);
    const last = attempts.at(-1);
    const why = last === undefined ? 'no attempt' : last.status !== undefined ? `HTTP ${last.status}` : (last.error ?? 'no answer');
    await this.#deps.log.append(
      records
        .filter((record) => record.stream !== stream)
        .map((record) =>
          deadLetterRecord(
            stream,
            {
              stage: 'delivery',
              code: 'delivery_failed',
              message:
                reason === undefined
                  ? `subscription "${this.name}" gave up on ${record.stream}/${record.partition}/${record.offset} after ${attempts.length} attempts (last: ${why})`
                  : `subscription "${this.name}" cannot write ${record.stream}/${record.partition}/${record.offset}: ${reason}`,
              id: record.id,
              type: record.attributes.type,
              original: structuredCloudEvent(record),
              receivedAt: now.toISOString(),
              delivery: { subscription: this.name, stream: record.stream, partition: record.partition, offset: record.offset, attempts: [...attempts] },
            },
            now.getTime(),
            // One dead letter per record and incarnation, even if a crash makes us write it twice.
            `delivery:${this.name}:${this.#doc.incarnation}:${messageId([record])}`,
          ),
        ),
    );
    for (const record of records) this.#deps.telemetry.deadLettered(this.tenant, record.attributes.type, 1);
  }

  async disable(reason: string): Promise<void> {
    if (this.#disabling) return;
    this.#disabling = true;
    this.#deps.logger.warn({ tenant: this.tenant, subscription: this.name, reason }, 'subscription disabled');
    await this.#deps.disable(this.#doc, reason);
  }

  report(unit: DeliveryUnit<LogRecord>, result: AttemptResult, outcome: 'delivered' | 'failed' | 'dead_lettered' | 'gone', nextAttemptAt?: number): void {
    this.#deps.telemetry.deliveryAttempt(this.tenant, this.name, outcome, unit.records.length, result.latencyMs / 1000);
    const entry: Parameters<DeliveryLog['add']>[1] = {
      at: new Date().toISOString(),
      records: unit.records.slice(0, 10).map((r) => ({ id: r.id, stream: r.stream, partition: r.partition, offset: r.offset })),
      recordCount: unit.records.length,
      attempt: unit.attempts,
      outcome,
      latencyMs: Math.round(result.latencyMs * 10) / 10,
    };
    if (result.status !== undefined) entry.status = result.status;
    if (result.error !== undefined) entry.error = result.error;
    if (result.excerpt !== '') entry.response = result.excerpt;
    if (nextAttemptAt !== undefined) entry.nextAttemptAt = new Date(nextAttemptAt).toISOString();
    this.#deps.deliveries.add(`${this.tenant}/${this.name}`, entry);
  }

  archived(records: number, path: string): void {
    this.#deps.telemetry.deliveryAttempt(this.tenant, this.name, 'delivered', records, 0);
    this.#deps.deliveries.add(`${this.tenant}/${this.name}`, {
      at: new Date().toISOString(),
      records: [],
      recordCount: records,
      attempt: 1,
      outcome: 'delivered',
      latencyMs: 0,
      response: `wrote ${path}`,
    });
  }

  succeeded(): void {
    this.#failingSince = undefined;
  }

  failed(): void {
    const now = Date.now();
    this.#failingSince ??= now;
    if (now - this.#failingSince >= this.#doc.delivery.disableAfterMs) {
      void this.disable(
        `every delivery failed since ${new Date(this.#failingSince).toISOString()} (disableAfter ${Math.round(this.#doc.delivery.disableAfterMs / 1000)} s)`,
      );
    }
  }
}

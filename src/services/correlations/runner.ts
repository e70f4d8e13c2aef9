import type { CorrelationDoc } from '../../domain/catalog-docs.ts';
import type { CorrelationSpec } from '../../domain/correlations/spec.ts';
import type { ConsumerGroups } from '../../ports/consumer-groups.ts';
import type { SubscriptionLogger } from '../subscriptions/runner-context.ts';
import { Wakeup } from '../subscriptions/wakeup.ts';
import type { ProcessorDeps } from './processor.ts';
import { CorrelationProcessor, shardCount } from './processor.ts';

export interface CorrelationRunnerDeps extends ProcessorDeps {
  groups: ConsumerGroups;
  /** This process's member id in every correlation's group. */
  member: string;
  sessionTimeoutMs: number;
  logger: SubscriptionLogger;
}

/** The consumer group whose slots (one per shard) decide which process runs which shard of a correlation incarnation. */
export function correlationGroup(doc: Pick<CorrelationDoc, 'tenant' | 'name' | 'incarnation'>): string {
  return `${doc.tenant}._corr.${doc.name}.${doc.incarnation}`;
}

/**
 * One correlation incarnation in this process: joins its group with a slot per shard, so that
 * the shards are spread over the processes (on Kafka, all of them) and each is run by one;
 * when a process stops heartbeating, the others take its shards over and go on from their
 * stored state. The shards held here run in one processor, started afresh when they change.
 */
export class CorrelationRunner {
  readonly #deps: CorrelationRunnerDeps;
  readonly #doc: CorrelationDoc;
  readonly #spec: CorrelationSpec;
  readonly #group: string;
  readonly #wakeup = new Wakeup();
  #processor: CorrelationProcessor | undefined;
  #closed = false;
  #loop: Promise<void> | undefined;

  constructor(deps: CorrelationRunnerDeps, doc: CorrelationDoc, spec: CorrelationSpec) {
    this.#deps = deps;
    this.#doc = doc;
    this.#spec = spec;
    this.#group = correlationGroup(doc);
  }

  get doc(): CorrelationDoc {
    return this.#doc;
  }

  /** The shards this process runs now. */
  get shards(): number[] {
    return this.#processor?.shards ?? [];
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wakeup.notify();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { groups, member, sessionTimeoutMs, logger } = this.#deps;
    const stream = `${this.#doc.tenant}._corr.${this.#doc.name}`;
    const slots = Array.from({ length: shardCount(this.#doc) }, (_, partition) => ({ stream, partition }));
    const heartbeatMs = Math.max(100, Math.min(1000, Math.floor(sessionTimeoutMs / 3)));
    // Processes sharing the group learn of each other within a round of reports; until then
    // two may both hold a slot. Holding it for a session timeout first means the others have
    // been heard from, so shards do not flap between processes as they join (a shard's writes
    // are fenced anyway: see StateStore.claim).
    const settleMs = groups.shared ? sessionTimeoutMs : 0;
    const heldSince = new Map<number, number>();
    while (!this.#closed) {
      try {
        const assignment = await groups.heartbeat(this.#group, member, slots, sessionTimeoutMs);
        const held = new Set(assignment.partitions.map((p) => p.partition));
        const now = Date.now();
        for (const shard of [...heldSince.keys()]) if (!held.has(shard)) heldSince.delete(shard);
        for (const shard of held) if (!heldSince.has(shard)) heldSince.set(shard, now);
        const settled = [...heldSince]
          .filter(([, since]) => now - since >= settleMs)
          .map(([shard]) => shard)
          .sort((a, b) => a - b);
        const running = this.shards;
        const lost = running.some((shard) => !held.has(shard));
        const gained = settled.length !== running.length || settled.some((shard, i) => shard !== running[i]);
        if (lost || gained) {
          await this.#stopProcessor();
          const kept = settled.filter((shard) => held.has(shard));
          if (kept.length > 0) {
            this.#processor = new CorrelationProcessor(this.#deps, this.#doc, this.#spec, kept);
            this.#processor.start();
            logger.info({ tenant: this.#doc.tenant, correlation: this.#doc.name, shards: kept }, 'correlation shards run in this process');
          }
        }
      } catch (error) {
        logger.warn({ tenant: this.#doc.tenant, correlation: this.#doc.name, err: error }, 'correlation heartbeat failed; trying again');
      }
      await this.#wakeup.wait(heartbeatMs);
      this.#wakeup.clear();
    }
    await this.#stopProcessor();
    await groups.leave(this.#group, member).catch(() => undefined);
  }

  async #stopProcessor(): Promise<void> {
    const processor = this.#processor;
    this.#processor = undefined;
    await processor?.stop();
  }
}

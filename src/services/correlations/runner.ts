import type { CorrelationDoc } from '../../domain/catalog-docs.ts';
import type { CorrelationSpec } from '../../domain/correlations/spec.ts';
import type { ConsumerGroups } from '../../ports/consumer-groups.ts';
import type { SubscriptionLogger } from '../subscriptions/runner-context.ts';
import { Wakeup } from '../subscriptions/wakeup.ts';
import type { ProcessorDeps } from './processor.ts';
import { CorrelationProcessor } from './processor.ts';

export interface CorrelationRunnerDeps extends ProcessorDeps {
  groups: ConsumerGroups;
  /** This process's member id in every correlation's group. */
  member: string;
  sessionTimeoutMs: number;
  logger: SubscriptionLogger;
}

/** The consumer group whose single slot decides which process runs a correlation incarnation. */
export function correlationGroup(doc: Pick<CorrelationDoc, 'tenant' | 'name' | 'incarnation'>): string {
  return `${doc.tenant}._corr.${doc.name}.${doc.incarnation}`;
}

/**
 * One correlation incarnation in this process: joins its group with a single slot, so that
 * exactly one process (on Kafka, of all of them) owns the correlation's state and runs its
 * processor; when the owner stops heartbeating, another takes the slot over and goes on from
 * the stored state.
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

  /** True while this process runs the correlation. */
  get owner(): boolean {
    return this.#processor !== undefined;
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
    const slot = { stream: `${this.#doc.tenant}._corr.${this.#doc.name}`, partition: 0 };
    const heartbeatMs = Math.max(100, Math.min(1000, Math.floor(sessionTimeoutMs / 3)));
    // Processes sharing the group learn of each other within a round of reports; until then
    // two may both hold the slot. Owning it for a session timeout first means the others
    // have been heard from, so two processors never run the same state at once.
    const settleMs = groups.shared ? sessionTimeoutMs : 0;
    let ownedSince: number | undefined;
    while (!this.#closed) {
      try {
        const assignment = await groups.heartbeat(this.#group, member, [slot], sessionTimeoutMs);
        const owns = assignment.partitions.length > 0;
        ownedSince = owns ? (ownedSince ?? Date.now()) : undefined;
        if (owns && this.#processor === undefined && Date.now() - ownedSince! >= settleMs) {
          this.#processor = new CorrelationProcessor(this.#deps, this.#doc, this.#spec);
          this.#processor.start();
          logger.info({ tenant: this.#doc.tenant, correlation: this.#doc.name }, 'correlation runs in this process');
        } else if (!owns && this.#processor !== undefined) {
          await this.#stopProcessor();
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

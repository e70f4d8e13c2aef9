/**
 * Push subscriptions (docs/subscriptions.md): definitions in the catalog, and a runner per
 * subscription in every process, which shares the subscription's partitions with the other
 * processes through a consumer group and delivers them to the endpoint.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SigningSecret, StartFromDoc, SubscriptionDoc, SubscriptionState } from '../../domain/catalog-docs.ts';
import { SluiceError } from '../../domain/errors.ts';
import { deadLetterStream, deadLetterType } from '../../domain/names.ts';
import { parseStartFrom } from '../../domain/positions.ts';
import { assertSubscriptionName, isSigningSecret, parseSubscriptionDefinition } from '../../domain/subscriptions/definition.ts';
import { schemaFormatOf } from '../../domain/subscriptions/sink-destinations.ts';
import type { ErrorDetail } from '../../domain/errors.ts';
import type { ParsedSubscription } from '../../domain/subscriptions/definition.ts';
import type { Catalog } from '../../ports/catalog.ts';
import type { ConsumerGroups } from '../../ports/consumer-groups.ts';
import type { EventLog } from '../../ports/event-log.ts';
import type { Telemetry } from '../../ports/telemetry.ts';
import type { ArchiveFiles } from '../../ports/archive-files.ts';
import type { SinkProducer } from '../../ports/sink-producer.ts';
import type { WebhookClient } from '../../ports/webhook-client.ts';
import { KeyedMutex } from '../keyed-mutex.ts';
import type { StreamReader } from '../reader.ts';
import type { DeliveryAttemptView } from './delivery-log.ts';
import { DeliveryLog } from './delivery-log.ts';
import { FairShare } from './fair-share.ts';
import type { SinkSchemas } from './kafka-sink.ts';
import { KafkaSink } from './kafka-sink.ts';
import type { SubscriptionLogger } from './runner-context.ts';
import { SubscriptionRunner, subscriptionGroup, subscriptionStreams } from './runner.ts';
import { sendOnce } from './send.ts';

export interface SubscriptionSettings {
  /** Deliver to loopback, private and link-local addresses too (tests, private deployments). */
  allowPrivateNetworks: boolean;
  /** Requests in flight at once in this process, all subscriptions together. */
  maxInFlight: number;
  /** Requests in flight at once for one tenant in this process. */
  maxInFlightPerTenant: number;
  /** How long a process may be silent before its share of every subscription moves to the others. */
  sessionTimeoutMs: number;
  /** How long an old secret keeps signing after a rotation. */
  rotationGraceMs: number;
}

/** A subscription as the API shows it: secrets only by their first characters. */
export interface SubscriptionView {
  name: string;
  types: string[];
  filter?: unknown;
  start: string;
  destination: SubscriptionDoc['destination'];
  /** As a definition takes it (durations in milliseconds), so a view can be sent back. */
  delivery: Omit<SubscriptionDoc['delivery'], 'disableAfterMs'> & { disableAfter: number };
  state: SubscriptionState;
  disabledReason?: string;
  stateChangedAt: string;
  secrets: { hint: string; createdAt: string; expiresAt?: string }[];
  createdAt: string;
  updatedAt: string;
}

export interface PartitionProgress {
  stream: string;
  partition: number;
  /** The next offset the subscription will deliver (its committed progress). */
  committed: number;
  end: number;
  lag: number;
}

export interface SubscriptionStatus extends SubscriptionView {
  partitions: PartitionProgress[];
  /** Partitions this process delivers now (others are delivered by other processes). */
  deliveringHere: { stream: string; partition: number }[];
}

export interface PutResult {
  subscription: SubscriptionView;
  created: boolean;
  changed: boolean;
  /** The signing secret, when this call created or replaced it; shown only here. */
  secret?: string;
}

/** What sinks write with: Kafka clients, the archive's files, and the registry's schemas. */
export interface SinkDeps {
  producer: SinkProducer;
  files: ArchiveFiles;
  schemas: SinkSchemas;
}

export class SubscriptionService {
  readonly #catalog: Catalog;
  readonly #log: EventLog;
  readonly #groups: ConsumerGroups;
  readonly #reader: StreamReader;
  readonly #client: WebhookClient;
  readonly #sinks: SinkDeps;
  readonly #kafka: KafkaSink;
  readonly #telemetry: Telemetry;
  readonly #settings: SubscriptionSettings;
  readonly #writes = new KeyedMutex();
  readonly #runners = new Map<string, SubscriptionRunner>();
  readonly #deliveries = new DeliveryLog();
  readonly #share: FairShare;
  readonly #member = `p-${randomUUID()}`;
  #logger: SubscriptionLogger | undefined;
  #unsubscribe: (() => void) | undefined;
  #reconciling = Promise.resolve();
  #closed = false;

  constructor(
    catalog: Catalog,
    log: EventLog,
    groups: ConsumerGroups,
    reader: StreamReader,
    client: WebhookClient,
    sinks: SinkDeps,
    telemetry: Telemetry,
    settings: SubscriptionSettings,
  ) {
    this.#catalog = catalog;
    this.#log = log;
    this.#groups = groups;
    this.#reader = reader;
    this.#client = client;
    this.#sinks = sinks;
    this.#kafka = new KafkaSink(sinks.producer, sinks.schemas);
    this.#telemetry = telemetry;
    this.#settings = settings;
    this.#share = new FairShare(settings.maxInFlight, settings.maxInFlightPerTenant);
  }

  list(tenant: string): SubscriptionView[] {
    return this.#catalog.list('subscription', `${tenant}/`).map((entry) => view(entry.value));
  }

  async get(tenant: string, name: string): Promise<SubscriptionStatus> {
    const doc = this.#doc(tenant, name);
    const committed = new Map((await this.#groups.committed(subscriptionGroup(doc))).map((o) => [`${o.stream}#${o.partition}`, o.offset]));
    const partitions: PartitionProgress[] = [];
    for (const stream of subscriptionStreams(doc)) {
      const info = await this.#log.describeStream(stream);
      for (let partition = 0; partition < (info?.partitions ?? 0); partition++) {
        const end = info!.endOffsets[partition] ?? 0;
        const at = committed.get(`${stream}#${partition}`) ?? doc.startOffsets[stream]?.[partition] ?? 0;
        partitions.push({ stream, partition, committed: at, end, lag: Math.max(0, end - at) });
      }
    }
    const runner = this.#runners.get(key(tenant, name));
    return { ...view(doc), partitions, deliveringHere: runner?.owned().map(({ stream, partition }) => ({ stream, partition })) ?? [] };
  }

  /** Creates or replaces a subscription; progress is kept when it already existed. */
  async put(tenant: string, name: string, definition: unknown): Promise<PutResult> {
    assertSubscriptionName(name);
    if (this.#catalog.get('tenant', tenant) === undefined) throw new SluiceError('not_found', `tenant "${tenant}" does not exist`);
    const parsed = parseSubscriptionDefinition(definition, (type) => this.#catalog.get('event-type', `${tenant}/${type}`) !== undefined);
    await this.#assertDestination(tenant, parsed);
    return this.#writes.run(key(tenant, name), async () => {
      const existing = this.#catalog.get('subscription', key(tenant, name))?.value;
      const now = new Date();
      const startOffsets = { ...existing?.startOffsets };
      for (const stream of subscriptionStreams({ tenant, types: parsed.types })) {
        startOffsets[stream] ??= await this.#resolveStart(tenant, stream, parsed.start);
      }
      let secrets = existing?.secrets ?? [];
      let secret: string | undefined;
      if (parsed.secret !== undefined && parsed.secret !== currentSecret(existing)) {
        secret = parsed.secret;
        secrets = rotate(secrets, secret, now, this.#settings.rotationGraceMs);
      } else if (existing === undefined && parsed.destination.kind === 'webhook') {
        secret = generateSecret();
        secrets = [{ secret, createdAt: now.toISOString() }];
      }
      const doc: SubscriptionDoc = {
        tenant,
        name,
        ...definitionPart(parsed),
        secrets,
        state: existing?.state ?? 'active',
        stateChangedAt: existing?.stateChangedAt ?? now.toISOString(),
        incarnation: existing?.incarnation ?? newIncarnation(),
        startOffsets,
        createdAt: existing?.createdAt ?? now.toISOString(),
        updatedAt: now.toISOString(),
      };
      if (existing?.disabledReason !== undefined) doc.disabledReason = existing.disabledReason;
      if (existing !== undefined && sameDefinition(existing, doc)) return { subscription: view(existing), created: false, changed: false };
      await this.#catalog.put('subscription', key(tenant, name), doc);
      this.#logger?.info(
        { tenant, subscription: name, created: existing === undefined },
        existing === undefined ? 'subscription created' : 'subscription changed',
      );
      const result: PutResult = { subscription: view(doc), created: existing === undefined, changed: true };
      if (secret !== undefined) result.secret = secret;
      return result;
    });
  }

  async delete(tenant: string, name: string): Promise<void> {
    await this.#writes.run(key(tenant, name), async () => {
      this.#doc(tenant, name);
      await this.#catalog.delete('subscription', key(tenant, name));
      this.#deliveries.forget(key(tenant, name));
      this.#logger?.info({ tenant, subscription: name }, 'subscription deleted');
    });
  }

  pause(tenant: string, name: string): Promise<SubscriptionView> {
    return this.#setState(tenant, name, 'paused');
  }

  /** Re-enables a paused or disabled subscription; records waiting for a retry are sent at once. */
  resume(tenant: string, name: string): Promise<SubscriptionView> {
    return this.#setState(tenant, name, 'active');
  }

  /**
   * Delivers again from a point: `earliest`, `latest`, an RFC 3339 time, or an offset for every
   * partition. A new incarnation starts there; records after it are delivered again.
   */
  async replay(tenant: string, name: string, from: unknown): Promise<SubscriptionStatus> {
    await this.#writes.run(key(tenant, name), async () => {
      const doc = this.#doc(tenant, name);
      const startOffsets: Record<string, number[]> = {};
      for (const stream of subscriptionStreams(doc)) startOffsets[stream] = await this.#replayStart(tenant, stream, from);
      const next: SubscriptionDoc = { ...doc, incarnation: newIncarnation(), startOffsets, updatedAt: new Date().toISOString() };
      await this.#catalog.put('subscription', key(tenant, name), next);
      this.#logger?.info({ tenant, subscription: name, from }, 'subscription replay requested');
    });
    return this.get(tenant, name);
  }

  /** A new signing secret (generated unless given); the old one signs too until the grace period ends. */
  async rotateSecret(tenant: string, name: string, given?: unknown, graceMs?: number): Promise<{ secret: string; subscription: SubscriptionView }> {
    this.#doc(tenant, name);
    if (given !== undefined && !isSigningSecret(given)) {
      throw new SluiceError('invalid_subscription', 'the new secret is not a signing secret', {
        details: [{ path: '/secret', reason: 'use "whsec_" followed by base64 of 24 to 64 random bytes, or leave it out and Sluice generates one' }],
      });
    }
    if (graceMs !== undefined && !(Number.isSafeInteger(graceMs) && graceMs >= 0 && graceMs <= 7 * 86_400_000)) {
      throw new SluiceError('invalid_request', 'the grace period is from 0 to 7 days', {
        details: [{ path: '/graceSeconds', reason: `got ${graceMs / 1000}` }],
      });
    }
    const secret = given ?? generateSecret();
    return this.#writes.run(key(tenant, name), async () => {
      const doc = this.#doc(tenant, name);
      const now = new Date();
      const next: SubscriptionDoc = {
        ...doc,
        secrets: rotate(doc.secrets, secret, now, graceMs ?? this.#settings.rotationGraceMs),
        updatedAt: now.toISOString(),
      };
      await this.#catalog.put('subscription', key(tenant, name), next);
      this.#logger?.info({ tenant, subscription: name }, 'subscription secret rotated');
      return { secret, subscription: view(next) };
    });
  }

  deliveries(tenant: string, name: string, limit = 50): DeliveryAttemptView[] {
    this.#doc(tenant, name);
    return this.#deliveries.recent(key(tenant, name), Math.min(Math.max(limit, 1), 200));
  }

  /**
   * Sends a dead-lettered record again to the subscription that gave up on it (one attempt,
   * now). Resolves with the attempt's answer; the caller marks the dead letter redriven.
   */
  async redeliver(
    tenant: string,
    subscription: string,
    stream: string,
    partition: number,
    offset: number,
  ): Promise<{ delivered: boolean; status?: number; error?: string }> {
    const doc = this.#doc(tenant, subscription);
    const [record] = await this.#log.read(stream, partition, offset, 1);
    if (record?.offset !== offset) throw new SluiceError('not_found', `record ${stream}/${partition}/${offset} is no longer stored`);
    let result;
    if (doc.destination.kind === 'kafka') {
      const sent = await this.#kafka.send(tenant, doc.destination, [record], doc.delivery.timeoutMs);
      const unwritable = sent.unwritable[0];
      result = unwritable === undefined ? sent.result : { ...sent.result, outcome: 'retry' as const, error: unwritable.reason };
    } else if (doc.destination.kind === 'webhook') {
      result = await sendOnce(this.#client, doc, [record]);
    } else {
      throw new SluiceError('invalid_request', `subscription "${subscription}" archives to files; replay it instead of redriving one record`);
    }
    this.#telemetry.deliveryAttempt(tenant, subscription, result.outcome === 'delivered' ? 'delivered' : 'failed', 1, result.latencyMs / 1000);
    const answer: { delivered: boolean; status?: number; error?: string } = { delivered: result.outcome === 'delivered' };
    if (result.status !== undefined) answer.status = result.status;
    if (result.error !== undefined) answer.error = result.error;
    else if (!answer.delivered) answer.error = result.excerpt.slice(0, 200);
    return answer;
  }

  /** Starts a runner for every subscription in the catalog and follows the catalog's changes. */
  start(logger: SubscriptionLogger): void {
    if (this.#unsubscribe !== undefined || this.#closed) return;
    this.#logger = logger;
    this.#unsubscribe = this.#catalog.onChange((change) => {
      if (change.kind === 'subscription') this.#schedule(change.key);
    });
    for (const entry of this.#catalog.list('subscription')) this.#schedule(entry.key);
  }

  /** Stops every runner: requests in flight finish and progress is committed. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    await this.#reconciling;
    const runners = [...this.#runners.values()];
    this.#runners.clear();
    await Promise.all(runners.map((runner) => runner.close()));
    await this.#client.close();
    await this.#sinks.producer.close();
  }

  #schedule(catalogKey: string): void {
    this.#reconciling = this.#reconciling
      .then(() => this.#reconcile(catalogKey))
      .catch((error: unknown) => {
        this.#logger?.warn({ subscription: catalogKey, err: error }, 'could not start or stop a subscription');
      });
  }

  async #reconcile(catalogKey: string): Promise<void> {
    if (this.#closed) return;
    const doc = this.#catalog.get('subscription', catalogKey)?.value;
    const runner = this.#runners.get(catalogKey);
    if (runner !== undefined && (doc === undefined || doc.incarnation !== runner.doc.incarnation)) {
      this.#runners.delete(catalogKey);
      await runner.close();
    } else if (runner !== undefined && doc !== undefined) {
      if (doc.state !== runner.doc.state)
        this.#logger?.info({ tenant: doc.tenant, subscription: doc.name, state: doc.state, reason: doc.disabledReason }, `subscription ${doc.state}`);
      runner.update(doc);
      return;
    }
    if (doc === undefined) return;
    const created = new SubscriptionRunner(
      {
        log: this.#log,
        groups: this.#groups,
        client: this.#client,
        kafka: this.#kafka,
        files: this.#sinks.files,
        share: this.#share,
        deliveries: this.#deliveries,
        telemetry: this.#telemetry,
        logger: this.#logger!,
        member: this.#member,
        sessionTimeoutMs: this.#settings.sessionTimeoutMs,
        disable: (current, reason) => this.#disable(current, reason),
      },
      doc,
    );
    this.#runners.set(catalogKey, created);
    created.start();
  }

  async #disable(current: SubscriptionDoc, reason: string): Promise<void> {
    await this.#writes.run(key(current.tenant, current.name), async () => {
      const doc = this.#catalog.get('subscription', key(current.tenant, current.name))?.value;
      if (doc?.incarnation !== current.incarnation || doc.state !== 'active') return;
      const now = new Date().toISOString();
      await this.#catalog.put('subscription', key(doc.tenant, doc.name), {
        ...doc,
        state: 'disabled',
        disabledReason: reason,
        stateChangedAt: now,
        updatedAt: now,
      });
    });
  }

  async #setState(tenant: string, name: string, state: SubscriptionState): Promise<SubscriptionView> {
    return this.#writes.run(key(tenant, name), async () => {
      const doc = this.#doc(tenant, name);
      if (doc.state === state) return view(doc);
      const now = new Date().toISOString();
      const next: SubscriptionDoc = { ...doc, state, stateChangedAt: now, updatedAt: now };
      // The reason belongs to the disabled state; paused or resumed, it no longer applies.
      delete next.disabledReason;
      await this.#catalog.put('subscription', key(tenant, name), next);
      this.#logger?.info({ tenant, subscription: name, state }, `subscription ${state === 'active' ? 'resumed' : state}`);
      return view(next);
    });
  }

  #doc(tenant: string, name: string): SubscriptionDoc {
    const doc = this.#catalog.get('subscription', key(tenant, name))?.value;
    if (doc === undefined) throw new SluiceError('not_found', `tenant "${tenant}" has no subscription "${name}"`);
    return doc;
  }

  async #assertDestination(tenant: string, parsed: ParsedSubscription): Promise<void> {
    const destination = parsed.destination;
    if (destination.kind === 'webhook') {
      const refusal = await this.#client.refusal(destination.url);
      if (refusal !== undefined)
        throw new SluiceError('destination_refused', `Sluice will not deliver to ${destination.url}: ${refusal}`, {
          details: [{ path: '/destination/url', reason: refusal }],
        });
      return;
    }
    if (destination.kind !== 'kafka') return;
    const problems: ErrorDetail[] = [];
    if (destination.brokers === undefined && !this.#sinks.producer.hasHomeCluster) {
      problems.push({
        path: '/destination/brokers',
        reason: 'Sluice runs on its embedded store, so there is no cluster of its own to write to: name the bootstrap brokers of the Kafka cluster',
      });
    }
    if (destination.exactlyOnce === true && !this.#sinks.producer.hasHomeCluster) {
      problems.push({
        path: '/destination/exactlyOnce',
        reason: 'exactly-once uses Kafka transactions on the cluster Sluice runs on; on the embedded store a sink writes at least once',
      });
    }
    const want = schemaFormatOf(destination.format);
    if (want !== undefined) {
      parsed.types.forEach((type, i) => {
        if (type === deadLetterType)
          problems.push({
            path: `/types/${i}`,
            reason: `dead letters have no ${destination.format} schema: write them as json or cloudevents in a sink of their own`,
          });
      });
      const types = destination.schemaType === undefined ? parsed.types.filter((type) => type !== deadLetterType) : [destination.schemaType];
      for (const type of types) {
        const where = destination.schemaType === undefined ? `/types/${parsed.types.indexOf(type)}` : '/destination/schemaType';
        const id = this.#sinks.schemas.latestId(tenant, type);
        const format = id === undefined ? undefined : this.#sinks.schemas.stored(id)?.format;
        if (format === undefined) problems.push({ path: where, reason: `event type "${type}" has no schema` });
        else if (format !== want)
          problems.push({
            path: where,
            reason: `event type "${type}" has a ${format} schema; format ${destination.format} writes ${want}: register a ${want} version or name an output type with destination.schemaType`,
          });
      }
    }
    if (problems.length > 0)
      throw new SluiceError(
        'invalid_subscription',
        `the sink has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}`,
        { details: problems },
      );
    if (destination.brokers !== undefined) {
      const refusal = await this.#sinks.producer.refusal(destination.brokers);
      if (refusal !== undefined)
        throw new SluiceError('destination_refused', `Sluice will not connect to ${refusal}`, { details: [{ path: '/destination/brokers', reason: refusal }] });
    }
  }

  async #resolveStart(tenant: string, stream: string, start: StartFromDoc): Promise<number[]> {
    if (stream === deadLetterStream(tenant)) await this.#log.createStream(stream, 1);
    return this.#reader.startPositions(tenant, stream, start);
  }

  async #replayStart(tenant: string, stream: string, from: unknown): Promise<number[]> {
    if (typeof from === 'string' && /^\d{1,15}$/.test(from)) from = Number(from);
    if (typeof from === 'number' && Number.isSafeInteger(from) && from >= 0) {
      const info = await this.#reader.describe(tenant, stream);
      return info.endOffsets.map((end, partition) => Math.max(info.startOffsets[partition] ?? 0, Math.min(from, end)));
    }
    if (typeof from !== 'string')
      throw new SluiceError('invalid_request', 'replay from "earliest", "latest", an RFC 3339 time, or an offset (a number, for every partition)', {
        details: [{ path: '/from', reason: 'missing or not a string or number' }],
      });
    return this.#resolveStart(tenant, stream, parseStartFrom(from));
  }
}

function key(tenant: string, name: string): string {
  return `${tenant}/${name}`;
}

function newIncarnation(): string {
  return randomUUID().slice(0, 8);
}

function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function currentSecret(doc: SubscriptionDoc | undefined): string | undefined {
  return doc?.secrets[0]?.secret;
}

/** The new secret first; the ones before it sign until `graceMs` from now, expired ones go. */
function rotate(secrets: readonly SigningSecret[], secret: string, now: Date, graceMs: number): SigningSecret[] {
  const until = now.getTime() + graceMs;
  const kept = secrets
    .filter((s) => s.secret !== secret && (s.expiresAt === undefined || s.expiresAt > now.getTime()))
    .map((s) => ({ ...s, expiresAt: Math.min(s.expiresAt ?? until, until) }))
    .slice(0, 4);
  return [{ secret, createdAt: now.toISOString() }, ...kept];
}

function definitionPart(parsed: ParsedSubscription): Pick<SubscriptionDoc, 'types' | 'start' | 'destination' | 'delivery'> & { filter?: unknown } {
  const part: Pick<SubscriptionDoc, 'types' | 'start' | 'destination' | 'delivery'> & { filter?: unknown } = {
    types: parsed.types,
    start: parsed.start,
    destination: parsed.destination,
    delivery: parsed.delivery,
  };
  if (parsed.filter !== undefined) part.filter = parsed.filter;
  return part;
}

function sameDefinition(a: SubscriptionDoc, b: SubscriptionDoc): boolean {
  const pick = (doc: SubscriptionDoc): string =>
    JSON.stringify([doc.types, doc.filter ?? null, doc.start, doc.destination, doc.delivery, doc.secrets, doc.startOffsets]);
  return pick(a) === pick(b);
}

function view(doc: SubscriptionDoc): SubscriptionView {
  const out: SubscriptionView = {
    name: doc.name,
    types: doc.types,
    start: typeof doc.start === 'string' ? doc.start : new Date(doc.start.time).toISOString(),
    destination: doc.destination,
    delivery: {
      batchSize: doc.delivery.batchSize,
      maxInFlight: doc.delivery.maxInFlight,
      timeoutMs: doc.delivery.timeoutMs,
      retrySchedule: doc.delivery.retrySchedule,
      disableAfter: doc.delivery.disableAfterMs,
    },
    state: doc.state,
    stateChangedAt: doc.stateChangedAt,
    secrets: doc.secrets.map((s) => {
      const hint: SubscriptionView['secrets'][number] = { hint: `${s.secret.slice(0, 10)}…`, createdAt: s.createdAt };
      if (s.expiresAt !== undefined) hint.expiresAt = new Date(s.expiresAt).toISOString();
      return hint;
    }),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
  if (doc.filter !== undefined) out.filter = doc.filter;
  if (doc.disabledReason !== undefined) out.disabledReason = doc.disabledReason;
  return out;
}

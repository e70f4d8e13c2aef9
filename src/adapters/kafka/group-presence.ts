/**
 * Consumer-group members shared between the Sluice processes of one installation on Kafka,
 * through the topic `<prefix>_sluice_members` (one partition, records kept 10 minutes).
 *
 * - Each process publishes, keyed by a process id of its own, the members that poll it: at
 *   once when one joins, leaves or asks for other partitions, and again every second (sooner
 *   for sessions shorter than 3 s) while it has members. A member's age travels as "idle for
 *   n ms" rather than a timestamp, so the processes' clocks need not agree.
 * - Each process follows the topic and hands the latest report of every other process to
 *   GroupMembership, which computes every group's assignment from the union of the members,
 *   the same in every process. A process that stops (even by SIGKILL) stops refreshing its
 *   report: its members expire after their session timeout (plus `graceMs`), and the others
 *   take over their partitions. A process that closes publishes an empty report at once.
 * - While the reports travel (a few milliseconds on a healthy cluster), two processes can
 *   disagree and a partition can have two readers for that long: delivery stays at least once.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Producer } from '@platformatic/kafka';
import type { TopicPartition } from '../../domain/assignment.ts';
import type { MemberReport, RemoteMembers } from '../group-membership.ts';
import type { ResolvedKafkaOptions } from './client-options.ts';
import { createAdmin, createFetcher, createProducer } from './client-options.ts';
import { endOffset, ensureOwnTopic, TopicTail, type TailedRecord } from './topic-tail.ts';

const PUBLISH_INTERVAL_MS = 1000;
const MIN_PUBLISH_INTERVAL_MS = 100;
/** Reports older than this are only history: processes publish far more often. */
const RETENTION_MS = 10 * 60_000;
/** How long opening waits to have read the reports already in the topic. */
const CATCH_UP_MS = 10_000;

interface WireMember {
  group: string;
  member: string;
  partitions: [string, number][];
  sessionTimeoutMs: number;
  idleMs: number;
}

interface WireReport {
  members: WireMember[];
}

export class GroupPresence implements RemoteMembers {
  readonly graceMs = 2 * PUBLISH_INTERVAL_MS;
  readonly #topic: string;
  readonly #options: ResolvedKafkaOptions;
  readonly #admin: Admin;
  readonly #producer: Producer;
  readonly #follower: Consumer;
  readonly #tail: TopicTail;
  readonly #process = randomUUID();
  /** The latest report of every other process, by group. */
  readonly #reports = new Map<string, Map<string, MemberReport[]>>();
  #localReports: () => MemberReport[] = () => [];
  /** Offsets below this were in the topic before this process opened it. */
  #liveFrom = 0;
  #timer: NodeJS.Timeout | undefined;
  #publishing: Promise<void> | undefined;
  #again = false;
  #published = false;
  #closed = false;

  constructor(options: ResolvedKafkaOptions) {
    this.#options = options;
    this.#topic = `${options.topicPrefix}_sluice_members`;
    this.#admin = createAdmin(options, 'members-admin');
    this.#producer = createProducer(options, 'members-producer');
    this.#follower = createFetcher(options, 'members-follow');
    this.#tail = new TopicTail(this.#follower, this.#topic, {
      record: (record) => this.#receive(record),
      fetched: () => undefined,
      // Reports only refresh what is known; the tail retries by itself and the members of this
      // process keep being served meanwhile.
      failed: () => undefined,
    });
  }

  /**
   * Creates the topic if needed, reads the reports already in it, and starts following it and
   * publishing what `localReports` answers.
   */
  async open(localReports: () => MemberReport[]): Promise<void> {
    this.#localReports = localReports;
    await ensureOwnTopic(this.#admin, this.#follower, this.#topic, this.#options.replicationFactor, [
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'retention.ms', value: String(RETENTION_MS) },
      { name: 'segment.ms', value: String(RETENTION_MS / 10) },
    ]);
    this.#liveFrom = await endOffset(this.#admin, this.#topic);
    this.#tail.start();
    const deadline = Date.now() + CATCH_UP_MS;
    while (this.#tail.next < this.#liveFrom && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  membersOf(group: string): Iterable<MemberReport> {
    const byProcess = this.#reports.get(group);
    return byProcess === undefined ? [] : [...byProcess.values()].flat();
  }

  groups(): Iterable<string> {
    return this.#reports.keys();
  }

  /** Publishes the local members soon, coalescing changes that come together. */
  changed(): void {
    if (this.#closed) return;
    if (this.#publishing !== undefined) {
      this.#again = true;
      return;
    }
    this.#publishing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#publish());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#publishing;
    // Leaving at once spares the other processes a session timeout of waiting.
    if (this.#published) await this.#send([]).catch(() => undefined);
    await this.#tail.stop();
    await Promise.allSettled([this.#producer.close(), this.#admin.close(), this.#follower.close(true)]);
  }

  async #publish(): Promise<void> {
    try {
      do {
        this.#again = false;
        clearTimeout(this.#timer);
        this.#timer = undefined;
        if (this.#closed) return;
        const reports = this.#localReports();
        if (reports.length > 0 || this.#published) {
          try {
            await this.#send(reports);
            this.#published = reports.length > 0;
          } catch {
            // The cluster is unreachable: the next round publishes the state of then.
          }
        }
        if (reports.length > 0 && !this.#closed) {
          const interval = Math.max(MIN_PUBLISH_INTERVAL_MS, Math.min(PUBLISH_INTERVAL_MS, ...reports.map((report) => report.sessionTimeoutMs / 3)));
          this.#timer = setTimeout(() => this.changed(), interval);
          this.#timer.unref();
        }
      } while (this.#again);
    } finally {
      this.#publishing = undefined;
    }
  }

  async #send(reports: readonly MemberReport[]): Promise<void> {
    const now = Date.now();
    const report: WireReport = {
      members: reports.map((r) => ({
        group: r.group,
        member: r.member,
        partitions: r.requested.map((tp) => [tp.stream, tp.partition]),
        sessionTimeoutMs: r.sessionTimeoutMs,
        idleMs: Math.max(0, now - r.lastSeen),
      })),
    };
    await this.#producer.send({
      messages: [{ topic: this.#topic, partition: 0, key: Buffer.from(this.#process), value: Buffer.from(JSON.stringify(report)) }],
    });
  }

  #receive(record: TailedRecord): void {
    if (record.key === this.#process || record.value === null) return;
    let report: WireReport;
    try {
      report = JSON.parse(record.value.toString('utf8')) as WireReport;
    } catch {
      return;
    }
    // Reports read at open are aged by their broker timestamp, later ones by their arrival.
    const receivedAt = record.offset < this.#liveFrom ? Math.min(Date.now(), record.timestamp) : Date.now();
    for (const byProcess of this.#reports.values()) byProcess.delete(record.key);
    for (const member of Array.isArray(report.members) ? report.members : []) {
      const requested: TopicPartition[] = member.partitions.map(([stream, partition]) => ({ stream, partition }));
      let byProcess = this.#reports.get(member.group);
      if (byProcess === undefined) {
        byProcess = new Map();
        this.#reports.set(member.group, byProcess);
      }
      const list = byProcess.get(record.key) ?? [];
      list.push({ group: member.group, member: member.member, requested, sessionTimeoutMs: member.sessionTimeoutMs, lastSeen: receivedAt - member.idleMs });
      byProcess.set(record.key, list);
    }
    this.#forgetStale(receivedAt);
  }

  /** Drops what processes reported whose members have all been gone for a while (killed processes). */
  #forgetStale(now: number): void {
    for (const [group, byProcess] of this.#reports) {
      for (const [process, members] of byProcess) {
        if (members.every((member) => now - member.lastSeen > member.sessionTimeoutMs + this.graceMs + RETENTION_MS)) byProcess.delete(process);
      }
      if (byProcess.size === 0) this.#reports.delete(group);
    }
  }
}

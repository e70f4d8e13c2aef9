/**
 * ConsumerGroups on Apache Kafka.
 *
 * - Committed offsets live in Kafka's group coordinator (`__consumer_offsets`): commit is an
 *   OffsetCommit for the group id `<prefix><group>` on the topics `<prefix><stream>`, committed
 *   is an OffsetFetch, and listGroups asks the coordinator for its groups. So any process, and
 *   Kafka's own tooling (`kafka-consumer-groups.sh --describe`), sees the same progress.
 * - Membership and assignment are computed with the shared assignment function
 *   (src/domain/assignment.ts) from the members of every process: the members polling this
 *   process, and those the other processes report through group presence (group-presence.ts,
 *   the topic `<prefix>_sluice_members`). Why not Kafka's group membership: the members are
 *   HTTP clients that poll now and then, not connected Kafka consumers, and the broker refuses
 *   session timeouts below group.min.session.timeout.ms (6 s by default) while Sluice's
 *   sessions can be shorter.
 * - Sessions expire after their sessionTimeoutMs, checked on every heartbeat and commit.
 */
import type { Admin } from '@platformatic/kafka';
import type { TopicPartition } from '../../domain/assignment.ts';
import { GroupMembership } from '../group-membership.ts';
import type { CommittedOffset, ConsumerGroups, GroupMembers, MemberAssignment } from '../../ports/consumer-groups.ts';
import type { ResolvedKafkaOptions } from './client-options.ts';
import { createAdmin } from './client-options.ts';
import { GroupPresence } from './group-presence.ts';

export class KafkaConsumerGroups implements ConsumerGroups {
  readonly shared = true;
  readonly #options: ResolvedKafkaOptions;
  readonly #admin: Admin;
  readonly #presence: GroupPresence;
  readonly #members: GroupMembership;

  private constructor(options: ResolvedKafkaOptions) {
    this.#options = options;
    this.#admin = createAdmin(options, 'groups-admin');
    this.#presence = new GroupPresence(options);
    this.#members = new GroupMembership({ remote: this.#presence, onLocalChange: () => this.#presence.changed() });
  }

  /** Resolves once the members the other processes reported have been read. */
  static async open(options: ResolvedKafkaOptions): Promise<KafkaConsumerGroups> {
    const groups = new KafkaConsumerGroups(options);
    try {
      await groups.#presence.open(() => groups.#members.localReports());
      return groups;
    } catch (error) {
      await groups.close();
      throw error;
    }
  }

  #groupId(group: string): string {
    return `${this.#options.topicPrefix}${group}`;
  }

  heartbeat(group: string, member: string, partitions: readonly TopicPartition[], sessionTimeoutMs: number): Promise<MemberAssignment> {
    return Promise.resolve(this.#members.heartbeat(group, member, partitions, sessionTimeoutMs));
  }

  leave(group: string, member: string): Promise<void> {
    this.#members.leave(group, member);
    return Promise.resolve();
  }

  members(group: string): Promise<GroupMembers> {
    return Promise.resolve(this.#members.members(group));
  }

  async commit(group: string, member: string, offsets: readonly CommittedOffset[]): Promise<void> {
    this.#members.assertOwns(group, member, offsets);
    if (offsets.length === 0) return;
    const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
    for (const o of offsets) {
      const topic = `${this.#options.topicPrefix}${o.stream}`;
      const list = byTopic.get(topic) ?? [];
      list.push({ partition: o.partition, offset: BigInt(o.offset) });
      byTopic.set(topic, list);
    }
    await this.#admin.alterConsumerGroupOffsets({
      groupId: this.#groupId(group),
      topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
    });
  }

  async committed(group: string): Promise<CommittedOffset[]> {
    const prefix = this.#options.topicPrefix;
    const [answer] = await this.#admin.listConsumerGroupOffsets({ groups: [this.#groupId(group)] });
    const offsets: CommittedOffset[] = [];
    for (const topic of answer?.topics ?? []) {
      if (!topic.name.startsWith(prefix)) continue;
      for (const p of topic.partitions) {
        if (p.committedOffset < 0n) continue;
        offsets.push({ stream: topic.name.slice(prefix.length), partition: p.partitionIndex, offset: Number(p.committedOffset) });
      }
    }
    return offsets.sort((a, b) => (a.stream === b.stream ? a.partition - b.partition : a.stream < b.stream ? -1 : 1));
  }

  async listGroups(prefix: string): Promise<string[]> {
    const full = this.#groupId(prefix);
    const known = await this.#admin.listGroups();
    const names = new Set<string>();
    const candidates = [...known.keys()].filter((id) => id.startsWith(full));
    // A group the coordinator knows may have no offsets left (e.g. only members once); ask.
    if (candidates.length > 0) {
      const answers = await this.#admin.listConsumerGroupOffsets({ groups: candidates });
      for (const answer of answers) {
        if (answer.topics.some((topic) => topic.partitions.some((p) => p.committedOffset >= 0n))) {
          names.add(answer.groupId.slice(this.#options.topicPrefix.length));
        }
      }
    }
    for (const name of this.#members.liveGroups(prefix)) names.add(name);
    return [...names].sort();
  }

  async close(): Promise<void> {
    await this.#presence.close();
    this.#members.clear();
    await this.#admin.close();
  }
}

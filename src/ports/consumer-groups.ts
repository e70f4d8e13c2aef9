import type { TopicPartition } from '../domain/assignment.ts';

export interface CommittedOffset extends TopicPartition {
  /** The next offset the group will read. */
  offset: number;
}

export interface GroupMembers {
  /** Grows each time the members or what they ask for change. */
  generation: number;
  members: string[];
}

export interface MemberAssignment extends GroupMembers {
  partitions: TopicPartition[];
}

/**
 * Consumer groups: live members share the partitions of the streams they read, and the
 * group's progress is its committed offsets.
 */
export interface ConsumerGroups {
  /**
   * True when other processes share these groups (Kafka): a process learns of the others'
   * members only after a round of reports, so for a moment two may both think a partition
   * is theirs.
   */
  readonly shared: boolean;
  /** Joins or keeps a member alive and answers its current share of `partitions`. */
  heartbeat(group: string, member: string, partitions: readonly TopicPartition[], sessionTimeoutMs: number): Promise<MemberAssignment>;
  leave(group: string, member: string): Promise<void>;
  /** The group's live members, wherever they poll. */
  members(group: string): Promise<GroupMembers>;
  /** Commits offsets; rejects a partition the member does not own with `not_assigned`. */
  commit(group: string, member: string, offsets: readonly CommittedOffset[]): Promise<void>;
  committed(group: string): Promise<CommittedOffset[]>;
  /** Group names starting with the prefix that have committed offsets or live members. */
  listGroups(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

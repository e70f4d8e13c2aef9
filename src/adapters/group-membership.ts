import type { TopicPartition } from '../domain/assignment.ts';
import { assignPartitions, partitionId } from '../domain/assignment.ts';
import { SluiceError } from '../domain/errors.ts';
import type { CommittedOffset, GroupMembers, MemberAssignment } from '../ports/consumer-groups.ts';

/** A member of a group as one process saw it. */
export interface MemberReport {
  group: string;
  member: string;
  requested: readonly TopicPartition[];
  sessionTimeoutMs: number;
  /** When the member last polled, epoch milliseconds on this process's clock. */
  lastSeen: number;
}

/** Members that poll other Sluice processes sharing the same store. */
export interface RemoteMembers {
  /** What the other processes last reported for the group, live or not. */
  membersOf(group: string): Iterable<MemberReport>;
  groups(): Iterable<string>;
  /** How late a remote report may be, on top of the member's session timeout. */
  readonly graceMs: number;
}

export interface GroupMembershipOptions {
  now?: () => number;
  remote?: RemoteMembers;
  /** Called when a member of this process joins, leaves or asks for other partitions. */
  onLocalChange?: () => void;
}

interface Member {
  lastSeen: number;
  sessionTimeoutMs: number;
  requested: readonly TopicPartition[];
  requestedKey: string;
}

interface GroupState {
  generation: number;
  /** The members and requests the assignment was computed from. */
  fingerprint: string;
  members: string[];
  assignment: Map<string, TopicPartition[]>;
}

/**
 * Who is in each consumer group and which partitions each member owns. Members are HTTP
 * clients that poll now and then, so a heartbeat is a poll; a member that misses its session
 * timeout leaves and the rest rebalance. Members of this process are kept here; with a
 * `remote` source (Sluice on Kafka, several processes), the members other processes report
 * join them, and every process computes the same assignment from the same members, since
 * the assignment is a function of the members and their requests alone.
 */
export class GroupMembership {
  readonly #local = new Map<string, Map<string, Member>>();
  readonly #states = new Map<string, GroupState>();
  readonly #now: () => number;
  readonly #remote: RemoteMembers | undefined;
  readonly #onLocalChange: () => void;

  constructor(options: GroupMembershipOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#remote = options.remote;
    this.#onLocalChange = options.onLocalChange ?? ((): void => undefined);
  }

  heartbeat(group: string, member: string, partitions: readonly TopicPartition[], sessionTimeoutMs: number): MemberAssignment {
    const now = this.#now();
    let members = this.#local.get(group);
    if (members === undefined) {
      members = new Map();
      this.#local.set(group, members);
    }
    const requestedKey = partitions.map(partitionId).sort().join(',');
    const existing = members.get(member);
    members.set(member, { lastSeen: now, sessionTimeoutMs, requested: partitions, requestedKey });
    if (existing === undefined || existing.requestedKey !== requestedKey) this.#onLocalChange();
    const state = this.#resolve(group, now);
    return { generation: state.generation, members: state.members, partitions: state.assignment.get(member) ?? [] };
  }

  leave(group: string, member: string): void {
    if (this.#local.get(group)?.delete(member) === true) this.#onLocalChange();
  }

  /** The group's live members now, and the generation of their assignment. */
  members(group: string): GroupMembers {
    const state = this.#resolve(group, this.#now());
    return { generation: state.generation, members: state.members };
  }

  /** @throws SluiceError `not_assigned` naming every partition the member does not own */
  assertOwns(group: string, member: string, offsets: readonly CommittedOffset[]): void {
    const state = this.#resolve(group, this.#now());
    const owned = new Set((state.assignment.get(member) ?? []).map(partitionId));
    const foreign = offsets.filter((offset) => !owned.has(partitionId(offset)));
    if (foreign.length === 0) return;
    throw new SluiceError('not_assigned', `member "${member}" does not own ${foreign.map((o) => `${o.stream}/${o.partition}`).join(', ')}`, {
      details: foreign.map((o) => ({ path: `${o.stream}/${o.partition}`, reason: 'not assigned to this member' })),
    });
  }

  /** Groups under the prefix that have live members now. */
  liveGroups(prefix: string): string[] {
    const names = new Set([...this.#local.keys(), ...(this.#remote?.groups() ?? [])]);
    const now = this.#now();
    return [...names].filter((name) => name.startsWith(prefix) && this.#resolve(name, now).members.length > 0).sort();
  }

  /** The live members of this process, for telling the other processes. */
  localReports(): MemberReport[] {
    const now = this.#now();
    const reports: MemberReport[] = [];
    for (const [group, members] of this.#local) {
      this.#expireLocal(group, members, now);
      for (const [member, state] of members)
        reports.push({ group, member, requested: state.requested, sessionTimeoutMs: state.sessionTimeoutMs, lastSeen: state.lastSeen });
    }
    return reports;
  }

  clear(): void {
    this.#local.clear();
    this.#states.clear();
  }

  #expireLocal(group: string, members: Map<string, Member>, now: number): void {
    let expired = false;
    for (const [name, member] of members) {
      if (now - member.lastSeen > member.sessionTimeoutMs) {
        members.delete(name);
        expired = true;
      }
    }
    if (members.size === 0) this.#local.delete(group);
    if (expired) this.#onLocalChange();
  }

  /** The group's live members (local and remote) and, when they changed, a new assignment. */
  #resolve(group: string, now: number): GroupState {
    const live = new Map<string, { requested: readonly TopicPartition[]; requestedKey: string; lastSeen: number }>();
    const local = this.#local.get(group);
    if (local !== undefined) {
      this.#expireLocal(group, local, now);
      for (const [name, member] of local) live.set(name, member);
    }
    if (this.#remote !== undefined) {
      const grace = this.#remote.graceMs;
      for (const report of this.#remote.membersOf(group)) {
        if (now - report.lastSeen > report.sessionTimeoutMs + grace) continue;
        // A member that polled several processes counts once, as its latest poll saw it.
        const known = live.get(report.member);
        if (known !== undefined && known.lastSeen >= report.lastSeen) continue;
        live.set(report.member, { requested: report.requested, requestedKey: report.requested.map(partitionId).sort().join(','), lastSeen: report.lastSeen });
      }
    }
    const names = [...live.keys()].sort();
    const fingerprint = names.map((name) => `${name}=${live.get(name)!.requestedKey}`).join(';');
    let state = this.#states.get(group);
    if (state === undefined) {
      state = { generation: 0, fingerprint: '', members: [], assignment: new Map() };
      this.#states.set(group, state);
    }
    if (state.fingerprint !== fingerprint) {
      state.generation++;
      state.fingerprint = fingerprint;
      state.members = names;
      state.assignment = assignPartitions(new Map(names.map((name) => [name, live.get(name)!.requested])));
    }
    return state;
  }
}

import type { TopicPartition } from '../domain/assignment.ts';
import { assignPartitions, partitionId } from '../domain/assignment.ts';
import { SluiceError } from '../domain/errors.ts';
import type { CommittedOffset, MemberAssignment } from '../ports/consumer-groups.ts';

interface Member {
  lastSeen: number;
  sessionTimeoutMs: number;
  requested: readonly TopicPartition[];
  requestedKey: string;
}

interface GroupState {
  generation: number;
  members: Map<string, Member>;
  assignment: Map<string, TopicPartition[]>;
}

/**
 * Who is in each consumer group of this process and which partitions each member owns.
 * Members are HTTP clients that poll now and then, so a heartbeat is a poll; a member that
 * misses its session timeout leaves and the rest rebalance. Both adapters keep membership
 * this way and store committed offsets where their store keeps them.
 */
export class GroupMembership {
  readonly #groups = new Map<string, GroupState>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  heartbeat(group: string, member: string, partitions: readonly TopicPartition[], sessionTimeoutMs: number): MemberAssignment {
    const state = this.#state(group);
    const now = this.#now();
    let changed = this.#expire(state, now);
    const requestedKey = partitions.map(partitionId).sort().join(',');
    const existing = state.members.get(member);
    if (existing === undefined || existing.requestedKey !== requestedKey) changed = true;
    state.members.set(member, { lastSeen: now, sessionTimeoutMs, requested: partitions, requestedKey });
    if (changed) this.#rebalance(state);
    return { generation: state.generation, members: [...state.members.keys()].sort(), partitions: state.assignment.get(member) ?? [] };
  }

  leave(group: string, member: string): void {
    const state = this.#groups.get(group);
    if (state?.members.delete(member) === true) this.#rebalance(state);
  }

  /** @throws SluiceError `not_assigned` naming every partition the member does not own */
  assertOwns(group: string, member: string, offsets: readonly CommittedOffset[]): void {
    const state = this.#groups.get(group);
    this.#expire(state, this.#now());
    const owned = new Set((state?.assignment.get(member) ?? []).map(partitionId));
    const foreign = offsets.filter((offset) => !owned.has(partitionId(offset)));
    if (foreign.length === 0) return;
    throw new SluiceError('not_assigned', `member "${member}" does not own ${foreign.map((o) => `${o.stream}/${o.partition}`).join(', ')}`, {
      details: foreign.map((o) => ({ path: `${o.stream}/${o.partition}`, reason: 'not assigned to this member' })),
    });
  }

  /** Groups under the prefix that have live members now. */
  liveGroups(prefix: string): string[] {
    const now = this.#now();
    const names: string[] = [];
    for (const [name, state] of this.#groups) {
      this.#expire(state, now);
      if (name.startsWith(prefix) && state.members.size > 0) names.push(name);
    }
    return names;
  }

  clear(): void {
    this.#groups.clear();
  }

  #state(group: string): GroupState {
    let state = this.#groups.get(group);
    if (state === undefined) {
      state = { generation: 0, members: new Map(), assignment: new Map() };
      this.#groups.set(group, state);
    }
    return state;
  }

  #expire(state: GroupState | undefined, now: number): boolean {
    if (state === undefined) return false;
    let expired = false;
    for (const [name, member] of state.members) {
      if (now - member.lastSeen > member.sessionTimeoutMs) {
        state.members.delete(name);
        expired = true;
      }
    }
    if (expired) this.#rebalance(state);
    return expired;
  }

  #rebalance(state: GroupState): void {
    state.generation++;
    state.assignment = assignPartitions(new Map([...state.members].map(([name, member]) => [name, member.requested])));
  }
}

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { TopicPartition } from '../../domain/assignment.ts';
import { assignPartitions, partitionId } from '../../domain/assignment.ts';
import { SluiceError } from '../../domain/errors.ts';
import type { CommittedOffset, ConsumerGroups, MemberAssignment } from '../../ports/consumer-groups.ts';
import { inTransaction } from './database.ts';

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
 * Consumer groups for one process: membership lives in memory (members are HTTP clients
 * that poll), committed offsets in SQLite.
 */
export class SqliteConsumerGroups implements ConsumerGroups {
  readonly #db: DatabaseSync;
  readonly #groups = new Map<string, GroupState>();
  readonly #now: () => number;
  readonly #upsertOffset: StatementSync;
  readonly #selectOffsets: StatementSync;

  constructor(db: DatabaseSync, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    this.#upsertOffset = db.prepare(
      'INSERT INTO group_offsets (grp, stream, partition, offset, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (grp, stream, partition) DO UPDATE SET offset = excluded.offset, updated_at = excluded.updated_at',
    );
    this.#selectOffsets = db.prepare('SELECT stream, partition, offset FROM group_offsets WHERE grp = ? ORDER BY stream, partition');
  }

  heartbeat(group: string, member: string, partitions: readonly TopicPartition[], sessionTimeoutMs: number): Promise<MemberAssignment> {
    const state = this.#state(group);
    const now = this.#now();
    let changed = this.#expire(state, now);
    const requestedKey = partitions.map(partitionId).sort().join(',');
    const existing = state.members.get(member);
    if (existing === undefined || existing.requestedKey !== requestedKey) changed = true;
    state.members.set(member, { lastSeen: now, sessionTimeoutMs, requested: partitions, requestedKey });
    if (changed) this.#rebalance(state);
    return Promise.resolve({ generation: state.generation, members: [...state.members.keys()].sort(), partitions: state.assignment.get(member) ?? [] });
  }

  leave(group: string, member: string): Promise<void> {
    const state = this.#groups.get(group);
    if (state?.members.delete(member) === true) this.#rebalance(state);
    return Promise.resolve();
  }

  commit(group: string, member: string, offsets: readonly CommittedOffset[]): Promise<void> {
    const state = this.#groups.get(group);
    this.#expire(state, this.#now());
    const owned = new Set((state?.assignment.get(member) ?? []).map(partitionId));
    const foreign = offsets.filter((offset) => !owned.has(partitionId(offset)));
    if (foreign.length > 0) {
      return Promise.reject(
        new SluiceError('not_assigned', `member "${member}" does not own ${foreign.map((o) => `${o.stream}/${o.partition}`).join(', ')}`, {
          details: foreign.map((o) => ({ path: `${o.stream}/${o.partition}`, reason: 'not assigned to this member' })),
        }),
      );
    }
    const now = this.#now();
    inTransaction(this.#db, () => {
      for (const offset of offsets) this.#upsertOffset.run(group, offset.stream, offset.partition, offset.offset, now);
    });
    return Promise.resolve();
  }

  committed(group: string): Promise<CommittedOffset[]> {
    return Promise.resolve(this.#selectOffsets.all(group) as unknown as CommittedOffset[]);
  }

  listGroups(prefix: string): Promise<string[]> {
    const stored = this.#db.prepare('SELECT DISTINCT grp FROM group_offsets WHERE substr(grp, 1, ?) = ?').all(prefix.length, prefix) as { grp: string }[];
    const names = new Set(stored.map((row) => row.grp));
    for (const [name, state] of this.#groups) if (name.startsWith(prefix) && state.members.size > 0) names.add(name);
    return Promise.resolve([...names].sort());
  }

  close(): Promise<void> {
    this.#groups.clear();
    return Promise.resolve();
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

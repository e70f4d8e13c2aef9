import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { TopicPartition } from '../../domain/assignment.ts';
import { GroupMembership } from '../group-membership.ts';
import type { CommittedOffset, ConsumerGroups, GroupMembers, MemberAssignment } from '../../ports/consumer-groups.ts';
import { inTransaction } from './database.ts';

/**
 * Consumer groups for one process: membership lives in memory (members are HTTP clients
 * that poll), committed offsets in SQLite.
 */
export class SqliteConsumerGroups implements ConsumerGroups {
  readonly shared = false;
  readonly #db: DatabaseSync;
  readonly #members: GroupMembership;
  readonly #now: () => number;
  readonly #upsertOffset: StatementSync;
  readonly #selectOffsets: StatementSync;

  constructor(db: DatabaseSync, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    this.#members = new GroupMembership({ now });
    this.#upsertOffset = db.prepare(
      'INSERT INTO group_offsets (grp, stream, partition, offset, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (grp, stream, partition) DO UPDATE SET offset = excluded.offset, updated_at = excluded.updated_at',
    );
    this.#selectOffsets = db.prepare('SELECT stream, partition, offset FROM group_offsets WHERE grp = ? ORDER BY stream, partition');
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

  commit(group: string, member: string, offsets: readonly CommittedOffset[]): Promise<void> {
    return new Promise((resolve) => {
      this.#members.assertOwns(group, member, offsets);
      const now = this.#now();
      inTransaction(this.#db, () => {
        for (const offset of offsets) this.#upsertOffset.run(group, offset.stream, offset.partition, offset.offset, now);
      });
      resolve();
    });
  }

  committed(group: string): Promise<CommittedOffset[]> {
    return Promise.resolve(this.#selectOffsets.all(group) as unknown as CommittedOffset[]);
  }

  listGroups(prefix: string): Promise<string[]> {
    const stored = this.#db.prepare('SELECT DISTINCT grp FROM group_offsets WHERE substr(grp, 1, ?) = ?').all(prefix.length, prefix) as { grp: string }[];
    const names = new Set(stored.map((row) => row.grp));
    for (const name of this.#members.liveGroups(prefix)) names.add(name);
    return Promise.resolve([...names].sort());
  }

  close(): Promise<void> {
    this.#members.clear();
    return Promise.resolve();
  }
}

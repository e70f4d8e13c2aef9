import { randomUUID } from 'node:crypto';
import type { TopicPartition } from '../domain/assignment.ts';
import { partitionId } from '../domain/assignment.ts';
import { SluiceError } from '../domain/errors.ts';
import { assertGroupName } from '../domain/names.ts';
import type { CommittedOffset, ConsumerGroups } from '../ports/consumer-groups.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { ReadItem, StreamReader } from './reader.ts';
import { waitForAnyAppend } from './wait-for-append.ts';
import { maxReadLimit, maxSleepMs, maxWaitMs } from './reader.ts';

export interface PollRequest {
  streams: string[];
  member?: string;
  max?: number;
  waitMs?: number;
  /** Where a partition with no committed offset starts. */
  from?: 'earliest' | 'latest';
}

export interface PollAnswer {
  member: string;
  /** Every live member of the group, on whichever process it polls. */
  members: string[];
  generation: number;
  partitions: TopicPartition[];
  items: ReadItem[];
  /** The offsets a commit would store now (the next offset per owned partition). */
  positions: CommittedOffset[];
}

export interface GroupView {
  group: string;
  members: string[];
  generation: number;
  offsets: (CommittedOffset & { end: number; lag: number })[];
}

export interface GroupSettings {
  sessionTimeoutMs: number;
}

interface Position {
  offset: number;
  member: string;
  generation: number;
}

/**
 * HTTP consumer groups: each poll is a heartbeat; a member reads only its partitions, from
 * where it left off or the group's committed offset. Commits store progress; a member that
 * stops polling for the session timeout loses its partitions to the others.
 */
export class GroupService {
  readonly #groups: ConsumerGroups;
  readonly #log: EventLog;
  readonly #reader: StreamReader;
  readonly #settings: GroupSettings;
  readonly #positions = new Map<string, Map<string, Position>>();

  constructor(groups: ConsumerGroups, log: EventLog, reader: StreamReader, settings: GroupSettings) {
    this.#groups = groups;
    this.#log = log;
    this.#reader = reader;
    this.#settings = settings;
  }

  async poll(tenant: string, group: string, request: PollRequest, signal?: AbortSignal): Promise<PollAnswer> {
    assertGroupName(group);
    if (request.streams.length === 0)
      throw new SluiceError('invalid_request', 'name at least one stream to read', { details: [{ path: '/streams', reason: 'empty' }] });
    const member = request.member ?? `m-${randomUUID()}`;
    const wanted: TopicPartition[] = [];
    for (const stream of request.streams) {
      const info = await this.#reader.describe(tenant, stream);
      for (let partition = 0; partition < info.partitions; partition++) wanted.push({ stream, partition });
    }
    const groupKey = qualified(tenant, group);
    const assignment = await this.#groups.heartbeat(groupKey, member, wanted, this.#settings.sessionTimeoutMs);
    const positions = await this.#claim(groupKey, member, assignment.generation, assignment.partitions, request.from ?? 'earliest');
    const max = Math.min(Math.max(request.max ?? 500, 1), maxReadLimit);
    const deadline = Date.now() + Math.min(request.waitMs ?? 0, maxWaitMs);
    const items: ReadItem[] = [];
    const streams = [...new Set(assignment.partitions.map((tp) => tp.stream))];
    for (;;) {
      const versions = streams.map((stream) => this.#log.appendVersion(stream));
      for (const tp of assignment.partitions) {
        if (items.length >= max) break;
        const position = positions.get(partitionId(tp))!;
        const records = await this.#log.read(tp.stream, tp.partition, position.offset, max - items.length);
        for (const record of records) items.push(this.#reader.view(record));
        if (records.length > 0) position.offset = records.at(-1)!.offset + 1;
      }
      const remaining = deadline - Date.now();
      if (items.length > 0 || remaining <= 0 || signal?.aborted === true || assignment.partitions.length === 0) break;
      await waitForAnyAppend(this.#log, streams, versions, Math.min(remaining, this.#settings.sessionTimeoutMs / 2, maxSleepMs), signal);
    }
    return {
      member,
      members: assignment.members,
      generation: assignment.generation,
      partitions: assignment.partitions,
      items,
      positions: assignment.partitions.map((tp) => ({ ...tp, offset: positions.get(partitionId(tp))!.offset })),
    };
  }

  /** Commits the given offsets, or everything the member has been given so far. */
  async commit(tenant: string, group: string, member: string, offsets?: CommittedOffset[]): Promise<CommittedOffset[]> {
    assertGroupName(group);
    const groupKey = qualified(tenant, group);
    const toCommit =
      offsets ??
      [...(this.#positions.get(groupKey) ?? new Map<string, Position>()).entries()]
        .filter(([, position]) => position.member === member)
        .map(([id, position]) => ({ ...fromPartitionId(id), offset: position.offset }));
    for (const offset of toCommit) {
      if (!Number.isSafeInteger(offset.offset) || offset.offset < 0) {
        throw new SluiceError('invalid_request', 'offsets are non-negative integers: the next offset to read', {
          details: [{ path: `${offset.stream}/${offset.partition}`, reason: `got ${offset.offset}` }],
        });
      }
    }
    await this.#groups.commit(groupKey, member, toCommit);
    return toCommit;
  }

  async leave(tenant: string, group: string, member: string): Promise<void> {
    assertGroupName(group);
    const groupKey = qualified(tenant, group);
    await this.#groups.leave(groupKey, member);
    const positions = this.#positions.get(groupKey);
    if (positions !== undefined) for (const [id, position] of positions) if (position.member === member) positions.delete(id);
  }

  async describe(tenant: string, group: string): Promise<GroupView> {
    assertGroupName(group);
    const groupKey = qualified(tenant, group);
    const committed = await this.#groups.committed(groupKey);
    const ends = new Map<string, number[]>();
    const offsets = [];
    for (const offset of committed) {
      if (!ends.has(offset.stream)) ends.set(offset.stream, (await this.#log.describeStream(offset.stream))?.endOffsets ?? []);
      const end = ends.get(offset.stream)![offset.partition] ?? offset.offset;
      offsets.push({ ...offset, end, lag: Math.max(0, end - offset.offset) });
    }
    const { members, generation } = await this.#groups.members(groupKey);
    if (offsets.length === 0 && members.length === 0) throw new SluiceError('not_found', `no consumer group "${group}"`);
    return { group, members, generation, offsets };
  }

  async listGroups(tenant: string): Promise<string[]> {
    const prefix = `${tenant}.`;
    // Groups named `_…` are Sluice's own (a subscription's progress); users cannot name one so.
    return (await this.#groups.listGroups(prefix)).map((name) => name.slice(prefix.length)).filter((name) => !name.startsWith('_'));
  }

  /** Positions for the member's partitions; a partition that changed hands restarts from the commit. */
  async #claim(
    groupKey: string,
    member: string,
    generation: number,
    partitions: readonly TopicPartition[],
    from: 'earliest' | 'latest',
  ): Promise<Map<string, Position>> {
    let positions = this.#positions.get(groupKey);
    if (positions === undefined) {
      positions = new Map();
      this.#positions.set(groupKey, positions);
    }
    const owned = new Set(partitions.map(partitionId));
    for (const [id, position] of positions) if (position.member === member && !owned.has(id)) positions.delete(id);
    const missing = partitions.filter((tp) => positions.get(partitionId(tp))?.member !== member);
    if (missing.length > 0) {
      const committed = new Map((await this.#groups.committed(groupKey)).map((offset) => [partitionId(offset), offset.offset]));
      for (const tp of missing) {
        let offset = committed.get(partitionId(tp));
        if (offset === undefined) offset = from === 'earliest' ? 0 : ((await this.#log.describeStream(tp.stream))?.endOffsets[tp.partition] ?? 0);
        positions.set(partitionId(tp), { offset, member, generation });
      }
    }
    return positions;
  }
}

function qualified(tenant: string, group: string): string {
  return `${tenant}.${group}`;
}

function fromPartitionId(id: string): TopicPartition {
  const hash = id.lastIndexOf('#');
  return { stream: id.slice(0, hash), partition: Number(id.slice(hash + 1)) };
}

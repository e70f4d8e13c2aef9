import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { TopicPartition } from '../../../src/domain/assignment.ts';
import { partitionId } from '../../../src/domain/assignment.ts';
import { SluiceError } from '../../../src/domain/errors.ts';
import type { CommittedOffset, ConsumerGroups } from '../../../src/ports/consumer-groups.ts';
import { sleep, uniquePrefix, type OpenPort } from './harness.ts';

export interface ConsumerGroupsContractOptions {
  /** A session timeout the adapter honours and a test can wait out; default 50 ms. */
  shortSessionMs?: number;
  /**
   * Makes the streams a member asks for exist, for adapters that can only commit offsets of
   * real streams (Kafka's group coordinator refuses unknown topics). Members only ever ask
   * for partitions of existing streams, so this is the port's precondition, not a weakening.
   */
  createStreams?: (t: TestContext, streams: { stream: string; partitions: number }[]) => Promise<void>;
}

const longSession = 60_000;

function partitions(stream: string, count: number): TopicPartition[] {
  return Array.from({ length: count }, (_, partition) => ({ stream, partition }));
}

function ids(tps: readonly TopicPartition[]): string[] {
  return tps.map(partitionId).sort();
}

function plain(offsets: readonly CommittedOffset[]): CommittedOffset[] {
  return offsets
    .map(({ stream, partition, offset }) => ({ stream, partition, offset }))
    .sort((a, b) => (a.stream === b.stream ? a.partition - b.partition : a.stream < b.stream ? -1 : 1));
}

function notAssigned(error: unknown): boolean {
  return error instanceof SluiceError && error.code === 'not_assigned' && error.status === 409;
}

/** What every ConsumerGroups adapter must do. Each test uses its own group and stream names. */
export function consumerGroupsContract(name: string, openPort: OpenPort<ConsumerGroups>, options: ConsumerGroupsContractOptions = {}): void {
  const shortSession = options.shortSessionMs ?? 50;
  const createStreams = options.createStreams;
  const open: OpenPort<ConsumerGroups> =
    createStreams === undefined
      ? openPort
      : async (t) => {
          const opened = await openPort(t);
          const prepared = (port: ConsumerGroups): ConsumerGroups =>
            new Proxy(port, {
              get(target, property) {
                if (property !== 'heartbeat') {
                  // Bound to the adapter itself: its private fields are not reachable through a proxy.
                  const value = Reflect.get(target, property, target) as unknown;
                  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
                }
                return async (group: string, member: string, wanted: readonly TopicPartition[], sessionTimeoutMs: number) => {
                  const counts = new Map<string, number>();
                  for (const tp of wanted) counts.set(tp.stream, Math.max(counts.get(tp.stream) ?? 0, tp.partition + 1));
                  await createStreams(
                    t,
                    [...counts].map(([stream, partitions]) => ({ stream, partitions })),
                  );
                  return target.heartbeat(group, member, wanted, sessionTimeoutMs);
                };
              },
            });
          return { port: prepared(opened.port), reopen: async () => prepared(await opened.reopen()) };
        };

  void describe(`ConsumerGroups contract: ${name}`, () => {
    void test('a lone member is assigned every partition it asks for', async (t) => {
      const { port: groups } = await open(t);
      const prefix = uniquePrefix();
      const wanted = [...partitions(`${prefix}.a`, 3), ...partitions(`${prefix}.b`, 1)];
      const assignment = await groups.heartbeat(`${prefix}-g`, 'm1', wanted, longSession);
      assert.deepEqual(ids(assignment.partitions), ids(wanted));
      assert.deepEqual(assignment.members, ['m1']);
      assert.ok(Number.isInteger(assignment.generation));
    });

    void test('members split the partitions; together they cover each exactly once', async (t) => {
      const { port: groups } = await open(t);
      const prefix = uniquePrefix();
      const group = `${prefix}-g`;
      const wanted = partitions(`${prefix}.orders`, 6);
      const alone = await groups.heartbeat(group, 'a', wanted, longSession);
      const b = await groups.heartbeat(group, 'b', wanted, longSession);
      const c = await groups.heartbeat(group, 'c', wanted, longSession);
      const a = await groups.heartbeat(group, 'a', wanted, longSession);
      const b2 = await groups.heartbeat(group, 'b', wanted, longSession);
      assert.equal(alone.partitions.length, 6);
      assert.ok(b.generation > alone.generation && c.generation > b.generation, 'each join starts a new generation');
      assert.equal(a.generation, c.generation);
      assert.equal(b2.generation, c.generation);
      assert.deepEqual(a.members, ['a', 'b', 'c']);
      const shares = [a.partitions, b2.partitions, c.partitions];
      assert.deepEqual(ids(shares.flat()), ids(wanted), 'no partition twice, none left out');
      for (const share of shares) assert.equal(share.length, 2, 'six partitions over three members');
    });

    void test('a heartbeat that changes nothing keeps the generation and the share', async (t) => {
      const { port: groups } = await open(t);
      const prefix = uniquePrefix();
      const wanted = partitions(`${prefix}.s`, 4);
      await groups.heartbeat(`${prefix}-g`, 'a', wanted, longSession);
      const first = await groups.heartbeat(`${prefix}-g`, 'b', wanted, longSession);
      const again = await groups.heartbeat(`${prefix}-g`, 'b', [...wanted].reverse(), longSession);
      assert.equal(again.generation, first.generation);
      assert.deepEqual(ids(again.partitions), ids(first.partitions));
    });

    void test('members only get partitions they asked for', async (t) => {
      const { port: groups } = await open(t);
      const prefix = uniquePrefix();
      const group = `${prefix}-g`;
      await groups.heartbeat(group, 'only-a', partitions(`${prefix}.a`, 2), longSession);
      const onlyB = await groups.heartbeat(group, 'only-b', partitions(`${prefix}.b`, 2), longSession);
      const onlyA = await groups.heartbeat(group, 'only-a', partitions(`${prefix}.a`, 2), longSession);
      assert.deepEqual(ids(onlyA.partitions), ids(partitions(`${prefix}.a`, 2)));
      assert.deepEqual(ids(onlyB.partitions), ids(partitions(`${prefix}.b`, 2)));
    });

    void test('leave hands the partitions to the others in a new generation', async (t) => {
      const { port: groups } = await open(t);
      const prefix = uniquePrefix();
      const group = `${prefix}-g`;
      const wanted = partitions(`${prefix}.s`, 4);
      await groups.heartbeat(group, 'a', wanted, longSession);
      const before = await groups.heartbeat(group, 'b', wanted, longSession);
      await groups.leave(group, 'a');
      const after = await groups.heartbeat(group, 'b', wanted, longSession);
      assert.ok(after.generation > before.generation);
      assert.deepEqual(after.members, ['b']);
      assert.deepEqual(ids(after.partitions), ids(wanted));
      await groups.leave(group, 'never-joined');
      await groups.leave(`${prefix}-no-such-group`, 'x');
    });

    void test('members names the live members and the generation of their assignment', async (t) => {
      const { port: groups } = await open(t);
      const prefix = uniquePrefix();
      const group = `${prefix}-g`;
      const wanted = partitions(`${prefix}.s`, 2);
      assert.deepEqual((await groups.members(group)).members, []);
      await groups.heartbeat(group, 'b', wanted, longSession);
      const joined = await groups.heartbeat(group, 'a', wanted, longSession);
      assert.deepEqual(await groups.members(group), { generation: joined.generation, members: ['a', 'b'] });
      await groups.leave(group, 'b');
      const left = await groups.members(group);
      assert.deepEqual(left.members, ['a']);
      assert.ok(left.generation > joined.generation);
    });

    void test('a member that stops heartbeating expires after its session timeout', { timeout: 10_000 }, async (t) => {
      const { port: groups } = await open(t);
      const prefix = uniquePrefix();
      const group = `${prefix}-g`;
      const wanted = partitions(`${prefix}.s`, 4);
      const quitter = await groups.heartbeat(group, 'quitter', wanted, shortSession);
      assert.deepEqual(ids(quitter.partitions), ids(wanted));
      await groups.heartbeat(group, 'stayer', wanted, longSession);
      // Whether the quitter was still alive when the stayer joined depends on the machine's
      // speed, so only the state after its timeout has passed is asserted.
      await sleep(shortSession * 3);
      const after = await groups.heartbeat(group, 'stayer', wanted, longSession);
      assert.deepEqual(after.members, ['stayer']);
      assert.ok(after.generation > quitter.generation);
      assert.deepEqual(ids(after.partitions), ids(wanted));
      await assert.rejects(groups.commit(group, 'quitter', [{ ...wanted[0]!, offset: 1 }]), notAssigned);
    });

    void test('commit and committed round-trip; a later commit replaces the offset', async (t) => {
      const { port: groups } = await open(t);
      const prefix = uniquePrefix();
      const group = `${prefix}-g`;
      const wanted = [...partitions(`${prefix}.b`, 2), ...partitions(`${prefix}.a`, 1)];
      await groups.heartbeat(group, 'm', wanted, longSession);
      assert.deepEqual(await groups.committed(group), []);
      await groups.commit(group, 'm', [
        { stream: `${prefix}.b`, partition: 1, offset: 7 },
        { stream: `${prefix}.a`, partition: 0, offset: 3 },
      ]);
      await groups.commit(group, 'm', [{ stream: `${prefix}.b`, partition: 1, offset: 9 }]);
      await groups.commit(group, 'm', []);
      assert.deepEqual(plain(await groups.committed(group)), [
        { stream: `${prefix}.a`, partition: 0, offset: 3 },
        { stream: `${prefix}.b`, partition: 1, offset: 9 },
      ]);
      assert.deepEqual(await groups.committed(`${prefix}-other`), [], 'groups do not share offsets');
    });

    void test('committing a partition the member does not own is refused with not_assigned', async (t) => {
      const { port: groups } = await open(t);
      const prefix = uniquePrefix();
      const group = `${prefix}-g`;
      const wanted = partitions(`${prefix}.s`, 2);
      await groups.heartbeat(group, 'a', wanted, longSession);
      await groups.heartbeat(group, 'b', wanted, longSession);
      const a = await groups.heartbeat(group, 'a', wanted, longSession);
      assert.equal(a.partitions.length, 1);
      const mine = a.partitions[0]!;
      const theirs = wanted.find((tp) => tp.partition !== mine.partition)!;
      await assert.rejects(
        groups.commit(group, 'a', [
          { ...mine, offset: 5 },
          { ...theirs, offset: 5 },
        ]),
        (error) => {
          assert.ok(notAssigned(error));
          assert.deepEqual((error as SluiceError).details?.length, 1, 'only the foreign partition is named');
          return true;
        },
      );
      assert.deepEqual(await groups.committed(group), [], 'a refused commit stores none of its offsets');
      await assert.rejects(groups.commit(group, 'stranger', [{ ...mine, offset: 1 }]), notAssigned);
      await assert.rejects(groups.commit(`${prefix}-no-such-group`, 'a', [{ ...mine, offset: 1 }]), notAssigned);
      await assert.rejects(groups.commit(group, 'a', [{ stream: `${prefix}.unasked`, partition: 0, offset: 1 }]), notAssigned);
      await groups.commit(group, 'a', [{ ...mine, offset: 5 }]);
      assert.deepEqual(plain(await groups.committed(group)), [{ ...mine, offset: 5 }]);
    });

    void test('committed offsets outlive the members', async (t) => {
      const { port: groups } = await open(t);
      const prefix = uniquePrefix();
      const group = `${prefix}-g`;
      const [tp] = partitions(`${prefix}.s`, 1);
      await groups.heartbeat(group, 'a', [tp!], longSession);
      await groups.commit(group, 'a', [{ ...tp!, offset: 4 }]);
      await groups.leave(group, 'a');
      assert.deepEqual(plain(await groups.committed(group)), [{ ...tp!, offset: 4 }]);
    });

    void test('listGroups names groups with live members or committed offsets under a prefix', async (t) => {
      const { port: groups } = await open(t);
      const prefix = uniquePrefix();
      const stream = `${prefix}.s`;
      const [tp] = partitions(stream, 1);
      await groups.heartbeat(`${prefix}/live`, 'm', [tp!], longSession);
      await groups.heartbeat(`${prefix}/committed`, 'm', [tp!], longSession);
      await groups.commit(`${prefix}/committed`, 'm', [{ ...tp!, offset: 1 }]);
      await groups.leave(`${prefix}/committed`, 'm');
      await groups.heartbeat(`${prefix}/left`, 'm', [tp!], longSession);
      await groups.leave(`${prefix}/left`, 'm');
      await groups.heartbeat(`${prefix}x/other`, 'm', [tp!], longSession);
      assert.deepEqual(await groups.listGroups(`${prefix}/`), [`${prefix}/committed`, `${prefix}/live`]);
      assert.deepEqual(await groups.listGroups(`${prefix}/nothing`), []);
    });

    void test('listGroups treats the prefix literally, not as a pattern', async (t) => {
      const { port: groups } = await open(t);
      const prefix = uniquePrefix();
      const [tp] = partitions(`${prefix}.s`, 1);
      for (const group of [`${prefix}_a`, `${prefix}Xa`, `${prefix}%b`]) {
        await groups.heartbeat(group, 'm', [tp!], longSession);
        await groups.commit(group, 'm', [{ ...tp!, offset: 1 }]);
        await groups.leave(group, 'm');
      }
      assert.deepEqual(await groups.listGroups(`${prefix}_`), [`${prefix}_a`]);
      assert.deepEqual(await groups.listGroups(`${prefix}%`), [`${prefix}%b`]);
    });

    void test('committed offsets survive a restart', async (t) => {
      const opened = await open(t);
      const prefix = uniquePrefix();
      const group = `${prefix}-g`;
      const wanted = partitions(`${prefix}.s`, 2);
      await opened.port.heartbeat(group, 'm', wanted, longSession);
      await opened.port.commit(group, 'm', [
        { ...wanted[0]!, offset: 11 },
        { ...wanted[1]!, offset: 12 },
      ]);
      const groups = await opened.reopen();
      assert.deepEqual(plain(await groups.committed(group)), [
        { ...wanted[0]!, offset: 11 },
        { ...wanted[1]!, offset: 12 },
      ]);
      assert.deepEqual(await groups.listGroups(`${prefix}-`), [group]);
    });
  });
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TopicPartition } from '../../src/domain/assignment.ts';
import { partitionId } from '../../src/domain/assignment.ts';
import type { MemberReport, RemoteMembers } from '../../src/adapters/group-membership.ts';
import { GroupMembership } from '../../src/adapters/group-membership.ts';

const session = 1000;
const grace = 200;
const wanted: TopicPartition[] = [0, 1, 2, 3].map((partition) => ({ stream: 'acme.orders', partition }));

/** Stands in for the other processes: what each one last reported. */
class Reports implements RemoteMembers {
  readonly graceMs = grace;
  readonly byProcess = new Map<string, MemberReport[]>();

  membersOf(group: string): Iterable<MemberReport> {
    return [...this.byProcess.values()].flat().filter((report) => report.group === group);
  }

  groups(): Iterable<string> {
    return new Set([...this.byProcess.values()].flat().map((report) => report.group));
  }
}

/** Two processes that tell each other their members whenever asked, on one shared clock. */
function twoProcesses(): { clock: { now: number }; a: GroupMembership; b: GroupMembership; exchange: () => void; toA: Reports; toB: Reports } {
  const clock = { now: 10_000 };
  const toA = new Reports();
  const toB = new Reports();
  const a = new GroupMembership({ now: () => clock.now, remote: toA });
  const b = new GroupMembership({ now: () => clock.now, remote: toB });
  const exchange = (): void => {
    toB.byProcess.set('a', a.localReports());
    toA.byProcess.set('b', b.localReports());
  };
  return { clock, a, b, exchange, toA, toB };
}

function ids(tps: readonly TopicPartition[]): string[] {
  return tps.map(partitionId).sort();
}

void test('members polling two processes share the partitions, and both processes agree on who owns what', () => {
  const { a, b, exchange } = twoProcesses();
  a.heartbeat('acme.g', 'm1', wanted, session);
  b.heartbeat('acme.g', 'm2', wanted, session);
  exchange();
  const one = a.heartbeat('acme.g', 'm1', wanted, session);
  const two = b.heartbeat('acme.g', 'm2', wanted, session);
  assert.deepEqual(one.members, ['m1', 'm2']);
  assert.deepEqual(two.members, ['m1', 'm2']);
  assert.equal(one.partitions.length, 2);
  assert.equal(two.partitions.length, 2);
  assert.deepEqual([...ids(one.partitions), ...ids(two.partitions)].sort(), ids(wanted), 'each partition owned exactly once');
  assert.deepEqual(a.members('acme.g').members, b.members('acme.g').members);
});

void test("a process that stops reporting loses its members after their session and the grace; the survivor's member takes every partition", () => {
  const { clock, a, b, exchange } = twoProcesses();
  a.heartbeat('acme.g', 'm1', wanted, session);
  b.heartbeat('acme.g', 'm2', wanted, session);
  exchange();
  const before = a.heartbeat('acme.g', 'm1', wanted, session);
  assert.equal(before.partitions.length, 2);
  // b goes silent: no more exchange. m1 keeps polling a.
  clock.now += session;
  assert.equal(a.heartbeat('acme.g', 'm1', wanted, session).partitions.length, 2, 'still within session + grace');
  clock.now += grace + 1;
  const after = a.heartbeat('acme.g', 'm1', wanted, session);
  assert.deepEqual(ids(after.partitions), ids(wanted));
  assert.deepEqual(after.members, ['m1']);
  assert.ok(after.generation > before.generation);
});

void test('a member that moved between processes counts once, with what its latest poll asked for', () => {
  const { clock, a, b, exchange } = twoProcesses();
  a.heartbeat('acme.g', 'm1', wanted, session);
  exchange();
  clock.now += 10;
  const narrower = wanted.slice(0, 2);
  const onB = b.heartbeat('acme.g', 'm1', narrower, session);
  assert.deepEqual(onB.members, ['m1']);
  assert.deepEqual(ids(onB.partitions), ids(narrower));
  exchange();
  assert.deepEqual(a.members('acme.g').members, ['m1']);
  // a's own, older record of m1 asked for every partition; the later poll on b wins.
  assert.throws(() => a.assertOwns('acme.g', 'm1', [{ stream: 'acme.orders', partition: 3, offset: 0 }]), /does not own acme.orders\/3/);
  a.assertOwns('acme.g', 'm1', [{ stream: 'acme.orders', partition: 1, offset: 0 }]);
});

void test('reports are asked for on joins, leaves and changed requests, not on plain heartbeats', () => {
  let changes = 0;
  const clock = { now: 0 };
  const membership = new GroupMembership({ now: () => clock.now, onLocalChange: () => changes++ });
  membership.heartbeat('acme.g', 'm1', wanted, session);
  assert.equal(changes, 1);
  membership.heartbeat('acme.g', 'm1', wanted, session);
  assert.equal(changes, 1);
  membership.heartbeat('acme.g', 'm1', wanted.slice(1), session);
  assert.equal(changes, 2);
  membership.leave('acme.g', 'm1');
  assert.equal(changes, 3);
  membership.heartbeat('acme.g', 'm2', wanted, session);
  clock.now += session + 1;
  assert.deepEqual(membership.localReports(), []);
  assert.equal(changes, 5, 'an expiry is a change too');
});

void test('live groups include groups whose only members poll other processes', () => {
  const { a, b, exchange } = twoProcesses();
  b.heartbeat('acme.remote-only', 'm9', wanted, session);
  exchange();
  assert.deepEqual(a.liveGroups('acme.'), ['acme.remote-only']);
  assert.deepEqual(a.liveGroups('other.'), []);
});

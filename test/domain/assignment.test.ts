import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TopicPartition } from '../../src/domain/assignment.ts';
import { assignPartitions, comparePartitions, partitionId } from '../../src/domain/assignment.ts';

function partitions(stream: string, count: number): TopicPartition[] {
  return Array.from({ length: count }, (_, partition) => ({ stream, partition }));
}

/** Checks the invariants every assignment must keep and returns owner per partition id. */
function checkInvariants(requests: ReadonlyMap<string, readonly TopicPartition[]>, assignment: Map<string, TopicPartition[]>): Map<string, string> {
  assert.deepEqual([...assignment.keys()].sort(), [...requests.keys()].sort(), 'every member gets an entry, even an empty one');
  const owner = new Map<string, string>();
  for (const [member, owned] of assignment) {
    const asked = new Set((requests.get(member) ?? []).map(partitionId));
    for (const tp of owned) {
      const id = partitionId(tp);
      assert.ok(asked.has(id), `${member} got ${id} without asking for it`);
      assert.equal(owner.get(id), undefined, `${id} is assigned to ${owner.get(id)} and to ${member}`);
      owner.set(id, member);
    }
  }
  const wanted = new Set([...requests.values()].flatMap((tps) => tps.map(partitionId)));
  assert.deepEqual([...owner.keys()].sort(), [...wanted].sort(), 'every wanted partition is assigned exactly once');
  return owner;
}

void test('the documented example: two members split two partitions', () => {
  const both = partitions('s', 2);
  const assignment = assignPartitions(
    new Map([
      ['a', both],
      ['b', both],
    ]),
  );
  assert.deepEqual(
    assignment,
    new Map([
      ['a', [{ stream: 's', partition: 0 }]],
      ['b', [{ stream: 's', partition: 1 }]],
    ]),
  );
});

void test('no members, no assignment; a member asking for nothing gets nothing', () => {
  assert.deepEqual(assignPartitions(new Map()), new Map());
  assert.deepEqual(assignPartitions(new Map([['a', []]])), new Map([['a', []]]));
});

void test('a lone member gets everything it asked for, in stream and partition order', () => {
  const asked = [...partitions('b', 2), ...partitions('a', 3)].reverse();
  assert.deepEqual(assignPartitions(new Map([['m', asked]])).get('m'), [...partitions('a', 3), ...partitions('b', 2)]);
});

void test('shares are even: sizes differ by at most one when everyone asks for the same', () => {
  for (const [members, count] of [
    [3, 8],
    [4, 4],
    [5, 3],
    [2, 7],
  ] as const) {
    const wanted = partitions('orders', count);
    const requests = new Map(Array.from({ length: members }, (_, i) => [`m${i}`, wanted] as const));
    const assignment = assignPartitions(requests);
    checkInvariants(requests, assignment);
    const sizes = [...assignment.values()].map((owned) => owned.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${members} members over ${count}: ${sizes.join(',')}`);
  }
});

void test('partitions go only to members that asked for them', () => {
  const requests = new Map<string, TopicPartition[]>([
    ['reader-a', partitions('a', 4)],
    ['reader-b', partitions('b', 2)],
    ['both', [...partitions('a', 4), ...partitions('b', 2)]],
  ]);
  const owner = checkInvariants(requests, assignPartitions(requests));
  for (const [id, member] of owner) {
    if (id.startsWith('a#')) assert.notEqual(member, 'reader-b');
    else assert.notEqual(member, 'reader-a');
  }
});

void test('the answer does not depend on the order members or partitions are given in', () => {
  const wanted = [...partitions('x', 5), ...partitions('y', 3)];
  const forward = assignPartitions(
    new Map([
      ['alice', wanted],
      ['bob', wanted],
      ['carol', wanted.slice(0, 4)],
    ]),
  );
  const backward = assignPartitions(
    new Map([
      ['carol', wanted.slice(0, 4).reverse()],
      ['bob', [...wanted].reverse()],
      ['alice', [...wanted].reverse()],
    ]),
  );
  const normalise = (assignment: Map<string, TopicPartition[]>) => [...assignment.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  assert.deepEqual(normalise(backward), normalise(forward));
});

void test('a partition asked for twice by one member is assigned once', () => {
  const requests = new Map([
    [
      'm',
      [
        { stream: 's', partition: 0 },
        { stream: 's', partition: 0 },
      ],
    ],
  ]);
  assert.deepEqual(assignPartitions(requests).get('m'), [{ stream: 's', partition: 0 }]);
});

void test('the returned partitions are copies, not the requests themselves', () => {
  const tp = { stream: 's', partition: 0 };
  const owned = assignPartitions(new Map([['m', [tp]]])).get('m')!;
  assert.notEqual(owned[0], tp);
  owned[0]!.partition = 9;
  assert.equal(tp.partition, 0);
});

/** A small deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

void test('property: random groups keep every invariant and are deterministic', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const next = random(seed);
    const streams = Array.from({ length: 1 + Math.floor(next() * 3) }, (_, i) => ({ name: `s${i}`, count: 1 + Math.floor(next() * 8) }));
    const all = streams.flatMap((s) => partitions(s.name, s.count));
    const requests = new Map<string, TopicPartition[]>();
    const members = 1 + Math.floor(next() * 6);
    for (let m = 0; m < members; m++)
      requests.set(
        `member-${Math.floor(next() * 1000)}-${m}`,
        all.filter(() => next() < 0.7),
      );
    const assignment = assignPartitions(requests);
    checkInvariants(requests, assignment);
    assert.deepEqual(assignPartitions(new Map([...requests].reverse())), assignment, `seed ${seed}: same input, same answer`);
    // When everyone asks for everything, shares are even.
    const everyone = new Map([...requests.keys()].map((member) => [member, all] as const));
    const sizes = [...assignPartitions(everyone).values()].map((owned) => owned.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `seed ${seed}: ${sizes.join(',')}`);
  }
});

void test('partitionId and comparePartitions order by stream, then partition number', () => {
  assert.equal(partitionId({ stream: 'acme.fruits', partition: 3 }), 'acme.fruits#3');
  const sorted = [
    { stream: 'b', partition: 0 },
    { stream: 'a', partition: 10 },
    { stream: 'a', partition: 2 },
  ].sort(comparePartitions);
  assert.deepEqual(sorted, [
    { stream: 'a', partition: 2 },
    { stream: 'a', partition: 10 },
    { stream: 'b', partition: 0 },
  ]);
  assert.equal(comparePartitions({ stream: 'a', partition: 1 }, { stream: 'a', partition: 1 }), 0);
});

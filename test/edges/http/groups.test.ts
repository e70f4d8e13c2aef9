import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { startSluice, type TestSluice } from '../../helpers/sluice.ts';

type Partition = { stream: string; partition: number };

const ids = (partitions: Partition[]) => partitions.map((p) => p.partition).sort((a, b) => a - b);

async function poll(s: TestSluice, key: string, member: string, extra: Record<string, unknown> = {}): Promise<any> {
  const response = await s.call('POST', '/v1/groups/billing/poll', { token: key, body: { streams: ['acme.jobs'], member, max: 100, ...extra } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.equal(response.body.member, member);
  return response.body;
}

/** Four partitions with two records each (no key: round robin). */
async function setup(s: TestSluice): Promise<string> {
  const key = await s.tenantWithKey('acme');
  assert.equal((await s.call('PUT', '/v1/types/jobs', { token: key, body: { schema: true, partitions: 4 } })).status, 201);
  return key;
}

async function produceJobs(s: TestSluice, key: string, count: number): Promise<void> {
  const response = await s.call('POST', '/v1/events', { token: key, body: Array.from({ length: count }, (_, n) => ({ type: 'jobs', data: { n } })) });
  assert.equal(response.status, 200);
}

void test('two members of a group split the partitions, commit, and the group shows offsets and lag', async (t) => {
  const s = await startSluice(t);
  const key = await setup(s);

  const aAlone = await poll(s, key, 'a');
  assert.deepEqual(ids(aAlone.partitions), [0, 1, 2, 3]);
  const b = await poll(s, key, 'b');
  const a = await poll(s, key, 'a');
  assert.equal(a.generation, b.generation);
  const aOwns = ids(a.partitions);
  const bOwns = ids(b.partitions);
  assert.ok(aOwns.length > 0 && bOwns.length > 0, 'both members have work');
  assert.deepEqual(
    aOwns.filter((p) => bOwns.includes(p)),
    [],
    'no partition is owned twice',
  );
  assert.deepEqual(
    [...aOwns, ...bOwns].sort((x, y) => x - y),
    [0, 1, 2, 3],
    'every partition is owned',
  );

  await produceJobs(s, key, 8);
  const aGot = await poll(s, key, 'a');
  const bGot = await poll(s, key, 'b');
  assert.equal(aGot.items.length, aOwns.length * 2);
  assert.equal(bGot.items.length, bOwns.length * 2);
  assert.ok(aGot.items.every((item: Partition) => aOwns.includes(item.partition)));
  assert.ok(bGot.items.every((item: Partition) => bOwns.includes(item.partition)));
  const all = [...aGot.items, ...bGot.items].map((item: { data: { n: number } }) => item.data.n).sort((x, y) => x - y);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7]);

  // A second poll gives nothing new: positions advanced.
  assert.equal((await poll(s, key, 'a')).items.length, 0);

  // a commits everything it received; b commits one partition half-way.
  const aCommit = await s.call('POST', '/v1/groups/billing/commit', { token: key, body: { member: 'a' } });
  assert.equal(aCommit.status, 200);
  assert.deepEqual(
    aCommit.body.committed.map((c: Partition & { offset: number }) => [c.partition, c.offset]).sort((x: number[], y: number[]) => x[0]! - y[0]!),
    aOwns.map((p) => [p, 2]),
  );
  const bPartition = bOwns[0]!;
  const bCommit = await s.call('POST', '/v1/groups/billing/commit', {
    token: key,
    body: { member: 'b', offsets: [{ stream: 'acme.jobs', partition: bPartition, offset: 1 }] },
  });
  assert.equal(bCommit.status, 200);

  const view = await s.call('GET', '/v1/groups/billing', { token: key });
  assert.equal(view.status, 200);
  assert.equal(view.body.group, 'billing');
  const offsets = new Map(view.body.offsets.map((o: Partition & { offset: number; end: number; lag: number }) => [o.partition, o]));
  assert.equal(offsets.size, aOwns.length + 1);
  for (const p of aOwns) assert.deepEqual(offsets.get(p), { stream: 'acme.jobs', partition: p, offset: 2, end: 2, lag: 0 });
  assert.deepEqual(offsets.get(bPartition), { stream: 'acme.jobs', partition: bPartition, offset: 1, end: 2, lag: 1 });

  const groups = await s.call('GET', '/v1/groups', { token: key });
  assert.deepEqual(groups.body.items, ['billing']);
});

void test('committing a partition the member does not own is refused with 409 not_assigned', async (t) => {
  const s = await startSluice(t);
  const key = await setup(s);
  await poll(s, key, 'a');
  const b = await poll(s, key, 'b');
  const a = await poll(s, key, 'a');
  const aPartition = ids(a.partitions)[0]!;
  const foreign = await s.call('POST', '/v1/groups/billing/commit', {
    token: key,
    body: { member: 'b', offsets: [{ stream: 'acme.jobs', partition: aPartition, offset: 1 }] },
  });
  assert.equal(foreign.status, 409);
  assert.equal(foreign.body.error.code, 'not_assigned');
  assert.deepEqual(foreign.body.error.details, [{ path: `acme.jobs/${aPartition}`, reason: 'not assigned to this member' }]);

  const stranger = await s.call('POST', '/v1/groups/billing/commit', {
    token: key,
    body: { member: 'nobody', offsets: [{ stream: 'acme.jobs', partition: ids(b.partitions)[0]!, offset: 1 }] },
  });
  assert.equal(stranger.status, 409);
  assert.equal(stranger.body.error.code, 'not_assigned');

  // Nothing was stored by the refused commits.
  const view = await s.call('GET', '/v1/groups/billing', { token: key });
  assert.deepEqual(view.body.offsets, []);
});

void test('when a member stops polling, the other takes its partitions and gets its uncommitted records again', async (t) => {
  const s = await startSluice(t, { groups: { sessionTimeoutMs: 1000 } });
  const key = await setup(s);
  await poll(s, key, 'a');
  await poll(s, key, 'b');
  const aOwns = ids((await poll(s, key, 'a')).partitions);
  await produceJobs(s, key, 8);

  const bGot = await poll(s, key, 'b');
  const bOwns = ids(bGot.partitions);
  assert.equal(bOwns.length, 2);
  assert.equal(bGot.items.length, 4);
  // b commits only the first record of its first partition, then goes silent.
  const [committedPartition, silentPartition] = bOwns as [number, number];
  const commit = await s.call('POST', '/v1/groups/billing/commit', {
    token: key,
    body: { member: 'b', offsets: [{ stream: 'acme.jobs', partition: committedPartition, offset: 1 }] },
  });
  assert.equal(commit.status, 200);

  const aFirst = await poll(s, key, 'a');
  assert.equal(aFirst.items.length, 4);
  await s.call('POST', '/v1/groups/billing/commit', { token: key, body: { member: 'a' } });

  // a keeps polling (each poll is a heartbeat) until b's session has expired.
  const redelivered: { partition: number; offset: number; id: string }[] = [];
  let partitions: number[] = aOwns;
  for (let attempt = 0; attempt < 40 && partitions.length < 4; attempt++) {
    const answer = await poll(s, key, 'a', { waitMs: 200 });
    partitions = ids(answer.partitions);
    redelivered.push(...answer.items);
  }
  assert.deepEqual(partitions, [0, 1, 2, 3], 'a owns every partition once b has expired');
  // A records arriving in a later poll (the max is large enough to get them in one).
  if (redelivered.length < 3) redelivered.push(...(await poll(s, key, 'a')).items);

  const got = redelivered.map((item) => [item.partition, item.offset]).sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!);
  const expected = [
    [committedPartition, 1],
    [silentPartition, 0],
    [silentPartition, 1],
  ].sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!);
  assert.deepEqual(got, expected, "b's uncommitted records come again, its committed one does not");
  const bIds = new Map(bGot.items.map((item: { partition: number; offset: number; id: string }) => [`${item.partition}:${item.offset}`, item.id]));
  for (const item of redelivered) assert.equal(item.id, bIds.get(`${item.partition}:${item.offset}`), 'the same record, with the same id');
});

void test('group requests are checked: unknown streams, bad names and bad bodies', async (t) => {
  const s = await startSluice(t);
  const key = await setup(s);
  const unknown = await s.call('POST', '/v1/groups/billing/poll', { token: key, body: { streams: ['acme.nothing'] } });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'not_found');
  const badName = await s.call('POST', '/v1/groups/_billing/poll', { token: key, body: { streams: ['acme.jobs'] } });
  assert.equal(badName.status, 400);
  assert.equal(badName.body.error.code, 'invalid_name');
  // Leaving checks the name as joining does (a subscription's internal group is not a member's to leave).
  const badLeave = await s.call('POST', '/v1/groups/_billing/leave', { token: key, body: { member: 'm1' } });
  assert.equal(badLeave.status, 400);
  assert.equal(badLeave.body.error.code, 'invalid_name');
  const noStreams = await s.call('POST', '/v1/groups/billing/poll', { token: key, body: { streams: [] } });
  assert.equal(noStreams.status, 400);
  assert.equal(noStreams.body.error.code, 'invalid_request');
  const extra = await s.call('POST', '/v1/groups/billing/poll', { token: key, body: { streams: ['acme.jobs'], surprise: 1 } });
  assert.equal(extra.status, 400);
  const missing = await s.call('GET', '/v1/groups/never', { token: key });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'not_found');
  const negative = await s.call('POST', '/v1/groups/billing/commit', {
    token: key,
    body: { member: 'a', offsets: [{ stream: 'acme.jobs', partition: 0, offset: -1 }] },
  });
  assert.equal(negative.status, 400);
});

void test('a member that leaves hands its partitions over at once', async (t) => {
  const s = await startSluice(t);
  const key = await setup(s);
  await poll(s, key, 'a');
  await poll(s, key, 'b');
  assert.equal(ids((await poll(s, key, 'a')).partitions).length, 2);
  const left = await s.call('POST', '/v1/groups/billing/leave', { token: key, body: { member: 'b' } });
  assert.equal(left.status, 204);
  assert.deepEqual(ids((await poll(s, key, 'a')).partitions), [0, 1, 2, 3]);
});

// Regression: the request's own 'close' event fires once a POST body has been read, so the
// poll's abort signal fired at once and waitMs was ignored (polls spun with no wait).
void test('a group poll with waitMs waits for new records instead of answering at once', async (t) => {
  const s = await startSluice(t);
  const key = await setup(s);
  await poll(s, key, 'a');
  let settled = false;
  const waiting = poll(s, key, 'a', { waitMs: 20_000 }).finally(() => (settled = true));
  await sleep(300);
  assert.equal(settled, false, 'the poll is still waiting');
  await produceJobs(s, key, 1);
  const answer = await waiting;
  assert.equal(answer.items.length, 1);
  assert.deepEqual(answer.items[0].data, { n: 0 });
});

void test('a poll whose client went away does not swallow the records produced afterwards', async (t) => {
  const s = await startSluice(t);
  const key = await setup(s);
  await poll(s, key, 'a');
  const controller = new AbortController();
  const abandoned = fetch(`${s.url}/v1/groups/billing/poll`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ streams: ['acme.jobs'], member: 'a', waitMs: 20_000 }),
    signal: controller.signal,
  });
  await sleep(200);
  controller.abort();
  await assert.rejects(abandoned, { name: 'AbortError' });
  await sleep(200);
  await produceJobs(s, key, 4);
  const answer = await poll(s, key, 'a');
  assert.equal(answer.items.length, 4, 'the next poll of the member gets every record');
});

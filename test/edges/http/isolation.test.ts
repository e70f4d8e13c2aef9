import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startSluice, type ApiResponse, type TestSluice } from '../../helpers/sluice.ts';

const schema = { type: 'object', properties: { v: { type: 'integer' } }, required: ['v'] };

interface World {
  s: TestSluice;
  /** Tenant acme's key (every scope): the one trying to get through the wall. */
  a: string;
  /** Tenant globex's key (every scope). */
  b: string;
  bKeyId: string;
}

/** globex has a type `x` with records, a committed consumer group `g` and a dead letter. */
async function world(t: TestContext): Promise<World> {
  const s = await startSluice(t);
  const a = await s.tenantWithKey('acme');
  const b = await s.tenantWithKey('globex');
  assert.equal((await s.call('PUT', '/v1/types/x', { token: b, body: { schema, partitions: 2 } })).status, 201);
  const produced = await s.call('POST', '/v1/events', {
    token: b,
    body: [
      { type: 'x', id: 'b-1', data: { v: 1 } },
      { type: 'x', id: 'b-2', data: { v: 2 } },
      { type: 'x', id: 'b-bad', data: { v: 'no' } },
    ],
  });
  assert.equal(produced.status, 207);
  const polled = await s.call('POST', '/v1/groups/g/poll', { token: b, body: { streams: ['globex.x'], member: 'b-member' } });
  assert.equal(polled.body.items.length, 2);
  assert.equal((await s.call('POST', '/v1/groups/g/commit', { token: b, body: { member: 'b-member' } })).status, 200);
  return { s, a, b, bKeyId: b.split('.')[1]! };
}

/** A foreign name must get exactly the answer a name that does not exist gets. */
function assertSameAsMissing(foreign: ApiResponse, missing: ApiResponse, foreignName: string, missingName: string): void {
  assert.equal(foreign.status, 404);
  assert.equal(foreign.body.error.code, 'not_found');
  assert.equal(foreign.status, missing.status);
  const { message, ...rest } = foreign.body.error as { message: string };
  const { message: missingMessage, ...missingRest } = missing.body.error as { message: string };
  assert.deepEqual(rest, missingRest);
  assert.equal(message.replaceAll(`"${foreignName}"`, `"${missingName}"`), missingMessage);
}

void test("a tenant's stream list never shows another tenant's streams", async (t) => {
  const { s, a } = await world(t);
  const listed = await s.call('GET', '/v1/streams', { token: a });
  assert.equal(listed.status, 200);
  assert.deepEqual(
    listed.body.items.map((stream: { name: string }) => stream.name),
    ['acme._dead'],
  );
  assert.equal(JSON.stringify(listed.body).includes('globex'), false);
  const types = await s.call('GET', '/v1/types', { token: a });
  assert.deepEqual(types.body.items, []);
  const groups = await s.call('GET', '/v1/groups', { token: a });
  assert.deepEqual(groups.body.items, []);
});

void test("reading another tenant's stream answers exactly like a stream that does not exist", async (t) => {
  const { s, a } = await world(t);
  const cases: [string, string][] = [
    ['/v1/streams/globex.x', '/v1/streams/globex.nope'],
    ['/v1/streams/globex.x/events?partition=0', '/v1/streams/globex.nope/events?partition=0'],
    ['/v1/streams/globex.x/events?partition=0&from=earliest&waitMs=100', '/v1/streams/globex.nope/events?partition=0&from=earliest&waitMs=100'],
    ['/v1/streams/globex.x/tail?from=earliest', '/v1/streams/globex.nope/tail?from=earliest'],
    ['/v1/streams/globex._dead/events', '/v1/streams/nobody._dead/events'],
  ];
  for (const [foreignPath, missingPath] of cases) {
    const foreign = await s.call('GET', foreignPath, { token: a });
    const missing = await s.call('GET', missingPath, { token: a });
    const foreignName = /streams\/([^/?]+)/.exec(foreignPath)![1]!;
    const missingName = /streams\/([^/?]+)/.exec(missingPath)![1]!;
    assertSameAsMissing(foreign, missing, foreignName, missingName);
  }
  const tailWithPosition = await s.call('GET', '/v1/streams/globex.x/tail', { token: a, headers: { 'last-event-id': '0:0,1:0' } });
  assert.equal(tailWithPosition.status, 404);
});

void test("a tenant cannot poll, commit or inspect another tenant's consumer group", async (t) => {
  const { s, a, b } = await world(t);
  const before = await s.call('GET', '/v1/groups/g', { token: b });
  assert.equal(before.body.offsets.length, 2);

  const poll = await s.call('POST', '/v1/groups/g/poll', { token: a, body: { streams: ['globex.x'], member: 'b-member' } });
  assert.equal(poll.status, 404);
  assert.equal(poll.body.error.code, 'not_found');

  const commit = await s.call('POST', '/v1/groups/g/commit', {
    token: a,
    body: { member: 'b-member', offsets: [{ stream: 'globex.x', partition: 0, offset: 0 }] },
  });
  assert.equal(commit.status, 409);
  assert.equal(commit.body.error.code, 'not_assigned');
  const commitAll = await s.call('POST', '/v1/groups/g/commit', { token: a, body: { member: 'b-member' } });
  assert.equal(commitAll.status, 200);
  assert.deepEqual(commitAll.body.committed, []);
  const leave = await s.call('POST', '/v1/groups/g/leave', { token: a, body: { member: 'b-member' } });
  assert.equal(leave.status, 204);

  const view = await s.call('GET', '/v1/groups/g', { token: a });
  assert.equal(view.status, 404);
  assert.equal(view.body.error.code, 'not_found');

  // globex's group is untouched: same offsets, and its member still owns its partitions.
  const after = await s.call('GET', '/v1/groups/g', { token: b });
  assert.deepEqual(after.body.offsets, before.body.offsets);
  assert.deepEqual(after.body.members, ['b-member']);
  const stillOwned = await s.call('POST', '/v1/groups/g/commit', {
    token: b,
    body: { member: 'b-member', offsets: [{ stream: 'globex.x', partition: 0, offset: 1 }] },
  });
  assert.equal(stillOwned.status, 200);
});

void test("a tenant cannot see or redrive another tenant's dead letters or types", async (t) => {
  const { s, a, b } = await world(t);
  const dead = await s.call('GET', '/v1/dead-letters?status=all', { token: a });
  assert.equal(dead.status, 200);
  assert.deepEqual(dead.body.items, []);
  const redrive = await s.call('POST', '/v1/dead-letters/redrive', { token: a, body: { offsets: [0] } });
  assert.equal(redrive.status, 404);
  const redriveAll = await s.call('POST', '/v1/dead-letters/redrive', { token: a, body: {} });
  assert.deepEqual(redriveAll.body.results, []);
  const theirs = await s.call('GET', '/v1/dead-letters', { token: b });
  assert.deepEqual(
    theirs.body.items.map((item: { id: string }) => item.id),
    ['b-bad'],
  );

  const type = await s.call('GET', '/v1/types/x', { token: a });
  assertSameAsMissing(type, await s.call('GET', '/v1/types/nope', { token: a }), 'x', 'nope');
  const version = await s.call('GET', '/v1/types/x/versions/1', { token: a });
  assert.equal(version.status, 404);
  const latest = await s.call('GET', '/v1/types/x/versions/latest', { token: a });
  assert.equal(latest.status, 404);
});

void test("a tenant cannot see, create or revoke another tenant's keys", async (t) => {
  const { s, a, b, bKeyId } = await world(t);
  const show = await s.call('GET', '/v1/tenants/globex', { token: a });
  assertSameAsMissing(show, await s.call('GET', '/v1/tenants/nobody', { token: a }), 'globex', 'nobody');
  const create = await s.call('POST', '/v1/tenants/globex/keys', { token: a, body: { scopes: ['consume'] } });
  assertSameAsMissing(create, await s.call('POST', '/v1/tenants/nobody/keys', { token: a, body: { scopes: ['consume'] } }), 'globex', 'nobody');
  const list = await s.call('GET', '/v1/tenants/globex/keys', { token: a });
  assert.equal(list.status, 404);
  // Naming globex's key under acme's own tenant does not work either.
  const revokeViaOwn = await s.call('DELETE', `/v1/tenants/acme/keys/${bKeyId}`, { token: a });
  assert.equal(revokeViaOwn.status, 404);
  const revoke = await s.call('DELETE', `/v1/tenants/globex/keys/${bKeyId}`, { token: a });
  assert.equal(revoke.status, 404);

  assert.equal((await s.call('GET', '/v1/streams', { token: b })).status, 200, "globex's key still works");
  const keys = await s.call('GET', '/v1/tenants/globex/keys');
  assert.deepEqual(
    keys.body.items.map((key: { id: string }) => key.id),
    [bKeyId],
  );
});

void test('events of type "x" from one tenant never land in another tenant\'s "x" stream', async (t) => {
  const { s, a, b } = await world(t);
  const end = async () => (await s.call('GET', '/v1/streams/globex.x', { token: b })).body.endOffsets;
  const before = await end();

  // acme has no type x yet: its event is acme's dead letter, not globex's record.
  const unknown = await s.call('POST', '/v1/events', { token: a, body: { type: 'x', id: 'b-1', data: { v: 1 } } });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.results[0].error.code, 'unknown_type');
  assert.equal(unknown.body.results[0].deadLetter.stream, 'acme._dead');
  assert.deepEqual(await end(), before);

  // With its own type x, acme's events go to acme.x; an id that globex used is not a duplicate here.
  await s.call('PUT', '/v1/types/x', { token: a, body: { schema } });
  const own = await s.call('POST', '/v1/events', {
    token: a,
    body: [
      { type: 'x', id: 'b-1', data: { v: 10 } },
      { type: 'x', data: { v: 11 } },
    ],
  });
  assert.equal(own.status, 200);
  for (const result of own.body.results) {
    assert.equal(result.stream, 'acme.x');
    assert.equal(result.duplicate, undefined);
  }
  assert.deepEqual(await end(), before);

  // Stream-qualified names in the type field do not reach across either.
  const sneaky = await s.call('POST', '/v1/events', {
    token: a,
    body: [
      { type: 'globex.x', data: { v: 1 } },
      { type: '../globex/x', data: { v: 1 } },
    ],
  });
  assert.equal(sneaky.status, 400);
  assert.ok(sneaky.body.results.every((r: { error: { code: string } }) => r.error.code === 'unknown_type'));
  assert.deepEqual(await end(), before);
  const globexRecords = await s.call('GET', '/v1/streams/globex.x/events?partition=0', { token: b });
  const globexRecords1 = await s.call('GET', '/v1/streams/globex.x/events?partition=1', { token: b });
  const values = [...globexRecords.body.items, ...globexRecords1.body.items].map((r: { data: { v: number } }) => r.data.v).sort();
  assert.deepEqual(values, [1, 2]);
});

void test('the admin token manages tenants but cannot produce or read tenant data', async (t) => {
  const { s } = await world(t);
  const produce = await s.call('POST', '/v1/events', { body: { type: 'x', data: { v: 1 } } });
  assert.equal(produce.status, 403);
  assert.equal(produce.body.error.code, 'forbidden');
  const read = await s.call('GET', '/v1/streams/globex.x/events');
  assert.equal(read.status, 403);
  const putType = await s.call('PUT', '/v1/types/x', { body: { schema } });
  assert.equal(putType.status, 403);
  const dead = await s.call('GET', '/v1/dead-letters');
  assert.equal(dead.status, 403);
});

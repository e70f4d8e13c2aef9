import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSluice } from '../../helpers/sluice.ts';

const schema = { type: 'object', required: ['user'], properties: { user: { type: 'string' }, n: { type: 'integer' } } };

void test('a type keeps its stream to its retention: the worker deletes old records; the type shows it; null keeps everything again', async (t) => {
  const s = await startSluice(t, { limits: { retentionCheckMs: 100 } });
  const key = await s.tenantWithKey('acme');
  const created = await s.call('PUT', '/v1/types/clicks', { token: key, body: { schema, partitions: 1, retention: { bytes: 4096 } } });
  assert.equal(created.status, 201);
  assert.deepEqual((await s.call('GET', '/v1/types/clicks', { token: key })).body.retention, { bytes: 4096 });
  const events = Array.from({ length: 200 }, (_, n) => ({ type: 'clicks', data: { user: 'u'.repeat(100), n } }));
  assert.equal((await s.call('POST', '/v1/events', { token: key, body: events })).status, 200);
  let start = 0;
  for (let waited = 0; start === 0 && waited < 5000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    start = (await s.call('GET', '/v1/streams/acme.clicks', { token: key })).body.startOffsets[0] as number;
  }
  assert.ok(start > 150 && start < 200, `old records were deleted (start ${start})`);
  const page = await s.call('GET', '/v1/streams/acme.clicks/events?from=earliest&limit=1000', { token: key });
  assert.equal(page.body.items[0].data.n, start);

  const bad = await s.call('PUT', '/v1/types/clicks', { token: key, body: { schema, retention: { ms: 5 } } });
  assert.equal(bad.status, 400);
  const cleared = await s.call('PUT', '/v1/types/clicks', { token: key, body: { schema, retention: null } });
  assert.equal(cleared.body.changed, true);
  assert.equal((await s.call('GET', '/v1/types/clicks', { token: key })).body.retention, undefined);
});

void test('DELETE /v1/types/{type} refuses while a subscription uses it, then deletes the type and its stream', async (t) => {
  const s = await startSluice(t, { delivery: { allowPrivateNetworks: true } });
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/clicks', { token: key, body: { schema } });
  await s.call('POST', '/v1/events', { token: key, body: { type: 'clicks', data: { user: 'u' } } });
  const hook = await s.call('PUT', '/v1/subscriptions/hook', { token: key, body: { types: ['clicks'], destination: { url: 'http://127.0.0.1:9/x' } } });
  assert.equal(hook.status, 201);
  const refused = await s.call('DELETE', '/v1/types/clicks', { token: key });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'type_in_use');
  assert.deepEqual(refused.body.error.details, [{ path: 'subscription "hook"', reason: 'delete or change it first' }]);

  assert.equal((await s.call('DELETE', '/v1/subscriptions/hook', { token: key })).status, 204);
  const deleted = await s.call('DELETE', '/v1/types/clicks', { token: key });
  assert.deepEqual([deleted.status, deleted.body], [200, { type: 'clicks', stream: 'acme.clicks' }]);
  assert.equal((await s.call('GET', '/v1/types/clicks', { token: key })).status, 404);
  assert.equal((await s.call('GET', '/v1/streams/acme.clicks', { token: key })).status, 404);
  assert.equal((await s.call('DELETE', '/v1/types/clicks', { token: key })).status, 404);
  // The name is free again, with an empty stream.
  assert.equal((await s.call('PUT', '/v1/types/clicks', { token: key, body: { schema, partitions: 2 } })).status, 201);
  assert.deepEqual((await s.call('GET', '/v1/streams/acme.clicks', { token: key })).body.endOffsets, [0, 0]);
});

void test("POST /v1/types/{type}/erase erases one key's events and no other's", async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/clicks', { token: key, body: { schema, partitionKey: '/user', partitions: 1 } });
  await s.call('POST', '/v1/events', {
    token: key,
    body: ['alice', 'bob', 'alice'].map((user, n) => ({ type: 'clicks', data: { user, n } })),
  });
  const erased = await s.call('POST', '/v1/types/clicks/erase', { token: key, body: { key: 'alice' } });
  assert.deepEqual(erased.body, { stream: 'acme.clicks', key: 'alice', erased: 2 });
  const page = await s.call('GET', '/v1/streams/acme.clicks/events?partition=0', { token: key });
  assert.deepEqual(
    page.body.items.map((r: { key: string | null; data: unknown }) => [r.key, r.data]),
    [
      [null, null],
      ['bob', { user: 'bob', n: 1 }],
      [null, null],
    ],
  );
  assert.ok(!JSON.stringify(page.body).includes('alice'));
});

void test('DELETE /v1/tenants/{id} needs ?confirm=<id>, then deletes everything the tenant owns; its keys stop working', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const other = await s.tenantWithKey('globex');
  const acmeSchemaId = (await s.call('PUT', '/v1/types/clicks', { token: key, body: { schema } })).body.schemaId;
  const globexSchemaId = (await s.call('PUT', '/v1/types/clicks', { token: other, body: { schema } })).body.schemaId;
  await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'clicks', data: { user: 'u' } },
      { type: 'clicks', data: { n: 1 } },
    ],
  });

  const unconfirmed = await s.call('DELETE', '/v1/tenants/acme');
  assert.equal(unconfirmed.status, 400);
  assert.equal(unconfirmed.body.error.code, 'confirmation_required');
  assert.equal((await s.call('DELETE', '/v1/tenants/acme?confirm=acme', { token: key })).status, 403, 'admin only');

  const deleted = await s.call('DELETE', '/v1/tenants/acme?confirm=acme');
  assert.equal(deleted.status, 200);
  assert.deepEqual(deleted.body, { tenant: 'acme', deleted: { keys: 1, subscriptions: 0, correlations: 0, sources: 0, types: 1, schemas: 1, streams: 2 } });
  assert.equal((await s.call('GET', '/v1/types', { token: key })).status, 401);
  assert.equal((await s.call('GET', '/v1/tenants/acme')).status, 404);
  assert.deepEqual(
    (await s.sluice.store.log.listStreams('acme.')).map((info) => info.name),
    [],
  );
  // Another tenant is untouched, and the id can be used again.
  assert.equal((await s.call('GET', '/v1/types/clicks', { token: other })).status, 200);
  const again = await s.tenantWithKey('acme');
  assert.deepEqual((await s.call('GET', '/v1/types', { token: again })).body.items, []);
  // The old tenant's schemas went with it: the new one cannot read them by id.
  assert.equal((await s.call('GET', `/registry/schemas/ids/${acmeSchemaId}`, { token: again })).status, 404);
  assert.equal((await s.call('GET', `/registry/schemas/ids/${globexSchemaId}`, { token: other })).status, 200);
});

void test("a type another type's route sends events to is in use; a value in a route that only looks like its name is not", async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  for (const name of ['clicks', 'orders', 'audit']) await s.call('PUT', `/v1/types/${name}`, { token: key, body: { schema } });
  const route = { field: 'kind', map: { clicks: 'audit' }, default: 'orders' };
  assert.equal((await s.call('PUT', '/v1/types/orders/pipeline', { token: key, body: { route } })).status, 200);
  const refused = await s.call('DELETE', '/v1/types/audit', { token: key });
  assert.equal(refused.status, 409);
  assert.deepEqual(refused.body.error.details, [{ path: 'the route of event type "orders"', reason: 'delete or change it first' }]);
  // "clicks" is a value the route matches on, not a type it sends to.
  assert.equal((await s.call('DELETE', '/v1/types/clicks', { token: key })).status, 200);
});

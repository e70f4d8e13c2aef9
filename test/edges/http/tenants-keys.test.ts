import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSluice } from '../../helpers/sluice.ts';

const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };

void test('the admin creates a tenant; a second one with the same id is a conflict', async (t) => {
  const s = await startSluice(t);
  const created = await s.call('POST', '/v1/tenants', { body: { id: 'acme', name: 'Acme Corp' } });
  assert.equal(created.status, 201);
  assert.equal(created.body.id, 'acme');
  assert.equal(created.body.name, 'Acme Corp');
  assert.ok(!Number.isNaN(Date.parse(created.body.createdAt)));

  const again = await s.call('POST', '/v1/tenants', { body: { id: 'acme' } });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'tenant_exists');
  assert.equal(typeof again.body.error.fix, 'string');

  const listed = await s.call('GET', '/v1/tenants');
  assert.equal(listed.status, 200);
  assert.deepEqual(
    listed.body.items.map((tenant: { id: string }) => tenant.id),
    ['acme'],
  );
  const shown = await s.call('GET', '/v1/tenants/acme');
  assert.equal(shown.status, 200);
  assert.equal(shown.body.name, 'Acme Corp');
});

void test('tenant ids that are not slugs are refused with invalid_name', async (t) => {
  const s = await startSluice(t);
  for (const id of ['Acme', '-acme', 'ac.me', 'ac_me', '', 'a'.repeat(64), 'acme/x']) {
    const response = await s.call('POST', '/v1/tenants', { body: { id } });
    assert.equal(response.status, 400, `id ${JSON.stringify(id)}`);
    assert.equal(response.body.error.code, 'invalid_name', `id ${JSON.stringify(id)}`);
  }
  const longest = await s.call('POST', '/v1/tenants', { body: { id: 'a'.repeat(63) } });
  assert.equal(longest.status, 201);
  assert.equal((await s.call('GET', '/v1/tenants')).body.items.length, 1);
});

void test('tenant admin routes need the admin token: 401 without a token, 403 with a tenant key', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');

  const anonymous = await s.call('POST', '/v1/tenants', { token: null, body: { id: 'other' } });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.error.code, 'unauthorized');
  assert.match(anonymous.body.error.message, /no Authorization header/);

  const wrongToken = await s.call('POST', '/v1/tenants', { token: 'not-the-admin-token-at-all', body: { id: 'other' } });
  assert.equal(wrongToken.status, 401);
  assert.match(wrongToken.body.error.message, /not valid: it is mistyped, revoked/);
  const wrongScheme = await s.call('POST', '/v1/tenants', { token: null, headers: { authorization: 'Token abc' }, body: { id: 'other' } });
  assert.match(wrongScheme.body.error.message, /"token" scheme; send `Bearer <key>`/);

  const byKey = await s.call('POST', '/v1/tenants', { token: key, body: { id: 'other' } });
  assert.equal(byKey.status, 403);
  assert.equal(byKey.body.error.code, 'forbidden');

  const listByKey = await s.call('GET', '/v1/tenants', { token: key });
  assert.equal(listByKey.status, 403);

  const tenants = await s.call('GET', '/v1/tenants');
  assert.deepEqual(
    tenants.body.items.map((tenant: { id: string }) => tenant.id),
    ['acme'],
  );
});

void test('a key secret is shown once at creation and never listed', async (t) => {
  const s = await startSluice(t);
  await s.call('POST', '/v1/tenants', { body: { id: 'acme' } });
  const created = await s.call('POST', '/v1/tenants/acme/keys', { body: { scopes: ['produce', 'consume'], description: 'billing service' } });
  assert.equal(created.status, 201);
  assert.match(created.body.id, /^k[0-9a-f]{16}$/);
  assert.equal(typeof created.body.key, 'string');
  assert.ok(created.body.key.startsWith(`sk.${created.body.id}.`));
  assert.ok(created.body.key.length > 40);
  assert.deepEqual(created.body.scopes, ['produce', 'consume']);
  assert.equal(created.body.tenant, 'acme');

  const listed = await s.call('GET', '/v1/tenants/acme/keys');
  assert.equal(listed.status, 200);
  assert.equal(listed.body.items.length, 1);
  const [view] = listed.body.items;
  assert.equal(view.id, created.body.id);
  assert.deepEqual(view.scopes, ['produce', 'consume']);
  assert.equal(view.description, 'billing service');
  assert.equal('key' in view, false);
  assert.equal('hash' in view, false);
  assert.equal('secret' in view, false);
  // The secret appears nowhere in the listing.
  const secret = created.body.key.split('.')[2] as string;
  assert.equal(JSON.stringify(listed.body).includes(secret), false);

  // The key works.
  const streams = await s.call('GET', '/v1/streams', { token: created.body.key });
  assert.equal(streams.status, 200);
});

void test('revoking a key takes effect on the very next request', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const keep = await s.call('POST', '/v1/tenants/acme/keys', { body: { scopes: ['consume'] } });
  const keyId = key.split('.')[1]!;
  assert.equal((await s.call('GET', '/v1/streams', { token: key })).status, 200);

  const revoked = await s.call('DELETE', `/v1/tenants/acme/keys/${keyId}`);
  assert.equal(revoked.status, 204);

  const after = await s.call('GET', '/v1/streams', { token: key });
  assert.equal(after.status, 401);
  assert.equal(after.body.error.code, 'unauthorized');
  assert.match(after.body.error.message, /revoked/);
  const produce = await s.call('POST', '/v1/events', { token: key, body: { type: 'x', data: {} } });
  assert.equal(produce.status, 401);

  // Other keys of the tenant are untouched.
  assert.equal((await s.call('GET', '/v1/streams', { token: keep.body.key })).status, 200);
  const remaining = await s.call('GET', '/v1/tenants/acme/keys');
  assert.deepEqual(
    remaining.body.items.map((item: { id: string }) => item.id),
    [keep.body.id],
  );

  const twice = await s.call('DELETE', `/v1/tenants/acme/keys/${keyId}`);
  assert.equal(twice.status, 404);
  assert.equal(twice.body.error.code, 'not_found');
});

void test('a manage key of the tenant can create and revoke its own keys', async (t) => {
  const s = await startSluice(t);
  const manager = await s.tenantWithKey('acme', ['manage']);
  const created = await s.call('POST', '/v1/tenants/acme/keys', { token: manager, body: { scopes: ['consume'] } });
  assert.equal(created.status, 201);
  const revoked = await s.call('DELETE', `/v1/tenants/acme/keys/${created.body.id as string}`, { token: manager });
  assert.equal(revoked.status, 204);

  const consumer = await s.call('POST', '/v1/tenants/acme/keys', { body: { scopes: ['consume'] } });
  const notManager = await s.call('POST', '/v1/tenants/acme/keys', { token: consumer.body.key, body: { scopes: ['manage'] } });
  assert.equal(notManager.status, 403);
  assert.equal(notManager.body.error.code, 'forbidden');
});

void test('unknown or missing scopes are refused with invalid_scope', async (t) => {
  const s = await startSluice(t);
  await s.call('POST', '/v1/tenants', { body: { id: 'acme' } });
  const unknown = await s.call('POST', '/v1/tenants/acme/keys', { body: { scopes: ['produce', 'admin'] } });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.code, 'invalid_scope');
  const none = await s.call('POST', '/v1/tenants/acme/keys', { body: { scopes: [] } });
  assert.equal(none.status, 400);
  assert.equal(none.body.error.code, 'invalid_scope');
  const missingTenant = await s.call('POST', '/v1/tenants/nobody/keys', { body: { scopes: ['produce'] } });
  assert.equal(missingTenant.status, 404);
  assert.equal((await s.call('GET', '/v1/tenants/acme/keys')).body.items.length, 0);
});

void test('scopes are enforced: produce-only cannot manage types or read, consume-only cannot produce', async (t) => {
  const s = await startSluice(t);
  const manager = await s.tenantWithKey('acme', ['manage']);
  const producer = (await s.call('POST', '/v1/tenants/acme/keys', { body: { scopes: ['produce'] } })).body.key as string;
  const consumer = (await s.call('POST', '/v1/tenants/acme/keys', { body: { scopes: ['consume'] } })).body.key as string;

  const putByProducer = await s.call('PUT', '/v1/types/orders', { token: producer, body: { schema } });
  assert.equal(putByProducer.status, 403);
  assert.equal(putByProducer.body.error.code, 'forbidden');
  const putByConsumer = await s.call('PUT', '/v1/types/orders', { token: consumer, body: { schema } });
  assert.equal(putByConsumer.status, 403);
  assert.equal((await s.call('PUT', '/v1/types/orders', { token: manager, body: { schema } })).status, 201);

  const produceByConsumer = await s.call('POST', '/v1/events', { token: consumer, body: { type: 'orders', data: { name: 'x' } } });
  assert.equal(produceByConsumer.status, 403);
  assert.equal(produceByConsumer.body.error.code, 'forbidden');
  const produceByManager = await s.call('POST', '/v1/events', { token: manager, body: { type: 'orders', data: { name: 'x' } } });
  assert.equal(produceByManager.status, 403);

  const readByProducer = await s.call('GET', '/v1/streams/acme.orders/events', { token: producer });
  assert.equal(readByProducer.status, 403);
  const pollByProducer = await s.call('POST', '/v1/groups/g/poll', { token: producer, body: { streams: ['acme.orders'] } });
  assert.equal(pollByProducer.status, 403);
  const redriveByConsumer = await s.call('POST', '/v1/dead-letters/redrive', { token: consumer, body: {} });
  assert.equal(redriveByConsumer.status, 403);

  // Nothing reached the stream through the refused requests.
  const produced = await s.call('POST', '/v1/events', { token: producer, body: { type: 'orders', data: { name: 'ok' } } });
  assert.equal(produced.status, 200);
  const stream = await s.call('GET', '/v1/streams/acme.orders', { token: consumer });
  assert.equal(
    stream.body.endOffsets.reduce((sum: number, n: number) => sum + n, 0),
    1,
  );
});

/**
 * Deny by default: every route says who may call it (a route that does not stops the server
 * from starting), tenant routes are checked in one place, and only an exact key authenticates.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { checkRouteAccess } from '../../../src/edges/http/auth.ts';
import { startSluice } from '../../helpers/sluice.ts';

void test('a route without access stops the server from starting; Swagger UI pages are public', async () => {
  const app = Fastify();
  app.addHook('onRoute', checkRouteAccess('/docs'));
  app.get('/fine', { config: { access: 'public' } }, () => 'ok');
  app.get('/docs/static/x.js', () => 'ui');
  assert.throws(() => app.get('/forgotten', () => 'oops'), /GET \/forgotten does not say who may call it/);
  await app.close();
});

void test('tenant routes: the admin or a manage key of that tenant; others learn nothing', async (t) => {
  const s = await startSluice(t);
  const manager = await s.tenantWithKey('acme');
  const producer = (await s.call<{ key: string }>('POST', '/v1/tenants/acme/keys', { body: { scopes: ['produce'] } })).body.key;
  const stranger = await s.tenantWithKey('globex');

  for (const [method, path, body] of [
    ['GET', '/v1/tenants/acme', undefined],
    ['GET', '/v1/tenants/acme/keys', undefined],
    ['POST', '/v1/tenants/acme/keys', { scopes: ['consume'] }],
  ] as const) {
    assert.ok((await s.call(method, path, { body })).status < 300, `admin: ${method} ${path}`);
    assert.ok((await s.call(method, path, { token: manager, body })).status < 300, `manager: ${method} ${path}`);
    const weak = await s.call(method, path, { token: producer, body });
    assert.equal(weak.status, 403, `produce key: ${method} ${path}`);
    assert.equal(weak.body.error.code, 'forbidden');
    const other = await s.call(method, path, { token: stranger, body });
    assert.equal(other.status, 404, `another tenant's key: ${method} ${path}`);
    const nobody = await s.call(method, path, { token: null, body });
    assert.equal(nobody.status, 401, `no key: ${method} ${path}`);
  }
  const keys = (await s.call<{ items: { id: string }[] }>('GET', '/v1/tenants/acme/keys')).body.items;
  const revoked = await s.call('DELETE', `/v1/tenants/acme/keys/${keys.at(-1)!.id}`, { token: stranger });
  assert.equal(revoked.status, 404, "another tenant's key cannot revoke");
  assert.equal((await s.call('GET', '/v1/tenants/acme/keys')).body.items.length, keys.length);
});

void test('only an exact key authenticates: extra segments, a changed secret or id are refused', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  assert.equal((await s.call('GET', '/v1/types', { token: key })).status, 200);
  const [prefix, id, secret] = key.split('.');
  for (const token of [
    `${key}.x`,
    `${key}.`,
    `${prefix}.${id}.${secret}.${secret}`,
    `${prefix}.${id}`,
    `${prefix}.${id}.${secret}x`,
    `${prefix}.x${id}.${secret}`,
  ]) {
    const response = await s.call('GET', '/v1/types', { token });
    assert.equal(response.status, 401, token);
    assert.equal(response.body.error.code, 'unauthorized');
  }
  // Basic credentials too: the id and the exact secret.
  const basic = (user: string, password: string): Record<string, string> => ({
    authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
  });
  assert.equal((await s.call('GET', '/v1/types', { token: null, headers: basic(id!, secret!) })).status, 200);
  assert.equal((await s.call('GET', '/v1/types', { token: null, headers: basic(id!, `${secret}.x`) })).status, 401);
});

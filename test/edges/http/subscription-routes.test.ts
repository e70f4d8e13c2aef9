import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { startReceiver } from '../../helpers/receiver.ts';
import { startSluice } from '../../helpers/sluice.ts';

const definition = (url: string) => ({ types: ['orders'], destination: { kind: 'webhook', url } });

void test('subscriptions are managed per tenant; the secret is answered once; other tenants see nothing', async (t) => {
  const s = await startSluice(t, { delivery: { allowPrivateNetworks: true } });
  const acme = await s.tenantWithKey('acme');
  const globex = await s.tenantWithKey('globex');
  assert.equal((await s.call('PUT', '/v1/types/orders', { token: acme, body: { schema: true } })).status, 201);
  const receiver = await startReceiver(t);

  const created = await s.call('PUT', '/v1/subscriptions/hook', { token: acme, body: definition(receiver.url) });
  assert.equal(created.status, 201);
  assert.match(created.body.secret, /^whsec_/);
  assert.equal(created.body.state, 'active');
  const again = await s.call('PUT', '/v1/subscriptions/hook', { token: acme, body: definition(receiver.url) });
  assert.equal(again.status, 200);
  assert.equal(again.body.secret, undefined, 'the secret is not answered again');
  const listed = await s.call('GET', '/v1/subscriptions', { token: acme });
  assert.deepEqual(listed.body.items.map((item: { name: string }) => item.name), ['hook']);
  assert.equal(JSON.stringify(listed.body).includes(created.body.secret), false);

  assert.equal((await s.call('GET', '/v1/subscriptions/hook', { token: globex })).status, 404, 'another tenant cannot see it');
  assert.equal((await s.call('DELETE', '/v1/subscriptions/hook', { token: globex })).status, 404);
  assert.deepEqual((await s.call('GET', '/v1/subscriptions', { token: globex })).body.items, []);
  const readOnly = await s.tenantWithKey('initech', ['produce', 'consume']);
  assert.equal((await s.call('GET', '/v1/subscriptions', { token: readOnly })).status, 403, 'managing subscriptions needs the manage scope');

  assert.equal((await s.call('POST', '/v1/subscriptions/hook/pause', { token: acme })).body.state, 'paused');
  assert.equal((await s.call('POST', '/v1/subscriptions/hook/resume', { token: acme })).body.state, 'active');
  assert.equal((await s.call('DELETE', '/v1/subscriptions/hook', { token: acme })).status, 204);
  const gone = await s.call('GET', '/v1/subscriptions/hook', { token: acme });
  assert.equal(gone.status, 404);
  assert.equal(gone.body.error.code, 'not_found');
});

void test('a typo and a bad URL are named in one invalid_subscription answer; unknown types too', async (t) => {
  const s = await startSluice(t, { delivery: { allowPrivateNetworks: true } });
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: true } });
  const typo = await s.call('PUT', '/v1/subscriptions/hook', { token: key, body: { types: ['orders'], destinaton: { url: 'x' }, delivery: { retrySchedule: ['soon'] } } });
  assert.equal(typo.status, 400);
  assert.equal(typo.body.error.code, 'invalid_subscription');
  const paths = typo.body.error.details.map((d: { path: string }) => d.path);
  for (const path of ['/destinaton', '/destination', '/delivery/retrySchedule/0']) assert.ok(paths.includes(path), `${path} in ${paths.join(', ')}`);
  const badUrl = await s.call('PUT', '/v1/subscriptions/hook', { token: key, body: { types: ['orders'], destination: { url: 'not a url' } } });
  assert.equal(badUrl.body.error.code, 'invalid_subscription');
  assert.deepEqual(badUrl.body.error.details.map((d: { path: string }) => d.path), ['/destination/url']);
  const unknown = await s.call('PUT', '/v1/subscriptions/hook', { token: key, body: { types: ['ordres'], destination: { url: 'https://hooks.example.com/' } } });
  assert.equal(unknown.body.error.code, 'invalid_subscription');
  assert.match(unknown.body.error.message, /no event type "ordres"/);
  const badName = await s.call('PUT', '/v1/subscriptions/Bad%20Name', { token: key, body: definition('https://hooks.example.com/') });
  assert.equal(badName.body.error.code, 'invalid_name');
});

void test('loopback endpoints are refused unless the server allows private networks', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: true } });
  for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://[::1]/hook', 'http://169.254.169.254/latest/meta-data']) {
    const refused = await s.call('PUT', '/v1/subscriptions/hook', { token: key, body: definition(url) });
    assert.equal(refused.status, 400, url);
    assert.equal(refused.body.error.code, 'destination_refused', url);
    assert.match(refused.body.error.fix, /allowPrivateNetworks/);
  }
});

void test('rotating the secret signs with both until the grace period ends', async (t) => {
  const s = await startSluice(t, { delivery: { allowPrivateNetworks: true } });
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: true } });
  const receiver = await startReceiver(t);
  const created = await s.call('PUT', '/v1/subscriptions/hook', { token: key, body: definition(receiver.url) });
  const rotated = await s.call('POST', '/v1/subscriptions/hook/rotate-secret', { token: key, body: { graceSeconds: 3600 } });
  assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
  assert.match(rotated.body.secret, /^whsec_/);
  assert.notEqual(rotated.body.secret, created.body.secret);
  assert.equal(rotated.body.subscription.secrets.length, 2);
  assert.ok(rotated.body.subscription.secrets[1].expiresAt !== undefined, 'the old secret expires');
  await s.call('POST', '/v1/events', { token: key, body: { type: 'orders', data: { n: 1 } } });
  await receiver.until((r) => r.length === 1);
  const request = receiver.requests[0]!;
  assert.equal(String(request.headers['webhook-signature']).split(' ').length, 2);
  for (const secret of [created.body.secret, rotated.body.secret]) new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
});

void test('delivery metrics are on /metrics', async (t) => {
  const s = await startSluice(t, { delivery: { allowPrivateNetworks: true } });
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: true } });
  const receiver = await startReceiver(t);
  await s.call('PUT', '/v1/subscriptions/hook', { token: key, body: definition(receiver.url) });
  await s.call('POST', '/v1/events', { token: key, body: { type: 'orders', data: { n: 1 } } });
  await receiver.until((r) => r.length === 1);
  const metrics = await s.call('GET', '/metrics');
  assert.match(metrics.body, /sluice_deliveries_total\{tenant="acme",subscription="hook",outcome="delivered"\} 1/);
  assert.match(metrics.body, /sluice_delivery_duration_seconds_bucket\{le="[^"]+",tenant="acme",subscription="hook"\}/);
});

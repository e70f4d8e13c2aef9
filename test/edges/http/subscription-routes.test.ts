import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
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

  assert.deepEqual((await s.call('GET', '/v1/subscriptions', { token: acme })).body, { items: [], next: null });
  const unknown = await s.call('GET', '/v1/subscriptions/nothing-here', { token: acme });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'not_found');
  for (const [method, path] of [
    ['DELETE', ''],
    ['POST', '/pause'],
    ['POST', '/resume'],
    ['GET', '/deliveries'],
  ] as const) {
    assert.equal((await s.call(method, `/v1/subscriptions/nothing-here${path}`, { token: acme })).status, 404, `${method} ${path}`);
  }

  const created = await s.call('PUT', '/v1/subscriptions/hook', {
    token: acme,
    body: { ...definition(receiver.url), filter: { data: { n: [{ numeric: ['>', 0] }] } } },
  });
  assert.equal(created.status, 201);
  assert.match(created.body.secret, /^whsec_/);
  assert.equal(created.body.state, 'active');
  assert.equal(created.body.name, 'hook');
  assert.deepEqual(created.body.types, ['orders']);
  assert.deepEqual(created.body.filter, { data: { n: [{ numeric: ['>', 0] }] } });
  assert.equal(created.body.secrets.length, 1);
  assert.equal(created.body.secrets[0].hint.startsWith(created.body.secret.slice(0, 8)), true);
  assert.equal(created.body.secrets[0].hint.length < created.body.secret.length, true);

  const shown = await s.call('GET', '/v1/subscriptions/hook', { token: acme });
  assert.equal(shown.status, 200);
  assert.equal(shown.body.secret, undefined, 'GET never answers the secret');
  assert.equal(JSON.stringify(shown.body).includes(created.body.secret), false);
  assert.deepEqual(
    shown.body.partitions.map((p: { stream: string; partition: number; lag: number }) => [p.stream, p.partition, p.lag]),
    [0, 1, 2, 3].map((partition) => ['acme.orders', partition, 0]),
  );
  assert.ok(Array.isArray(shown.body.deliveringHere));
  const direct = JSON.parse(JSON.stringify(await s.sluice.services.subscriptions.get('acme', 'hook')));
  assert.deepEqual({ ...shown.body, deliveringHere: [] }, { ...direct, deliveringHere: [] }, 'the answer is what the service returns');

  const again = await s.call('PUT', '/v1/subscriptions/hook', {
    token: acme,
    body: { ...definition(receiver.url), filter: { data: { n: [{ numeric: ['>', 0] }] } } },
  });
  assert.equal(again.status, 200);
  assert.equal(again.body.secret, undefined, 'the secret is not answered again');
  assert.equal(again.body.updatedAt, created.body.updatedAt, 'the same definition changes nothing');
  const changed = await s.call('PUT', '/v1/subscriptions/hook', { token: acme, body: { ...definition(receiver.url), delivery: { batchSize: 5 } } });
  assert.equal(changed.status, 200);
  assert.equal(changed.body.secret, undefined, 'replacing the definition keeps the secret');
  assert.equal(changed.body.delivery.batchSize, 5);
  assert.equal(changed.body.filter, undefined);

  const listed = await s.call('GET', '/v1/subscriptions', { token: acme });
  assert.deepEqual(
    listed.body.items.map((item: { name: string }) => item.name),
    ['hook'],
  );
  assert.equal(listed.body.next, null);
  assert.equal(JSON.stringify(listed.body).includes(created.body.secret), false);
  // The response schemas describe the answer; they must not drop anything the service returns.
  assert.deepEqual(listed.body.items, JSON.parse(JSON.stringify(s.sluice.services.subscriptions.list('acme'))));

  const other = await s.call('GET', '/v1/subscriptions/hook', { token: globex });
  assert.equal(other.status, 404, 'another tenant cannot see it');
  assert.equal(other.body.error.code, 'not_found');
  for (const [method, path] of [
    ['DELETE', ''],
    ['POST', '/pause'],
    ['POST', '/rotate-secret'],
    ['GET', '/deliveries'],
  ] as const) {
    const answer = await s.call(method, `/v1/subscriptions/hook${path}`, { token: globex, body: method === 'POST' ? {} : undefined });
    assert.equal(answer.body?.error?.code, 'not_found', `another tenant: ${method} ${path}`);
  }
  assert.deepEqual((await s.call('GET', '/v1/subscriptions', { token: globex })).body.items, []);
  const readOnly = await s.tenantWithKey('initech', ['produce', 'consume']);
  assert.equal((await s.call('GET', '/v1/subscriptions', { token: readOnly })).status, 403, 'managing subscriptions needs the manage scope');

  const paused = await s.call('POST', '/v1/subscriptions/hook/pause', { token: acme });
  assert.equal(paused.status, 200);
  assert.equal(paused.body.state, 'paused');
  assert.equal((await s.call('GET', '/v1/subscriptions/hook', { token: acme })).body.state, 'paused');
  assert.equal((await s.call('POST', '/v1/subscriptions/hook/pause', { token: acme })).body.state, 'paused', 'pausing twice is fine');
  assert.equal((await s.call('POST', '/v1/subscriptions/hook/resume', { token: acme })).body.state, 'active');
  assert.equal((await s.call('GET', '/v1/subscriptions/hook', { token: acme })).body.state, 'active');

  const replayed = await s.call('POST', '/v1/subscriptions/hook/replay', { token: acme, body: { from: 'earliest' } });
  assert.equal(replayed.status, 200);
  assert.equal(replayed.body.partitions.length, 4);
  const badFrom = await s.call('POST', '/v1/subscriptions/hook/replay', { token: acme, body: { from: 'yesterday' } });
  assert.equal(badFrom.status, 400);
  assert.equal((await s.call('POST', '/v1/subscriptions/hook/replay', { token: acme })).body.error.details[0].path, '/from', 'a missing from is named');

  const deliveries = await s.call('GET', '/v1/subscriptions/hook/deliveries?limit=5', { token: acme });
  assert.equal(deliveries.status, 200);
  assert.ok(Array.isArray(deliveries.body.items));
  for (const limit of ['0', '201', 'ten']) {
    const bad = await s.call('GET', `/v1/subscriptions/hook/deliveries?limit=${limit}`, { token: acme });
    assert.equal(bad.status, 400, `limit=${limit}`);
    assert.equal(bad.body.error.code, 'invalid_request');
  }

  assert.equal((await s.call('DELETE', '/v1/subscriptions/hook', { token: acme })).status, 204);
  const gone = await s.call('GET', '/v1/subscriptions/hook', { token: acme });
  assert.equal(gone.status, 404);
  assert.equal(gone.body.error.code, 'not_found');
  assert.deepEqual((await s.call('GET', '/v1/subscriptions', { token: acme })).body.items, []);
});

void test('the body is checked by the service alone: nothing is coerced, every problem is named', async (t) => {
  const s = await startSluice(t, { delivery: { allowPrivateNetworks: true } });
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: true } });
  // Fastify's coerceTypes would turn "orders" into ["orders"] and 5 into "5" if the schema typed them.
  const loose = await s.call('PUT', '/v1/subscriptions/hook', {
    token: key,
    body: { types: 'orders', start: 5, filter: [], secret: 12, destination: { url: 'https://hooks.example.com/' } },
  });
  assert.equal(loose.status, 400);
  assert.equal(loose.body.error.code, 'invalid_subscription');
  assert.deepEqual(loose.body.error.details.map((d: { path: string }) => d.path).sort(), ['/filter', '/secret', '/start', '/types']);
  const notObject = await s.call('PUT', '/v1/subscriptions/hook', { token: key, body: ['orders'] });
  assert.equal(notObject.status, 400);
  assert.equal((await s.call('GET', '/v1/subscriptions/hook', { token: key })).status, 404, 'nothing was created');
});

void test('a typo and a bad URL are named in one invalid_subscription answer; unknown types too', async (t) => {
  const s = await startSluice(t, { delivery: { allowPrivateNetworks: true } });
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: true } });
  const typo = await s.call('PUT', '/v1/subscriptions/hook', {
    token: key,
    body: { types: ['orders'], destinaton: { url: 'x' }, delivery: { retrySchedule: ['soon'] } },
  });
  assert.equal(typo.status, 400);
  assert.equal(typo.body.error.code, 'invalid_subscription');
  const paths = typo.body.error.details.map((d: { path: string }) => d.path);
  for (const path of ['/destinaton', '/destination', '/delivery/retrySchedule/0']) assert.ok(paths.includes(path), `${path} in ${paths.join(', ')}`);
  const badUrl = await s.call('PUT', '/v1/subscriptions/hook', { token: key, body: { types: ['orders'], destination: { url: 'not a url' } } });
  assert.equal(badUrl.body.error.code, 'invalid_subscription');
  assert.deepEqual(
    badUrl.body.error.details.map((d: { path: string }) => d.path),
    ['/destination/url'],
  );
  const unknown = await s.call('PUT', '/v1/subscriptions/hook', {
    token: key,
    body: { types: ['ordres'], destination: { url: 'https://hooks.example.com/' } },
  });
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

void test('rotating the secret answers the new one once; GET shows both hints, the old one with its expiry; both sign', async (t) => {
  const s = await startSluice(t, { delivery: { allowPrivateNetworks: true } });
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: true } });
  const receiver = await startReceiver(t);
  const created = await s.call('PUT', '/v1/subscriptions/hook', { token: key, body: definition(receiver.url) });
  const before = Date.now();
  const rotated = await s.call('POST', '/v1/subscriptions/hook/rotate-secret', { token: key, body: { graceSeconds: 3600 } });
  assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
  assert.match(rotated.body.secret, /^whsec_/);
  assert.notEqual(rotated.body.secret, created.body.secret);
  assert.equal(rotated.body.subscription.secrets.length, 2);
  assert.equal(rotated.body.subscription.secret, undefined);

  const shown = await s.call('GET', '/v1/subscriptions/hook', { token: key });
  assert.equal(shown.body.secret, undefined);
  for (const secret of [created.body.secret, rotated.body.secret])
    assert.equal(JSON.stringify(shown.body).includes(secret), false, 'GET shows hints, never secrets');
  const [current, old] = shown.body.secrets;
  assert.equal(shown.body.secrets.length, 2);
  assert.ok(rotated.body.secret.startsWith(current.hint.replace('…', '')), 'the current secret comes first');
  assert.equal(current.expiresAt, undefined);
  assert.ok(created.body.secret.startsWith(old.hint.replace('…', '')));
  const expires = Date.parse(old.expiresAt);
  assert.ok(expires >= before + 3_600_000 - 1000 && expires <= Date.now() + 3_600_000 + 1000, `expiresAt ${old.expiresAt} is an hour away`);

  await s.call('POST', '/v1/events', { token: key, body: { type: 'orders', data: { n: 1 } } });
  await receiver.until((r) => r.length === 1);
  const request = receiver.requests[0]!;
  assert.equal(String(request.headers['webhook-signature']).split(' ').length, 2);
  for (const secret of [created.body.secret, rotated.body.secret]) new Webhook(secret).verify(request.body, request.headers as Record<string, string>);

  const given = `whsec_${randomBytes(32).toString('base64')}`;
  const chosen = await s.call('POST', '/v1/subscriptions/hook/rotate-secret', { token: key, body: { secret: given } });
  assert.equal(chosen.body.secret, given, 'a given secret is used as is');
  const noBody = await s.call('POST', '/v1/subscriptions/hook/rotate-secret', { token: key });
  assert.equal(noBody.status, 200, 'every field is optional, so is the body');
  const typo = await s.call('POST', '/v1/subscriptions/hook/rotate-secret', { token: key, body: { grace: 60 } });
  assert.equal(typo.status, 400);
  assert.deepEqual(
    typo.body.error.details.map((d: { path: string }) => d.path),
    ['/grace'],
  );
  const tooLong = await s.call('POST', '/v1/subscriptions/hook/rotate-secret', { token: key, body: { graceSeconds: 604_801 } });
  assert.equal(tooLong.status, 400);
  const badSecret = await s.call('POST', '/v1/subscriptions/hook/rotate-secret', { token: key, body: { secret: 'whsec_short' } });
  assert.equal(badSecret.status, 400);
  assert.deepEqual(
    badSecret.body.error.details.map((d: { path: string }) => d.path),
    ['/secret'],
  );
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

void test('rotate-secret on an unknown name is not_found whatever the body; replay takes an offset as text too', async (t) => {
  const s = await startSluice(t, { delivery: { allowPrivateNetworks: true } });
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: true } });
  const missing = await s.call('POST', '/v1/subscriptions/nope/rotate-secret', { token: key, body: { secret: 'bad' } });
  assert.equal(missing.body.error.code, 'not_found');
  const receiver = await startReceiver(t);
  await s.call('PUT', '/v1/subscriptions/hook', { token: key, body: { ...definition(receiver.url), start: 'earliest' } });
  await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'orders', key: 'a', data: { n: 0 } },
      { type: 'orders', key: 'a', data: { n: 1 } },
    ],
  });
  await receiver.until((r) => r.length === 2);
  const replay = await s.call('POST', '/v1/subscriptions/hook/replay', { token: key, body: { from: '1' } });
  assert.equal(replay.status, 200, JSON.stringify(replay.body));
  await receiver.until((r) => r.length === 3);
  assert.equal((JSON.parse(receiver.requests[2]!.body) as { data: { n: number } }).data.n, 1, 'the replay started at offset 1');
});

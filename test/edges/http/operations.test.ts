import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSluice } from '../../helpers/sluice.ts';

void test('/healthz and /readyz answer 200 without a token', async (t) => {
  const s = await startSluice(t);
  const health = await s.call('GET', '/healthz', { token: null });
  assert.equal(health.status, 200);
  assert.deepEqual(health.body, { status: 'ok' });
  const ready = await s.call('GET', '/readyz', { token: null });
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body, { status: 'ready' });
});

void test('/metrics counts accepted and rejected events by tenant and type', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: { type: 'object', required: ['name'] } } });
  await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'fruits', data: { name: 'a' } },
      { type: 'fruits', data: { name: 'b' } },
      { type: 'fruits', data: { name: 'c' } },
      { type: 'fruits', data: {} },
    ],
  });
  const metrics = await s.call('GET', '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
  const text = metrics.body as string;
  assert.match(text, /^sluice_events_accepted_total\{tenant="acme",type="fruits"\} 3$/m);
  assert.match(text, /^sluice_events_rejected_total\{tenant="acme",type="fruits",code="schema_validation_failed"\} 1$/m);
  assert.match(text, /^sluice_events_dead_lettered_total\{tenant="acme",type="fruits"\} 1$/m);
  assert.match(text, /^sluice_http_request_duration_seconds_count\{method="POST",route="\/v1\/events",status="207"\} 1$/m);
  assert.match(text, /^sluice_process_cpu_seconds_total/m);
  assert.doesNotMatch(text, /sluice_process_process_/, 'process metrics are not named twice');
});

// The series carry tenant and type names; tenants must not learn each other's (DESIGN: tenants are walls).
void test('/metrics needs the admin token: tenant names are not public', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/secret-project', { token: key, body: { schema: true } });
  await s.call('POST', '/v1/events', { token: key, body: { type: 'secret-project', data: 1 } });
  const anonymous = await s.call('GET', '/metrics', { token: null });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.error.code, 'unauthorized');
  const tenantKey = await s.call('GET', '/metrics', { token: key });
  assert.equal(tenantKey.status, 403);
  assert.equal(JSON.stringify(tenantKey.body).includes('secret-project'), false);
});

void test('/openapi.json describes the API as OpenAPI 3.1', async (t) => {
  const s = await startSluice(t);
  const spec = await s.call('GET', '/openapi.json', { token: null });
  assert.equal(spec.status, 200);
  assert.equal(spec.body.openapi, '3.1.0');
  assert.equal(spec.body.info.title, 'Sluice');
  assert.ok(spec.body.paths['/v1/events'].post, 'POST /v1/events');
  assert.ok(spec.body.paths['/v1/streams/{stream}/events'].get, 'GET /v1/streams/{stream}/events');
  assert.ok(spec.body.paths['/v1/types/{type}'].put, 'PUT /v1/types/{type}');
  assert.ok(spec.body.paths['/v1/groups/{group}/poll'].post, 'POST /v1/groups/{group}/poll');
  assert.ok(spec.body.paths['/v1/dead-letters/redrive'].post, 'POST /v1/dead-letters/redrive');
  assert.equal(spec.body.paths['/openapi.json'], undefined, 'the spec does not list itself');
  assert.deepEqual(spec.body.components.securitySchemes.key, { type: 'http', scheme: 'bearer' });
});

void test('/docs answers an HTML page', async (t) => {
  const s = await startSluice(t);
  const response = await fetch(`${s.url}/docs`, { redirect: 'follow' });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  const html = await response.text();
  assert.match(html, /<html/i);
  assert.match(html, /swagger/i);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSluice } from '../../helpers/sluice.ts';

async function signIn(url: string, token: string): Promise<{ cookie: string; csrf: string; setCookie: string; body: any }> {
  const response = await fetch(`${url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  assert.equal(response.status, 201);
  const setCookie = response.headers.get('set-cookie') ?? '';
  const body = (await response.json()) as { csrf: string };
  return { cookie: setCookie.split(';')[0]!, csrf: body.csrf, setCookie, body };
}

void test('a key signs in for an HttpOnly, SameSite=Strict session cookie that acts as the key; writes need the CSRF token', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/clicks', { token: key, body: { schema: { type: 'object' } } });
  const session = await signIn(s.url, key);
  assert.match(session.setCookie, /^sluice_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
  assert.deepEqual(session.body.principal.tenant, 'acme');

  const withCookie = (method: string, path: string, body?: unknown, csrf?: string): Promise<Response> => {
    const headers: Record<string, string> = { cookie: session.cookie };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (csrf !== undefined) headers['x-csrf-token'] = csrf;
    return fetch(`${s.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  };
  assert.equal((await withCookie('GET', '/v1/types')).status, 200, 'reads need no CSRF token');
  const me = (await (await withCookie('GET', '/v1/session')).json()) as { csrf: string; principal: { scopes: string[] } };
  assert.equal(me.csrf, session.csrf);
  const noToken = await withCookie('POST', '/v1/events', { type: 'clicks', data: {} });
  assert.equal(noToken.status, 403);
  assert.equal(((await noToken.json()) as { error: { code: string } }).error.code, 'csrf_failed');
  assert.equal((await withCookie('POST', '/v1/events', { type: 'clicks', data: {} }, 'wrong')).status, 403);
  assert.equal((await withCookie('POST', '/v1/events', { type: 'clicks', data: {} }, session.csrf)).status, 200);

  // The session is the key: another tenant's data stays out of reach.
  await s.tenantWithKey('globex');
  assert.equal((await withCookie('GET', '/v1/tenants/globex/keys')).status, 404);
  assert.equal((await withCookie('GET', '/v1/tenants')).status, 403);

  // Signing out ends it at once.
  assert.equal((await withCookie('DELETE', '/v1/session', undefined, session.csrf)).status, 204);
  const after = await withCookie('GET', '/v1/types');
  assert.equal(after.status, 401);
  assert.match(((await after.json()) as { error: { message: string } }).error.message, /session ended/);
});

void test('revoking the key ends its sessions; a bad token gets no session; the admin token signs in as admin', async (t) => {
  const s = await startSluice(t);
  await s.tenantWithKey('acme');
  const created = await s.call('POST', '/v1/tenants/acme/keys', { body: { scopes: ['consume'] } });
  const session = await signIn(s.url, created.body.key as string);
  const read = (): Promise<Response> => fetch(`${s.url}/v1/types`, { headers: { cookie: session.cookie } });
  assert.equal((await read()).status, 200);
  assert.equal((await s.call('DELETE', `/v1/tenants/acme/keys/${String(created.body.id)}`)).status, 204);
  assert.equal((await read()).status, 401);

  const bad = await fetch(`${s.url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: 'sk.nope.nope' }),
  });
  assert.equal(bad.status, 401);
  assert.equal(bad.headers.get('set-cookie'), null);

  const { adminToken } = await import('../../helpers/sluice.ts');
  const admin = await signIn(s.url, adminToken);
  assert.deepEqual(admin.body.principal, { kind: 'admin' });
  assert.equal((await fetch(`${s.url}/v1/tenants`, { headers: { cookie: admin.cookie } })).status, 200);
});

void test('an expired session is refused', async (t) => {
  const s = await startSluice(t, { console: { sessionTtlMs: 60_000 } });
  const key = await s.tenantWithKey('acme');
  const opened = await s.sluice.services.sessions.open(key, Date.now() - 61_000);
  const response = await fetch(`${s.url}/v1/types`, { headers: { cookie: `sluice_session=${opened.id}` } });
  assert.equal(response.status, 401);
});

void test('signing out ends a live tail the session opened, within a second', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/clicks', { token: key, body: { schema: { type: 'object' } } });
  const session = await signIn(s.url, key);
  const tail = await fetch(`${s.url}/v1/streams/acme.clicks/tail`, { headers: { cookie: session.cookie } });
  assert.equal(tail.status, 200);
  const reader = tail.body!.getReader();
  await reader.read(); // the stream's opening lines
  const signedOut = Date.now();
  const out = await fetch(`${s.url}/v1/session`, { method: 'DELETE', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
  assert.equal(out.status, 204);
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  assert.ok(Date.now() - signedOut < 1000, `ended after ${Date.now() - signedOut} ms`);
  assert.match(text, /event: error/);
});

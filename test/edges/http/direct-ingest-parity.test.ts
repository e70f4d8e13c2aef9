/**
 * `POST /v1/events` answers the same whichever path a request takes: over the socket, a
 * request with a produce key and a body of declared length is answered by direct-ingest.ts;
 * through `app.inject` it reaches Fastify's route. Each request is sent both ways to one real
 * Sluice, and the answers compared with generated ids and positions blanked out.
 */
import assert from 'node:assert/strict';
import { tracingChannel } from 'node:diagnostics_channel';
import { test } from 'node:test';
import { startSluice, type TestSluice } from '../../helpers/sluice.ts';

interface Sent {
  label: string;
  body: string | Buffer;
  /** Left to Fastify on the socket too: a Content-Type Sluice's ingest does not read. */
  leftToFastify?: boolean;
  /** `null`: no Content-Type header at all. */
  contentType?: string | null;
  headers?: Record<string, string>;
}

interface Answer {
  status: number;
  contentType: string | undefined;
  retryAfter: string | undefined;
  body: unknown;
}

const fruitSchema = { type: 'object', properties: { name: { type: 'string' }, seq: { type: 'integer' } }, required: ['name'] };

/** Ids the server made, partitions chosen in turn and offsets differ between the two sends. */
function blankPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(blankPositions);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([field, inner]) => {
      if (field === 'offset' || field === 'partition') return [field, typeof inner];
      if (field === 'id' && typeof inner === 'string' && /^[0-9a-f-]{36}$/.test(inner)) return [field, 'generated'];
      if (field === 'id' && typeof inner === 'string') return [field, inner.replace(/-(direct|fastify)$/, '-<path>')];
      return [field, blankPositions(inner)];
    }),
  );
}

function headersOf(key: string, sent: Sent): Record<string, string> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, ...sent.headers };
  if (sent.contentType !== null) headers['content-type'] = sent.contentType ?? 'application/json';
  return headers;
}

async function direct(s: TestSluice, key: string, sent: Sent): Promise<Answer> {
  const response = await fetch(`${s.url}/v1/events`, {
    method: 'POST',
    headers: headersOf(key, sent),
    // Bytes, so that fetch adds no Content-Type of its own.
    body: Buffer.from(sent.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? undefined,
    retryAfter: response.headers.get('retry-after') ?? undefined,
    body: blankPositions(JSON.parse(text)),
  };
}

async function throughFastify(s: TestSluice, key: string, sent: Sent): Promise<Answer> {
  const response = await s.sluice.app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: headersOf(key, sent),
    payload: Buffer.from(sent.body),
  });
  const header = (name: string): string | undefined => {
    const value = response.headers[name];
    return value === undefined ? undefined : String(value);
  };
  return { status: response.statusCode, contentType: header('content-type'), retryAfter: header('retry-after'), body: blankPositions(response.json()) };
}

/** Counts the requests that reached Fastify's route handler for `/v1/events`. */
function countFastifyIngests(t: { after(fn: () => void): void }): { count: number } {
  const seen = { count: 0 };
  const handlers = {
    start: (message: unknown) => {
      const { request } = message as { request?: { url?: string } };
      if (request?.url === '/v1/events') seen.count++;
    },
    end: () => {},
    asyncStart: () => {},
    asyncEnd: () => {},
    error: () => {},
  };
  const channel = tracingChannel('fastify.request.handler');
  channel.subscribe(handlers);
  t.after(() => channel.unsubscribe(handlers));
  return seen;
}

const event = (data: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ type: 'fruits', data, ...extra });

void test('every kind of ingest request gets the same answer directly as through Fastify', async (t) => {
  const s = await startSluice(t, { limits: { maxEventsPerRequest: 5 } });
  const key = await s.tenantWithKey('acme');
  assert.equal((await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: fruitSchema } })).status, 201);
  // CloudEvents carry ids: each path sends its own, or the second send would be a duplicate.
  const cases = (path: string): Sent[] => [
    { label: 'one event', body: JSON.stringify(event({ name: 'apple' })) },
    { label: 'an array', body: JSON.stringify([event({ name: 'a' }), event({ name: 'b' }, { key: 'k1' }), event({ name: 'c' }, { subject: 's' })]) },
    { label: 'some invalid', body: JSON.stringify([event({ name: 'a' }), event({ seq: 1 })]) },
    { label: 'all invalid', body: JSON.stringify([event({ seq: 'x' }), { type: 'nope', data: {} }]) },
    { label: 'malformed JSON', body: '[{"type":"fruits",' },
    { label: 'an empty array', body: '[]' },
    { label: 'white space only', body: '   ' },
    { label: 'too many events', body: JSON.stringify(Array.from({ length: 6 }, (_, i) => event({ name: `f${i}` }))) },
    { label: 'no content type', body: JSON.stringify(event({ name: 'plain' })), contentType: null },
    { label: 'an empty content type', body: JSON.stringify(event({ name: 'e' })), contentType: '', leftToFastify: true },
    { label: 'parameters without a media type', body: JSON.stringify(event({ name: 'e' })), contentType: '; charset=utf-8', leftToFastify: true },
    { label: 'a content type with parameters', body: JSON.stringify(event({ name: 'p' })), contentType: 'Application/JSON; charset=utf-8' },
    { label: 'an unsupported media type', body: 'name=apple', contentType: 'text/plain', leftToFastify: true },
    { label: 'NDJSON', body: `${JSON.stringify(event({ name: 'a' }))}\n${JSON.stringify(event({ name: 'b' }))}\n`, contentType: 'application/x-ndjson' },
    {
      label: 'a CloudEvents batch',
      body: JSON.stringify([{ specversion: '1.0', id: `ce-1-${path}`, source: '/shop', type: 'fruits', data: { name: 'a' } }]),
      contentType: 'application/cloudevents-batch+json',
    },
    {
      label: 'a binary CloudEvent',
      body: JSON.stringify({ name: 'a' }),
      headers: { 'ce-specversion': '1.0', 'ce-id': `ce-2-${path}`, 'ce-source': '/shop', 'ce-type': 'fruits' },
    },
    { label: 'an inexact number', body: JSON.stringify(event({ name: 'a' })).replace('}}', ',"seq":9007199254740993}}') },
    { label: 'a forbidden key', body: '{"type":"fruits","data":{"name":"a","__proto__":{"x":1}}}' },
    { label: 'invalid UTF-8', body: Buffer.from([0x5b, 0xff, 0x5d]) },
    { label: 'a body large enough for the ingest thread', body: JSON.stringify(Array.from({ length: 5 }, (_, i) => event({ name: `${i}`.repeat(2000) }))) },
    {
      label: 'the same, one event invalid',
      body: JSON.stringify(Array.from({ length: 5 }, (_, i) => event({ name: `${i}`.repeat(2000), seq: i === 3 ? 'x' : i }))),
    },
  ];
  const fastify = countFastifyIngests(t);
  const [directCases, fastifyCases] = [cases('direct'), cases('fastify')];
  for (const [index, sent] of directCases.entries()) {
    const before = fastify.count;
    const viaSocket = await direct(s, key, sent);
    if (sent.leftToFastify !== true) assert.equal(fastify.count, before, `${sent.label}: answered without Fastify's route`);
    const viaFastify = await throughFastify(s, key, fastifyCases[index]!);
    assert.deepEqual(viaSocket, viaFastify, sent.label);
  }
  assert.ok(fastify.count >= directCases.length - 3, 'the injected requests reached the route');

  // A producer id seen before is answered as a duplicate either way.
  for (const id of ['dup-direct', 'dup-fastify']) {
    const sent = { label: id, body: JSON.stringify(event({ name: 'a' }, { id })) };
    const first = id === 'dup-direct' ? await direct(s, key, sent) : await throughFastify(s, key, sent);
    assert.equal(first.status, 200);
  }
  const again = (id: string): Sent => ({ label: id, body: JSON.stringify(event({ name: 'a' }, { id })) });
  assert.deepEqual(await direct(s, key, again('dup-fastify')), await throughFastify(s, key, again('dup-direct')));
});

void test('a tenant over its request rate is refused the same way on both paths', async (t) => {
  const s = await startSluice(t, { limits: { tenantRequestsPerSecond: 1 } });
  const key = await s.tenantWithKey('acme');
  assert.equal((await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: fruitSchema } })).status, 201);
  const sent = { label: 'one event', body: JSON.stringify(event({ name: 'apple' })) };
  assert.equal((await direct(s, key, sent)).status, 200);
  const refused = await direct(s, key, sent);
  assert.equal(refused.status, 429);
  assert.equal(refused.retryAfter, '1');
  assert.deepEqual(refused, await throughFastify(s, key, sent));
});

/**
 * `answerIngestDirectly` on a plain node:http server on loopback: which requests it answers
 * itself, which it leaves to the framework's handler (here one that answers 299), and how it
 * answers.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { SluiceError } from '../../../src/domain/errors.ts';
import { answerIngestDirectly, type DirectIngestDependencies } from '../../../src/edges/http/direct-ingest.ts';
import { TenantRateLimiter } from '../../../src/edges/http/rate-limit.ts';
import { type AnswerCounts, IngestAnswer } from '../../../src/services/ingest-answer.ts';
import type { IngestOutcome } from '../../../src/services/ingest.ts';
import type { Principal } from '../../../src/services/tenants.ts';

const principals = new Map<string, Principal>([
  ['producer', { kind: 'key', tenant: 'acme', keyId: 'k1', scopes: ['produce'] }],
  ['reader', { kind: 'key', tenant: 'acme', keyId: 'k2', scopes: ['consume', 'manage'] }],
  ['admin-token', { kind: 'admin' }],
]);

/** An outcome of one stored event, with the counts given (the status follows the counts alone). */
function outcomeCounting(counts: Partial<AnswerCounts> = {}): IngestOutcome {
  return new IngestAnswer(
    { accepted: 1, duplicates: 0, rejected: 0, filtered: 0, ...counts },
    [{ kind: 'accepted', id: 'e1', type: 'orders', streams: ['acme.orders'], first: 0 }],
    [{ partition: 0, offset: 7, duplicate: false }],
    'acme._dead',
  );
}

const accepted = outcomeCounting();

interface Harness {
  url: URL;
  server: Server;
  stop: () => void;
  /** Requests the framework's handler received, by method and URL. */
  delegated: string[];
  ingested: { tenant: string; body: string; headers: IncomingHttpHeaders }[];
  observed: [string, string, number][];
  logged: unknown[];
  deps: DirectIngestDependencies;
}

async function serve(t: TestContext, overrides: Partial<DirectIngestDependencies> = {}): Promise<Harness> {
  const delegated: string[] = [];
  const ingested: Harness['ingested'] = [];
  const observed: Harness['observed'] = [];
  const logged: unknown[] = [];
  const server = createServer((request, response) => {
    delegated.push(`${request.method} ${request.url}`);
    request.resume();
    request.on('end', () => response.writeHead(299).end('framework'));
  });
  const deps: DirectIngestDependencies = {
    tenants: { authenticate: (token) => principals.get(token), authenticateKey: () => undefined },
    ingestBody: (tenant, headers, body) => {
      ingested.push({ tenant, body: body.toString('utf8'), headers });
      return Promise.resolve(accepted);
    },
    limiter: new TenantRateLimiter(0),
    maxBodyBytes: 1000,
    metrics: { observeRequest: (method, route, status) => observed.push([method, route, status]) },
    logger: { error: (entry: unknown) => logged.push(entry) } as DirectIngestDependencies['logger'],
    ...overrides,
  };
  const stop = answerIngestDirectly(server, deps);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.closeIdleConnections();
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), server, stop, delegated, ingested, observed, logged, deps };
}

interface Sent {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** Written in these pieces; with `chunked`, without a Content-Length. */
  pieces?: string[];
  chunked?: boolean;
}

async function send(harness: Harness, sent: Sent): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  const pieces = sent.pieces ?? ['{"type":"orders","data":{}}'];
  const headers: Record<string, string> = { authorization: 'Bearer producer', 'content-type': 'application/json', ...sent.headers };
  if (sent.chunked !== true) headers['content-length'] ??= String(Buffer.byteLength(pieces.join('')));
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(new URL(sent.path ?? '/v1/events', harness.url), { method: sent.method ?? 'POST', headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, text }));
    });
    outgoing.on('error', reject);
    for (const piece of pieces) outgoing.write(piece);
    outgoing.end();
  });
}

void test('a produce key with a body of declared length is answered without the framework, through ingestBody', async (t) => {
  const harness = await serve(t);
  const body = '[{"type":"orders","data":{"n":1}},{"type":"orders","data":{"n":2}}]';
  const answer = await send(harness, { pieces: [body.slice(0, 10), body.slice(10, 40), body.slice(40)], headers: { 'x-extra': 'seen' } });
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(answer.headers['content-length'], String(Buffer.byteLength(answer.text)));
  assert.equal(answer.text, accepted.json);
  assert.deepEqual(JSON.parse(answer.text), {
    accepted: 1,
    duplicates: 0,
    rejected: 0,
    filtered: 0,
    results: [{ id: 'e1', stream: 'acme.orders', partition: 0, offset: 7 }],
  });
  assert.deepEqual(harness.delegated, []);
  assert.equal(harness.ingested.length, 1);
  assert.equal(harness.ingested[0]!.tenant, 'acme');
  assert.equal(harness.ingested[0]!.body, body, 'the body pieces are joined in order');
  assert.equal(harness.ingested[0]!.headers['x-extra'], 'seen', 'the request headers reach ingestBody (content type, CloudEvents binary mode)');
  assert.deepEqual(harness.observed, [['POST', '/v1/events', 200]]);
});

void test('the status says whether all, some or none of the events were accepted', async (t) => {
  const outcomes: [IngestOutcome, number][] = [
    [outcomeCounting({ accepted: 0, duplicates: 1 }), 200],
    [outcomeCounting({ accepted: 1, rejected: 1 }), 207],
    [outcomeCounting({ accepted: 0, rejected: 2 }), 400],
  ];
  for (const [outcome, status] of outcomes) {
    const harness = await serve(t, { ingestBody: () => Promise.resolve(outcome) });
    const answer = await send(harness, {});
    assert.equal(answer.status, status);
    assert.equal(answer.text, outcome.json);
  }
});

void test('every request whose headers do not show a produce key and a body within the limit goes to the framework', async (t) => {
  const harness = await serve(t);
  const cases: [string, Sent][] = [
    ['another method', { method: 'PUT' }],
    ['a query string', { path: '/v1/events?wait=1' }],
    ['a trailing slash', { path: '/v1/events/' }],
    ['another path', { path: '/v1/eventsx' }],
    ['no Authorization header', { headers: { authorization: '' } }],
    ['Basic credentials', { headers: { authorization: `Basic ${Buffer.from('k1:secret').toString('base64')}` } }],
    ['an unknown key', { headers: { authorization: 'Bearer nobody' } }],
    ['the admin token', { headers: { authorization: 'Bearer admin-token' } }],
    ['a key without the produce scope', { headers: { authorization: 'Bearer reader' } }],
    ['a media type another route of the path serves', { headers: { 'content-type': 'application/vnd.confluent.wire' } }],
    ['a media type nobody reads', { headers: { 'content-type': 'text/plain' } }],
    ['a Content-Type header without a media type', { headers: { 'content-type': '; charset=utf-8' } }],
    ['a chunked body', { chunked: true }],
    ['an empty body', { pieces: [''] }],
    ['a body over the limit', { pieces: ['x'.repeat(1001)] }],
  ];
  for (const [label, sent] of cases) {
    const before = harness.delegated.length;
    const answer = await send(harness, sent);
    assert.equal(answer.status, 299, label);
    assert.equal(harness.delegated.length, before + 1, label);
  }
  assert.deepEqual(harness.ingested, []);
  assert.deepEqual(harness.observed, [], 'the framework counts its own requests');
  // The limit itself is still answered here.
  assert.equal((await send(harness, { pieces: ['x'.repeat(1000)] })).status, 200);
});

void test('once stopped, as the server begins to close, every request goes to the framework', async (t) => {
  const harness = await serve(t);
  assert.equal((await send(harness, {})).status, 200);
  harness.stop();
  assert.equal((await send(harness, {})).status, 299);
  assert.deepEqual(harness.delegated, ['POST /v1/events']);
});

void test('a failing authentication is left to the framework, which answers it in its own way', async (t) => {
  const harness = await serve(t, {
    tenants: {
      authenticate: () => {
        throw new Error('the catalog is gone');
      },
      authenticateKey: () => undefined,
    },
  });
  assert.equal((await send(harness, {})).status, 299);
});

void test('errors are answered in the one error shape, with retry-after where the error has one', async (t) => {
  const failures: [string, () => Promise<IngestOutcome>, number, string, string | undefined][] = [
    [
      'thrown at once',
      () => {
        throw new SluiceError('malformed_json', 'the body is not valid JSON: x');
      },
      400,
      'malformed_json',
      undefined,
    ],
    ['refused later', () => Promise.reject(new SluiceError('overloaded', '9 events are waiting to be written', { retryAfter: 1 })), 503, 'overloaded', '1'],
    ['an unexpected failure', () => Promise.reject(new Error('boom')), 500, 'internal', undefined],
  ];
  for (const [label, ingestBody, status, code, retryAfter] of failures) {
    const harness = await serve(t, { ingestBody });
    const answer = await send(harness, {});
    assert.equal(answer.status, status, label);
    assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8', label);
    assert.equal(answer.headers['retry-after'], retryAfter, label);
    const body = JSON.parse(answer.text) as { error: { code: string; message: string; fix: string } };
    assert.equal(body.error.code, code, label);
    assert.equal(typeof body.error.fix, 'string', label);
    assert.doesNotMatch(answer.text, /boom|at .*\.ts/, `${label}: no internals leak`);
    assert.deepEqual(harness.observed, [['POST', '/v1/events', status]], label);
    assert.equal(harness.logged.length, code === 'internal' ? 1 : 0, `${label}: only unexpected failures are logged`);
  }
});

void test('a tenant over its request rate gets 429 with retry-after, and its body is not ingested', async (t) => {
  const harness = await serve(t, { limiter: new TenantRateLimiter(1) });
  assert.equal((await send(harness, {})).status, 200);
  const refused = await send(harness, {});
  assert.equal(refused.status, 429);
  assert.equal(refused.headers['retry-after'], '1');
  assert.equal((JSON.parse(refused.text) as { error: { code: string } }).error.code, 'rate_limited');
  assert.equal(harness.ingested.length, 1);
});

void test('a server without a request handler yet is refused at once', () => {
  assert.throws(() => answerIngestDirectly(createServer(), {} as DirectIngestDependencies), /no request handler/);
});

void test('a client that goes away before its body is complete is forgotten, and the server goes on', async (t) => {
  const harness = await serve(t);
  const socket = connect({ host: '127.0.0.1', port: Number(harness.url.port) });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(
    'POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer producer\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"type":',
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(harness.ingested, []);
  assert.equal((await send(harness, {})).status, 200);
});

void test('a failure while writing the answer is logged, not thrown', async (t) => {
  const harness = await serve(t, {
    metrics: {
      observeRequest: () => {
        throw new Error('a metrics failure');
      },
    },
  });
  assert.equal((await send(harness, {})).status, 200);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(harness.logged.length, 1);
});

void test('a client gone before its answer is not counted as answered', async (t) => {
  let answer: (outcome: IngestOutcome) => void = () => {};
  let started: () => void = () => {};
  let held = false;
  const ingestStarted = new Promise<void>((resolve) => (started = resolve));
  const harness = await serve(t, {
    // The first request's answer waits for the test; later ones are answered at once.
    ingestBody: () => {
      if (held) return Promise.resolve(accepted);
      held = true;
      started();
      return new Promise((resolve) => (answer = resolve));
    },
  });
  const socket = connect({ host: '127.0.0.1', port: Number(harness.url.port) });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const body = '{"type":"orders","data":{}}';
  socket.write(
    `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer producer\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
  await ingestStarted;
  socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  answer(accepted);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(harness.observed, []);
  assert.deepEqual(harness.logged, []);
  assert.equal((await send(harness, {})).status, 200, 'the server goes on');
});

import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { createServer, type IncomingHttpHeaders, type RequestListener } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { createWebhookClient, parseRetryAfter, type WebhookClientOptions } from '../../../src/adapters/http/webhook-client.ts';
import type { WebhookOutcome, WebhookRequest } from '../../../src/ports/webhook-client.ts';

interface Served {
  url: string;
  port: number;
  /** Requests that reached the server. */
  hits: () => number;
  /** TCP connections the server accepted. */
  connections: () => number;
  received: { headers: IncomingHttpHeaders; body: Buffer; socket: Socket }[];
}

/** A loopback HTTP server that records each request, headers and body, before `listener` answers. */
async function serve(t: TestContext, listener: RequestListener): Promise<Served> {
  const received: Served['received'] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks), socket: req.socket });
      listener(req, res);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, hits: () => received.length, connections: () => connections, received };
}

function client(t: TestContext, options: Partial<WebhookClientOptions> = {}) {
  const webhooks = createWebhookClient({ allowPrivateNetworks: true, ...options });
  t.after(() => webhooks.close());
  return webhooks;
}

const post = (url: string, body = '{"a":1}', timeoutMs = 2000): WebhookRequest => ({
  url,
  headers: { 'content-type': 'application/json', 'x-check': 'yes' },
  body,
  timeoutMs,
});

function answer(outcome: WebhookOutcome) {
  assert.equal(outcome.kind, 'answer', JSON.stringify(outcome));
  return outcome;
}

function failure(outcome: WebhookOutcome) {
  assert.equal(outcome.kind, 'failure', JSON.stringify(outcome));
  return outcome;
}

/** A resolver that knows a few names and nothing else, so no test asks real DNS. */
function fakeDns(names: Record<string, string[]>) {
  return (hostname: string): Promise<LookupAddress[]> => {
    const addresses = names[hostname];
    if (addresses === undefined) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
}

void test('posts the body byte for byte with the headers given, and answers the status', async (t) => {
  const server = await serve(t, (_, res) => res.writeHead(202).end('ok'));
  const webhooks = client(t);
  const body = '{"text":"grüße ✓ 😀","n":12345678901234567890}';
  const outcome = answer(
    await webhooks.post({
      url: `${server.url}/hook?x=1`,
      headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1', 'x-check': 'yes' },
      body,
      timeoutMs: 2000,
    }),
  );
  assert.equal(outcome.status, 202);
  assert.equal(outcome.excerpt, 'ok');
  assert.equal(outcome.retryAfterMs, undefined);
  assert.ok(outcome.latencyMs >= 0);
  const [request] = server.received;
  assert.deepEqual(request?.body, Buffer.from(body));
  assert.equal(request.headers['content-type'], 'application/json');
  assert.equal(request.headers['webhook-id'], 'msg_1');
  assert.equal(request.headers['x-check'], 'yes');
  assert.equal(request.headers['content-length'], String(Buffer.byteLength(body)));
});

void test('the excerpt is the first KiB of the answer, cut between characters', async (t) => {
  const server = await serve(t, (req, res) => {
    if (req.url === '/euro')
      res.end('€'.repeat(5000)); // 3 bytes each: the 1024th byte splits one
    else if (req.url === '/invalid')
      res.end(Buffer.from([0x61, 0xff, 0x62, 0xe2, 0x82])); // a stray byte, then a character cut by the sender
    else res.end('x'.repeat(10));
  });
  const webhooks = client(t);
  assert.equal(answer(await webhooks.post(post(`${server.url}/euro`))).excerpt, '€'.repeat(341));
  assert.equal(
    answer(await webhooks.post(post(`${server.url}/invalid`))).excerpt,
    'a\uFFFDb\uFFFD',
    'bytes that are invalid in the answer itself are replaced',
  );
  assert.equal(answer(await webhooks.post(post(`${server.url}/short`))).excerpt, 'x'.repeat(10));
  const small = client(t, { excerptBytes: 4 });
  assert.equal(answer(await small.post(post(`${server.url}/euro`))).excerpt, '€');
});

void test('an answer is read up to the cap: short answers keep the connection, a longer one closes it', { timeout: 10_000 }, async (t) => {
  const server = await serve(t, (req, res) => res.end(req.url === '/big' ? Buffer.alloc(2 * 1024 * 1024, 'y') : 'fine'));
  const webhooks = client(t, { maxResponseBytes: 64 * 1024 });
  for (let i = 0; i < 6; i++) assert.equal(answer(await webhooks.post(post(`${server.url}/small`))).status, 200);
  // undici may open a second connection while the first is being released; it then reuses them.
  assert.ok(server.connections() <= 2, `keep-alive: ${server.connections()} connections for 6 consecutive posts`);
  assert.ok(server.received.every(({ socket }) => !socket.destroyed));
  const big = answer(await webhooks.post(post(`${server.url}/big`)));
  assert.equal(big.excerpt, 'y'.repeat(1024));
  const cut = server.received.at(-1)!.socket;
  // The server sees the reset as an error on the socket; only its closing matters here.
  if (!cut.destroyed) await new Promise((resolve) => cut.once('close', resolve));
  assert.equal(answer(await webhooks.post(post(`${server.url}/small`))).excerpt, 'fine', 'the pool recovers');
  assert.notEqual(server.received.at(-1)!.socket, cut, 'the connection whose answer was cut off is not reused');
});

void test('Retry-After in seconds or as an HTTP date becomes milliseconds from now', async (t) => {
  const server = await serve(t, (req, res) => {
    res.writeHead(req.url === '/seconds' ? 429 : 503, { 'retry-after': req.url === '/seconds' ? '7' : new Date(Date.now() + 30_000).toUTCString() }).end();
  });
  const webhooks = client(t);
  const seconds = answer(await webhooks.post(post(`${server.url}/seconds`)));
  assert.equal(seconds.status, 429);
  assert.equal(seconds.retryAfterMs, 7000);
  const date = answer(await webhooks.post(post(`${server.url}/date`)));
  assert.equal(date.status, 503);
  assert.ok(date.retryAfterMs !== undefined && date.retryAfterMs > 25_000 && date.retryAfterMs <= 30_000, String(date.retryAfterMs));
});

void test('Retry-After: the three HTTP-date forms, a date in the past is now, anything else is ignored', () => {
  assert.equal(parseRetryAfter('0'), 0);
  assert.equal(parseRetryAfter(' 120 '), 120_000);
  assert.equal(parseRetryAfter(['3', '9']), 3000);
  assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT'), 0);
  assert.equal(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT'), 0);
  assert.equal(parseRetryAfter('Sun Nov  6 08:49:37 1994'), 0);
  const later = new Date(Math.ceil(Date.now() / 1000) * 1000 + 60_000);
  const imf = parseRetryAfter(later.toUTCString());
  assert.ok(imf !== undefined && imf > 55_000 && imf <= 61_000, String(imf));
  for (const invalid of [undefined, '', 'soon', '1.5', '-1', '+5', '10s', '1e3', '0x10', '9999999999'])
    assert.equal(parseRetryAfter(invalid), undefined, String(invalid));
});

void test('a redirect is an answer, never followed', async (t) => {
  const target = await serve(t, (_, res) => res.end());
  const server = await serve(t, (_, res) => res.writeHead(302, { location: `${target.url}/elsewhere` }).end('moved'));
  const webhooks = client(t);
  const outcome = answer(await webhooks.post(post(`${server.url}/hook`)));
  assert.equal(outcome.status, 302);
  assert.equal(outcome.excerpt, 'moved');
  assert.equal(target.hits(), 0);
});

void test('an endpoint that does not answer in time is a timeout', async (t) => {
  const server = await serve(t, () => undefined);
  const webhooks = client(t);
  const started = Date.now();
  const slow = failure(await webhooks.post(post(`${server.url}/hook`, '{}', 200)));
  assert.equal(slow.reason, 'timeout');
  assert.match(slow.message, /no answer within 200 ms/);
  // undici's timers tick every half second: a limit is kept to within about a second.
  assert.ok(Date.now() - started < 1500, `${Date.now() - started} ms`);
  assert.ok(slow.latencyMs >= 150, String(slow.latencyMs));
});

void test("the caller's signal ends an attempt early", async (t) => {
  const server = await serve(t, () => undefined);
  const webhooks = client(t);
  const started = Date.now();
  const aborted = failure(await webhooks.post(post(`${server.url}/hook`, '{}', 10_000), AbortSignal.timeout(50)));
  assert.ok(aborted.reason === 'timeout' || aborted.reason === 'connection', aborted.reason);
  assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms`);
});

void test('a closed port is a connection failure; TLS spoken to a plain HTTP server is a TLS failure', async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const webhooks = client(t);
  const refused = failure(await webhooks.post(post(`http://127.0.0.1:${port}/hook`)));
  assert.equal(refused.reason, 'connection');
  assert.match(refused.message, /ECONNREFUSED/);
  const plain = await serve(t, (_, res) => res.end());
  assert.equal(failure(await webhooks.post(post(`https://127.0.0.1:${plain.port}/hook`))).reason, 'tls');
  assert.equal(plain.hits(), 0);
});

void test('a URL that cannot be posted to is invalid_url; a name that does not resolve is dns', async (t) => {
  const webhooks = client(t, { lookup: fakeDns({}) });
  assert.equal(failure(await webhooks.post(post('not a url'))).reason, 'invalid_url');
  assert.equal(failure(await webhooks.post(post('ftp://example.com/hook'))).reason, 'invalid_url');
  const dns = failure(await webhooks.post(post('http://nowhere.test/hook')));
  assert.equal(dns.reason, 'dns');
  assert.match(dns.message, /ENOTFOUND/);
});

void test('with private networks allowed, a name resolves to loopback and is posted to, Host header included', async (t) => {
  const server = await serve(t, (_, res) => res.end('hi'));
  const webhooks = client(t, { lookup: fakeDns({ 'hooks.test': ['127.0.0.1'] }) });
  assert.equal(answer(await webhooks.post(post(`http://hooks.test:${server.port}/hook`))).excerpt, 'hi');
  assert.equal(server.received[0]?.headers.host, `hooks.test:${server.port}`);
});

void test('without allowPrivateNetworks, loopback is refused before any byte is sent, by address or by name', async (t) => {
  const server = await serve(t, (_, res) => res.end());
  const webhooks = client(t, { allowPrivateNetworks: false });
  const byAddress = failure(await webhooks.post(post(`${server.url}/hook`)));
  assert.equal(byAddress.reason, 'refused_address');
  assert.match(byAddress.message, /127\.0\.0\.1/);
  const byName = failure(await webhooks.post(post(`http://localhost:${server.port}/hook`)));
  assert.equal(byName.reason, 'refused_address');
  assert.match(byName.message, /^localhost resolves to /);
  assert.equal(failure(await webhooks.post(post(`http://[::ffff:127.0.0.1]:${server.port}/hook`))).reason, 'refused_address');
  assert.equal(failure(await webhooks.post(post(`http://[::1]:${server.port}/hook`))).reason, 'refused_address');
  assert.equal(
    failure(await webhooks.post(post(`http://2130706433:${server.port}/hook`))).reason,
    'refused_address',
    'a decimal IPv4 literal is still loopback',
  );
  assert.equal(server.hits(), 0);
  assert.equal(server.connections(), 0);
});

void test('a name is refused when any address it resolves to is refused', async (t) => {
  const server = await serve(t, (_, res) => res.end());
  const webhooks = client(t, {
    allowPrivateNetworks: false,
    lookup: fakeDns({ 'mixed.test': ['93.184.216.34', '127.0.0.1'], 'metadata.test': ['169.254.169.254'] }),
  });
  assert.equal(failure(await webhooks.post(post(`http://mixed.test:${server.port}/hook`))).reason, 'refused_address');
  assert.match((await webhooks.refusal(`http://mixed.test:${server.port}/hook`)) ?? '', /127\.0\.0\.1/);
  assert.match((await webhooks.refusal('https://metadata.test/latest')) ?? '', /169\.254\.169\.254/);
  assert.equal(server.hits(), 0);
});

void test('refusal: the scheme, credentials, the addresses a name resolves to; it connects to nothing', async (t) => {
  const guarded = client(t, { allowPrivateNetworks: false });
  assert.match((await guarded.refusal('ftp://example.com/')) ?? '', /http or https/);
  assert.match((await guarded.refusal('not a url')) ?? '', /not an absolute URL/);
  assert.match((await guarded.refusal('https://user:pw@example.com/')) ?? '', /credentials/);
  assert.match((await guarded.refusal('http://localhost:8080/')) ?? '', /loopback|non-public/);
  assert.match((await guarded.refusal('http://[::ffff:127.0.0.1]:1/')) ?? '', /127\.0\.0\.1/);
  assert.match((await guarded.refusal('http://10.0.0.7/hook')) ?? '', /10\.0\.0\.7/);
  assert.equal(await guarded.refusal('http://93.184.216.34/hook'), undefined, 'a public address is fine');
  assert.equal(await guarded.refusal('https://[2606:4700::1111]/hook'), undefined);
  const offline = client(t, { allowPrivateNetworks: false, lookup: fakeDns({ 'public.test': ['93.184.216.34'] }) });
  assert.equal(await offline.refusal('https://public.test/hook'), undefined);
  assert.match((await offline.refusal('https://nowhere.test/hook')) ?? '', /host "nowhere\.test" does not resolve/);
  const open = client(t);
  assert.equal(await open.refusal('http://localhost:8080/'), undefined, 'private networks allowed');
  assert.match((await open.refusal('ftp://localhost/')) ?? '', /http or https/, 'the scheme is checked all the same');
});

void test('close may be called twice', async () => {
  const webhooks = createWebhookClient({ allowPrivateNetworks: false });
  await webhooks.close();
  await webhooks.close();
});

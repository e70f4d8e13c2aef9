import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { refusedAddress } from '../../../src/adapters/http/address-guard.ts';
import { createWebhookClient, parseRetryAfter } from '../../../src/adapters/http/webhook-client.ts';

async function serve(t: TestContext, listener: RequestListener): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    listener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

const request = (url: string, body = '{"a":1}', timeoutMs = 2000) => ({ url, headers: { 'content-type': 'application/json', 'x-check': 'yes' }, body, timeoutMs });

void test('posts the body and headers as given and answers the status and the first KiB of the answer', async (t) => {
  let received = '';
  let header: string | undefined;
  const server = await serve(t, (req, res) => {
    header = req.headers['x-check'] as string;
    req.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    req.on('end', () => res.writeHead(202).end('é'.repeat(5000)));
  });
  const client = createWebhookClient({ allowPrivateNetworks: true });
  t.after(() => client.close());
  const body = '{"text":"grüße","n":12345678901234567890}';
  const outcome = await client.post(request(`${server.url}/hook`, body));
  assert.equal(outcome.kind, 'answer');
  if (outcome.kind !== 'answer') return;
  assert.equal(outcome.status, 202);
  assert.equal(received, body);
  assert.equal(header, 'yes');
  assert.ok(Buffer.byteLength(outcome.excerpt) <= 1024 + 3, 'at most 1 KiB kept (a cut character becomes U+FFFD)');
  assert.ok(outcome.excerpt.startsWith('éé'));
});

void test('Retry-After in seconds or as an HTTP date', async (t) => {
  const server = await serve(t, (req, res) => {
    res.writeHead(req.url === '/seconds' ? 429 : 503, { 'retry-after': req.url === '/seconds' ? '7' : new Date(Date.now() + 30_000).toUTCString() }).end();
  });
  const client = createWebhookClient({ allowPrivateNetworks: true });
  t.after(() => client.close());
  const seconds = await client.post(request(`${server.url}/seconds`));
  assert.equal(seconds.kind === 'answer' && seconds.retryAfterMs, 7000);
  const date = await client.post(request(`${server.url}/date`));
  assert.ok(date.kind === 'answer' && date.retryAfterMs !== undefined && date.retryAfterMs > 25_000 && date.retryAfterMs <= 30_000);
  assert.equal(parseRetryAfter('soon'), undefined);
});

void test('a redirect is an answer, never followed', async (t) => {
  const target = await serve(t, (_, res) => res.end());
  const server = await serve(t, (_, res) => res.writeHead(302, { location: `${target.url}/elsewhere` }).end());
  const client = createWebhookClient({ allowPrivateNetworks: true });
  t.after(() => client.close());
  const outcome = await client.post(request(`${server.url}/hook`));
  assert.equal(outcome.kind === 'answer' && outcome.status, 302);
  assert.equal(target.hits(), 0);
});

void test('an endpoint that does not answer in time is a timeout; a closed port is a connection failure', async (t) => {
  const server = await serve(t, () => undefined);
  const client = createWebhookClient({ allowPrivateNetworks: true });
  t.after(() => client.close());
  const started = Date.now();
  const slow = await client.post(request(`${server.url}/hook`, '{}', 200));
  assert.equal(slow.kind === 'failure' && slow.reason, 'timeout');
  assert.ok(Date.now() - started < 2000);
  const closed = await serve(t, () => undefined);
  const port = new URL(closed.url).port;
  await new Promise((resolve) => setTimeout(resolve, 0));
  const refused = await client.post(request(`http://127.0.0.1:1/hook`));
  assert.equal(refused.kind === 'failure' && refused.reason, 'connection', `port ${port}`);
});

void test('without allowPrivateNetworks, loopback is refused before any byte is sent, by address or by name', async (t) => {
  const server = await serve(t, (_, res) => res.end());
  const client = createWebhookClient({ allowPrivateNetworks: false });
  t.after(() => client.close());
  const byAddress = await client.post(request(`${server.url}/hook`));
  assert.equal(byAddress.kind === 'failure' && byAddress.reason, 'refused_address');
  const byName = await client.post(request(server.url.replace('127.0.0.1', 'localhost')));
  assert.equal(byName.kind === 'failure' && byName.reason, 'refused_address', JSON.stringify(byName));
  assert.equal(server.hits(), 0);
  assert.match((await client.refusal(server.url.replace('127.0.0.1', 'localhost'))) ?? '', /loopback|non-public/);
  assert.match((await client.refusal('http://[::ffff:127.0.0.1]:1/')) ?? '', /127\.0\.0\.1/);
  assert.equal(refusedAddress('::ffff:7f00:1'), refusedAddress('127.0.0.1'));
  assert.match((await client.refusal('ftp://example.com/')) ?? '', /http or https/);
  assert.match((await client.refusal('https://user:pw@example.com/')) ?? '', /credentials/);
  assert.equal(await client.refusal('http://93.184.216.34/hook'), undefined, 'a public address is fine (nothing is sent)');
});

void test('the address guard knows the non-public ranges', () => {
  for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1']) {
    assert.notEqual(refusedAddress(address), undefined, address);
  }
  for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '172.32.0.1']) assert.equal(refusedAddress(address), undefined, address);
});

/**
 * Connections are bounded: a request sent too slowly is cut, one client cannot hold more than
 * its share of sockets, and a caller without credentials is answered and let go.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { startSluice } from '../../helpers/sluice.ts';

/** A raw connection to the server, with what it received and whether it closed. */
async function rawConnection(url: string): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => undefined);
  const opened = performance.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - opened)));
  return { socket, received: () => received, closed };
}

void test('a request whose body trickles in is cut after the request timeout', async (t) => {
  const s = await startSluice(t, { limits: { requestTimeoutMs: 1500 } });
  const key = await s.tenantWithKey('acme');
  const slow = await rawConnection(s.url);
  slow.socket.write(`POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`);
  const drip = setInterval(() => slow.socket.write(' '), 300);
  t.after(() => clearInterval(drip));
  const lasted = await Promise.race([slow.closed, new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), 10_000))]);
  clearInterval(drip);
  assert.ok(lasted < 5000, `the slow request was cut (it lasted ${lasted} ms)`);
  assert.match(slow.received(), /^HTTP\/1\.1 408/);
  // The server still answers others.
  assert.equal((await s.call('GET', '/healthz', { token: null })).status, 200);
});

void test('one client address holds at most maxConnectionsPerClient connections', async (t) => {
  const s = await startSluice(t, { limits: { maxConnectionsPerClient: 3 } });
  const held = await Promise.all([0, 1, 2].map(() => rawConnection(s.url)));
  t.after(() => held.forEach((c) => c.socket.destroy()));
  const extra = await rawConnection(s.url);
  const lasted = await Promise.race([extra.closed, new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), 5000))]);
  assert.ok(Number.isFinite(lasted), 'the fourth connection is closed at once');
  assert.equal(extra.received(), '');
  // Once one is given back, a new one is served.
  held[0]!.socket.destroy();
  await held[0]!.closed;
  await new Promise((resolve) => setTimeout(resolve, 100));
  const again = await rawConnection(s.url);
  again.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  for (let i = 0; i < 50 && !again.received().includes('"ok"'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.match(again.received(), /^HTTP\/1\.1 200/);
  again.socket.destroy();
});

void test('a caller without valid credentials is answered 401 and the connection closed, before its body is read', async (t) => {
  const s = await startSluice(t);
  const anonymous = await rawConnection(s.url);
  anonymous.socket.write('POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"type":');
  const lasted = await Promise.race([anonymous.closed, new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), 5000))]);
  assert.ok(Number.isFinite(lasted), 'closed without waiting for the body');
  assert.match(anonymous.received(), /^HTTP\/1\.1 401/);
  assert.match(anonymous.received(), /connection: close/i);
});

void test('shutdown closes connections that never sent a request, and still answers the one in flight', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  assert.equal((await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: { type: 'object' } } })).status, 201);
  const silent = await rawConnection(s.url);
  const busy = await rawConnection(s.url);
  const body = JSON.stringify({ type: 'orders', data: { n: 1 } });
  // Headers now, the body once the server is closing: the request is in flight throughout.
  busy.socket.write(
    `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = performance.now();
  const closing = s.sluice.close();
  await new Promise((resolve) => setTimeout(resolve, 100));
  busy.socket.write(body);
  await closing;
  const took = performance.now() - started;
  assert.ok(took < 10_000, `shutdown took ${Math.round(took)} ms, not the 60 s idle timeout`);
  assert.ok(Number.isFinite(await silent.closed));
  await busy.closed;
  assert.match(busy.received(), /^HTTP\/1\.1 200/);
});

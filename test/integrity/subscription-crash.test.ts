/**
 * SIGKILL of Sluice while it delivers a subscription: after a restart on the same data
 * directory, every record reaches the endpoint at least once, none is skipped, and each
 * key's records first arrive in the order they were stored.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startReceiver } from '../helpers/receiver.ts';
import { spawnSluice } from '../helpers/process.ts';
import { adminToken, tempDir } from '../helpers/sluice.ts';
import { callJson } from './load.ts';

const keys = Array.from({ length: 16 }, (_, i) => `k${i}`);
const total = 3000;

void test('SIGKILL during delivery: after restart every record is delivered at least once, in order per key, none skipped', { timeout: 120_000 }, async (t) => {
  const dataDir = tempDir(t, 'sluice-sub-crash-');
  const env = { SLUICE_ADMIN_TOKEN: adminToken, SLUICE_DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true' };
  const receiver = await startReceiver(t, (_, res) => {
    // A little slower than Sluice can send, so the kill lands mid-stream.
    setTimeout(() => res.end(), 1);
  });
  const first = await spawnSluice(t, ['--data-dir', dataDir], env);
  await callJson(first.url, 'POST', '/v1/tenants', adminToken, { id: 'crash' }, 201);
  const { key } = (await callJson(first.url, 'POST', '/v1/tenants/crash/keys', adminToken, { scopes: ['produce', 'consume', 'manage'] }, 201)) as {
    key: string;
  };
  await callJson(first.url, 'PUT', '/v1/types/ticks', key, { schema: { type: 'object' }, partitions: 4 }, 201);
  await callJson(
    first.url,
    'PUT',
    '/v1/subscriptions/push',
    key,
    { types: ['ticks'], start: 'earliest', destination: { url: receiver.url }, delivery: { maxInFlight: 8 } },
    201,
  );
  const seq = new Map<string, number>();
  for (let sent = 0; sent < total; sent += 500) {
    const batch = Array.from({ length: 500 }, (_, i) => {
      const k = keys[(sent + i) % keys.length]!;
      const n = seq.get(k) ?? 0;
      seq.set(k, n + 1);
      return { type: 'ticks', key: k, data: { k, n } };
    });
    await callJson(first.url, 'POST', '/v1/events', key, batch, 200);
  }
  await receiver.until((r) => r.length >= total / 4, 60_000);
  first.child.kill('SIGKILL');
  assert.equal(await first.exited, 'SIGKILL');
  const deliveredBeforeKill = receiver.requests.length;
  t.diagnostic(`killed after ${deliveredBeforeKill} of ${total} deliveries`);
  assert.ok(deliveredBeforeKill < total, 'the kill came after everything was delivered; nothing was tested');

  await sleep(100);
  await spawnSluice(t, ['--data-dir', dataDir], env);
  await receiver.until((r) => distinct(r.map((req) => req.body)).size >= total, 60_000);

  const firstSeen = new Map<string, number[]>();
  const seen = new Set<string>();
  for (const request of receiver.requests) {
    const event = JSON.parse(request.body) as { data: { k: string; n: number } };
    const id = `${event.data.k}/${event.data.n}`;
    if (seen.has(id)) continue;
    seen.add(id);
    firstSeen.set(event.data.k, [...(firstSeen.get(event.data.k) ?? []), event.data.n]);
  }
  for (const k of keys) {
    const order = firstSeen.get(k) ?? [];
    assert.deepEqual(
      order,
      Array.from({ length: seq.get(k) ?? 0 }, (_, i) => i),
      `key ${k}: every record, first seen in order`,
    );
  }
  t.diagnostic(`${receiver.requests.length - total} records delivered twice around the kill`);
});

function distinct(bodies: string[]): Set<string> {
  return new Set(
    bodies.map((body) => {
      const event = JSON.parse(body) as { data: { k: string; n: number } };
      return `${event.data.k}/${event.data.n}`;
    }),
  );
}

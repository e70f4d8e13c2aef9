import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { loadConfig } from '../../../src/edges/config/config.ts';
import { createSluice } from '../../../src/sluice.ts';
import { startReceiver } from '../../helpers/receiver.ts';
import { adminToken, tempDir } from '../../helpers/sluice.ts';

void test('closing the server lets a delivery in flight finish and commits it: a restart does not send it again', async (t) => {
  const dataDir = tempDir(t);
  const receiver = await startReceiver(t, (_, res) => {
    setTimeout(() => res.end(), 400);
  });
  const start = async () => {
    const sluice = await createSluice(
      loadConfig({ flags: { port: 0, dataDir, logLevel: 'silent', adminToken, delivery: { allowPrivateNetworks: true } }, env: {} }),
    );
    const url = await sluice.listen();
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await response.json()) as any;
    };
    return { sluice, call };
  };
  const first = await start();
  await first.call('POST', '/v1/tenants', adminToken, { id: 'acme' });
  const { key } = await first.call('POST', '/v1/tenants/acme/keys', adminToken, { scopes: ['produce', 'manage'] });
  await first.call('PUT', '/v1/types/orders', key, { schema: true });
  await first.call('PUT', '/v1/subscriptions/hook', key, { types: ['orders'], start: 'earliest', destination: { url: receiver.url } });
  await first.call('POST', '/v1/events', key, { type: 'orders', key: 'a', data: { n: 1 } });
  await receiver.until((r) => r.length === 1);
  // The endpoint is still answering (400 ms) when the server is told to stop.
  const closing = first.sluice.close();
  await closing;
  const second = await start();
  t.after(() => second.sluice.close());
  await sleep(1500);
  assert.equal(receiver.requests.length, 1, 'the record finished before the stop was committed, so it is not sent again');
  const status = await second.call('GET', '/v1/subscriptions/hook', key);
  assert.ok(
    status.partitions.every((p: { lag: number }) => p.lag === 0),
    JSON.stringify(status.partitions),
  );
});

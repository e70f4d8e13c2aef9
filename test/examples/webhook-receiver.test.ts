import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/edges/config/config.ts';
import { createSluice } from '../../src/sluice.ts';
import { adminToken, tempDir } from '../helpers/sluice.ts';

const example = fileURLToPath(new URL('../../examples/webhook-receiver/', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

void test('examples/webhook-receiver: the receiver verifies the signatures of the subscription sluice.yaml declares', async (t) => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const port = await freePort();
  const receiver = spawn(process.execPath, [join(example, 'receiver.mjs')], { env: { ...process.env, WEBHOOK_SECRET: secret, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => receiver.kill());
  const printed: string[] = [];
  createInterface({ input: receiver.stdout }).on('line', (line) => printed.push(line));
  await new Promise<void>((resolve) => receiver.stderr.once('data', () => resolve()));

  // The example as documented, pointed at this test's port.
  const dir = tempDir(t);
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, readFileSync(join(example, 'sluice.yaml'), 'utf8').replace('127.0.0.1:9000', `127.0.0.1:${port}`));
  assert.throws(() => loadConfig({ configFile: file, flags: { dataDir: dir }, env: {} }), /WEBHOOK_SECRET, which is not set/);
  const config = loadConfig({ configFile: file, flags: { port: 0, dataDir: join(dir, 'data'), logLevel: 'silent', adminToken }, env: { WEBHOOK_SECRET: secret } });
  const sluice = await createSluice(config);
  const url = await sluice.listen();
  t.after(() => sluice.close());

  const keyAnswer = await fetch(`${url}/v1/tenants/shop/keys`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ scopes: ['produce', 'manage'] }) });
  const { key } = (await keyAnswer.json()) as { key: string };
  const lines = readFileSync(join(example, 'events.ndjson'), 'utf8').trim().split('\n');
  const produced = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' }, body: lines.map((line) => JSON.stringify({ type: 'orders', data: JSON.parse(line) })).join('\n') });
  assert.equal(produced.status, 207);

  for (let waited = 0; printed.length < 2 && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  const received = printed.map((line) => (JSON.parse(line) as { data: { order_id: string } }).data.order_id).sort();
  assert.deepEqual(received, ['o-1', 'o-2'], 'both valid orders arrived, each verified and printed once');
});

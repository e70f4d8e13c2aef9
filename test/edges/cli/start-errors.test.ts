import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { binPath, runCli, spawnSluice } from '../../helpers/process.ts';
import { callJson } from '../../integrity/load.ts';
import { adminToken, tempDir } from '../../helpers/sluice.ts';

void test('start on a port in use says so and how to choose another', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const { port } = blocker.address() as { port: number };
  const result = await runCli(['start', '--port', String(port), '--host', '127.0.0.1', '--data-dir', tempDir(t), '--log-level', 'silent'], {
    SLUICE_ADMIN_TOKEN: adminToken,
  });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use: .*--port or SLUICE_PORT`));
});

void test('output into a pipe that closes early ends quietly, without a stack trace', async (t) => {
  const server = await spawnSluice(t, ['--data-dir', tempDir(t)], { SLUICE_ADMIN_TOKEN: adminToken });
  await callJson(server.url, 'POST', '/v1/tenants', adminToken, { id: 'acme' }, 201);
  const { key } = (await callJson(server.url, 'POST', '/v1/tenants/acme/keys', adminToken, { scopes: ['produce', 'consume', 'manage'] }, 201)) as {
    key: string;
  };
  await callJson(server.url, 'PUT', '/v1/types/big', key, { schema: { type: 'object' }, partitions: 1 }, 201);
  await callJson(
    server.url,
    'POST',
    '/v1/events',
    key,
    Array.from({ length: 500 }, (_, n) => ({ type: 'big', data: { n, text: 'x'.repeat(2000) } })),
    200,
  );
  // `sluice stream read … | head -c 100`: the reader goes away while sluice still writes ~1 MB.
  const child = spawn(process.execPath, [binPath, 'stream', 'read', 'acme.big', '--partition', '0', '--from', 'earliest', '--limit', '500'], {
    env: { ...process.env, SLUICE_URL: server.url, SLUICE_KEY: key },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.doesNotMatch(stderr, /EPIPE|\n\s+at /, stderr);
  assert.equal(code, 0);
});

void test('on Kafka that is not reachable yet, the address answers (readiness 503) and each retry logs one short line with the cause', async (t) => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const child = spawn(process.execPath, [binPath, 'start', '--port', String(port), '--data-dir', tempDir(t), '--kafka', '127.0.0.1:1'], {
    env: { ...process.env, SLUICE_ADMIN_TOKEN: adminToken },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const url = `http://127.0.0.1:${port}`;
  let ready: Response | undefined;
  for (let attempt = 0; attempt < 100 && ready === undefined; attempt++) {
    ready = await fetch(`${url}/readyz`).catch(() => undefined);
    if (ready === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(ready?.status, 503);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  const refused = await fetch(`${url}/v1/streams`);
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '2');
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'store_unavailable');

  for (let waited = 0; !stdout.includes('not reachable yet') && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  const line = stdout.split('\n').find((entry) => entry.includes('not reachable yet'));
  assert.ok(line !== undefined, stdout);
  assert.ok(line.length < 400, `a retry line is short: ${line.length} bytes`);
  assert.match((JSON.parse(line) as { cause: string }).cause, /ECONNREFUSED 127\.0\.0\.1:1/);
});

/**
 * SIGKILL of Sluice while a file sink archives: after a restart on the same data directory,
 * every acknowledged record is in exactly one complete file and no visible file is partial.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { archiveFiles } from '../helpers/archive.ts';
import { spawnSluice } from '../helpers/process.ts';
import { adminToken, tempDir } from '../helpers/sluice.ts';
import { callJson } from './load.ts';

const total = 6000;
const batch = 250;

void test('SIGKILL while archiving: after restart every record is in exactly one complete file', { timeout: 120_000 }, async (t) => {
  const dataDir = tempDir(t, 'sluice-file-crash-');
  const archive = join(dataDir, 'archive');
  const env = { SLUICE_ADMIN_TOKEN: adminToken };
  const first = await spawnSluice(t, ['--data-dir', dataDir], env);
  await callJson(first.url, 'POST', '/v1/tenants', adminToken, { id: 'crash' }, 201);
  const { key } = (await callJson(first.url, 'POST', '/v1/tenants/crash/keys', adminToken, { scopes: ['produce', 'consume', 'manage'] }, 201)) as {
    key: string;
  };
  await callJson(first.url, 'PUT', '/v1/types/ticks', key, { schema: { type: 'object' }, partitions: 3 }, 201);
  await callJson(
    first.url,
    'PUT',
    '/v1/subscriptions/archive',
    key,
    {
      types: ['ticks'],
      start: 'earliest',
      destination: { kind: 'file', dir: 'ticks', format: 'ndjson.gz', content: 'data', rotate: { bytes: 3000, seconds: 1 } },
    },
    201,
  );
  const root = join(archive, 'crash', 'ticks');

  let acknowledged = 0;
  while (acknowledged < total) {
    const events = Array.from({ length: batch }, (_, i) => ({ type: 'ticks', key: `k${(acknowledged + i) % 17}`, data: { n: acknowledged + i } }));
    await callJson(first.url, 'POST', '/v1/events', key, events, 200);
    acknowledged += batch;
    // Kill once some files are complete, while records are still arriving and files are open.
    if (acknowledged >= total / 2 && archiveFiles(root).length > 3) break;
  }
  first.child.kill('SIGKILL');
  assert.equal(await first.exited, 'SIGKILL');
  const before = archiveFiles(root).reduce((n, f) => n + f.lines.length, 0);
  t.diagnostic(`killed with ${acknowledged} acknowledged and ${before} archived`);
  assert.ok(before < acknowledged, 'everything was archived before the kill; nothing was tested');

  const second = await spawnSluice(t, ['--data-dir', dataDir], env);
  const rest = Array.from({ length: batch }, (_, i) => ({ type: 'ticks', key: `k${i % 17}`, data: { n: acknowledged + i } }));
  await callJson(second.url, 'POST', '/v1/events', key, rest, 200);
  acknowledged += batch;

  const deadline = Date.now() + 60_000;
  let lines: number[] = [];
  while (Date.now() < deadline) {
    lines = archiveFiles(root).flatMap((f) => f.lines.map((line) => (JSON.parse(line) as { n: number }).n));
    if (lines.length >= acknowledged) break;
    await sleep(200);
  }
  const sorted = [...lines].sort((a, b) => a - b);
  assert.equal(new Set(sorted).size, sorted.length, 'no record in two files');
  assert.deepEqual(
    sorted,
    Array.from({ length: acknowledged }, (_, i) => i),
    'every acknowledged record archived',
  );
});

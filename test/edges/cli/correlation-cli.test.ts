/** `sluice correlation …` against a real `sluice start`: set, show, instance, delete, and the error a typo gets. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, spawnSluice } from '../../helpers/process.ts';
import { adminToken, tempDir } from '../../helpers/sluice.ts';
import { callJson } from '../../integrity/load.ts';

const clean = { SLUICE_ADMIN_TOKEN: adminToken, SLUICE_KEY: undefined, SLUICE_URL: undefined, SLUICE_DATA_DIR: undefined, SLUICE_CONFIG: undefined };

void test('sluice correlation set, show, instance and delete; a typo in a definition is named', { timeout: 60_000 }, async (t) => {
  const server = await spawnSluice(t, ['--data-dir', tempDir(t)], clean);
  await callJson(server.url, 'POST', '/v1/tenants', adminToken, { id: 'acme' }, 201);
  const { key } = (await callJson(server.url, 'POST', '/v1/tenants/acme/keys', adminToken, { scopes: ['produce', 'consume', 'manage'] }, 201)) as {
    key: string;
  };
  for (const type of ['a', 'b', 'done', 'gone']) await callJson(server.url, 'PUT', `/v1/types/${type}`, key, { schema: { type: 'object' } }, 201);
  const env = { ...clean, SLUICE_URL: server.url, SLUICE_KEY: key };
  const dir = tempDir(t);
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'types: [a, b]\nkey: /order\ntimeout: 30s\nemit: { complete: done, expired: gone }\nstart: earliest\n');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'types: [a, b]\nkey: /order\ntimout: 30s\nemit: { complete: done, expired: gone }\n');

  const typo = await runCli(['correlation', 'set', 'orders', '--file', bad], env);
  assert.equal(typo.code, 1, typo.stderr);
  assert.match(typo.stderr, /invalid_correlation/);
  assert.match(typo.stderr, /\/timout unknown key/);
  assert.match(typo.stderr, /\/timeout/);

  const set = await runCli(['correlation', 'set', 'orders', '--file', good], env);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(JSON.parse(set.stdout).name, 'orders');
  await callJson(server.url, 'POST', '/v1/events', key, [{ type: 'a', data: { order: 'o-1' } }], 200);
  let instance = await runCli(['correlation', 'instance', 'orders', 'o-1'], env);
  for (let i = 0; i < 50 && instance.code !== 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    instance = await runCli(['correlation', 'instance', 'orders', 'o-1'], env);
  }
  assert.equal(instance.code, 0, instance.stderr);
  assert.deepEqual(Object.keys(JSON.parse(instance.stdout).open.events), ['a']);
  const shown = JSON.parse((await runCli(['correlation', 'show', 'orders'], env)).stdout);
  assert.equal(shown.open, 1);
  assert.equal((await runCli(['correlation', 'delete', 'orders'], env)).code, 0);
  assert.equal((await runCli(['correlation', 'show', 'orders'], env)).code, 1);
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/edges/config/config.ts';
import { createSluice } from '../../../src/sluice.ts';
import { adminToken, tempDir } from '../../helpers/sluice.ts';

const yaml = (extra: string[]): string =>
  [
    'delivery:',
    '  allowPrivateNetworks: true',
    'tenants:',
    '  acme:',
    '    types:',
    '      orders: { schema: { type: object } }',
    '    subscriptions:',
    '      hook:',
    '        types: [orders]',
    '        destination: { kind: webhook, url: "http://127.0.0.1:9/hook" }',
    '        delivery: { retrySchedule: [1s, 1m] }',
    ...extra,
  ].join('\n');

void test('subscriptions in sluice.yaml are applied at start with their secret from the environment, and a second start writes nothing', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, yaml(['        secretEnv: HOOK_SECRET']));
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const dataDir = tempDir(t);
  const start = () => createSluice(loadConfig({ configFile: file, flags: { port: 0, dataDir, logLevel: 'silent', adminToken }, env: { HOOK_SECRET: secret } }));
  const first = await start();
  const entry = first.store.catalog.get('subscription', 'acme/hook');
  assert.equal(entry?.value.secrets[0]?.secret, secret);
  assert.deepEqual(entry.value.delivery.retrySchedule, [1000, 60_000]);
  const before = JSON.stringify(entry);
  await first.close();
  const second = await start();
  assert.equal(JSON.stringify(second.store.catalog.get('subscription', 'acme/hook')), before, 'a second start writes nothing');
  await second.close();
});

void test('a secret in the file, a missing variable, or a bad subscription stops start-up with the key and the fix', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, yaml(['        secret: whsec_abc']));
  assert.throws(() => loadConfig({ configFile: file, env: {} }), (error: unknown) => error instanceof ConfigError && /subscriptions\.hook\.secret is a secret.*secretEnv/.test(error.message));
  writeFileSync(file, yaml(['        secretEnv: NOT_SET_HERE']));
  assert.throws(() => loadConfig({ configFile: file, env: {} }), /NOT_SET_HERE, which is not set/);
  writeFileSync(file, yaml(['        colour: red']));
  assert.throws(() => loadConfig({ configFile: file, env: {} }), /subscriptions\.hook\.colour is not a setting/);
  writeFileSync(file, yaml([]).replace('types: [orders]', 'types: [ordres]'));
  await assert.rejects(
    createSluice(loadConfig({ configFile: file, flags: { port: 0, dataDir: tempDir(t), logLevel: 'silent', adminToken }, env: {} })),
    (error: unknown) => error instanceof ConfigError && /tenants\.acme\.subscriptions\.hook: .*"ordres"/.test(error.message),
  );
});

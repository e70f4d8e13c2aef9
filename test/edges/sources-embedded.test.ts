import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/edges/config/config-error.ts';
import { loadConfig } from '../../src/edges/config/config.ts';
import { createSluice } from '../../src/sluice.ts';
import { adminToken, startSluice, tempDir } from '../helpers/sluice.ts';

// Sources read Kafka topics; on the embedded store they are refused with a code that says so.

void test('on the embedded store PUT /v1/sources answers 409 sources_need_kafka and nothing is stored', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const put = await s.call('PUT', '/v1/sources/logins', { token: key, body: { topic: 'user-logins', type: 'user-login', format: 'json' } });
  assert.equal(put.status, 409);
  assert.equal(put.body.error.code, 'sources_need_kafka');
  assert.match(put.body.error.fix, /--kafka/);
  assert.deepEqual((await s.call('GET', '/v1/sources', { token: key })).body.items, []);
  assert.equal((await s.call('GET', '/v1/sources/logins', { token: key })).status, 404);
});

void test('the sources routes need the manage scope', async (t) => {
  const s = await startSluice(t);
  const consumer = await s.tenantWithKey('acme', ['consume']);
  const answer = await s.call('GET', '/v1/sources', { token: consumer });
  assert.equal(answer.status, 403);
  assert.equal(answer.body.error.code, 'forbidden');
});

void test('sluice.yaml sources: the shape is checked at load, naming the file and the key', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'sluice.yaml');
  const cases: [string, RegExp][] = [
    ['sources: {}\n', /sluice\.yaml: sources must be a list/],
    ['sources:\n  - just-a-name\n', /sources\[0\] must be a mapping/],
    ['sources:\n  - { name: a, tenant: acme, topic: t, type: x, colour: red }\n', /sources\[0\]\.colour is not a setting/],
    ['sources:\n  - { tenant: acme, topic: t, type: x }\n', /sources\[0\]\.name is required/],
    ['sources:\n  - { name: a, tenant: ACME, topic: t, type: x }\n', /sources\[0\]\.tenant is required/],
    ['sources:\n  - { name: a, tenant: acme, topic: t, type: x }\n  - { name: a, tenant: acme, topic: u, type: y }\n', /sources\[1\]\.name repeats source "a"/],
  ];
  for (const [text, expected] of cases) {
    writeFileSync(file, text);
    assert.throws(
      () => loadConfig({ configFile: file, env: {} }),
      (error: unknown) => error instanceof ConfigError && expected.test(error.message),
      text,
    );
  }
  writeFileSync(file, 'sources:\n  - { name: logins, tenant: acme, topic: user-logins, type: user-login, format: json }\n');
  const config = loadConfig({ configFile: file, env: {} });
  assert.deepEqual(config.declarations?.sources, [
    { tenant: 'acme', name: 'logins', definition: { topic: 'user-logins', type: 'user-login', format: 'json' } },
  ]);
});

void test('sluice.yaml sources on the embedded store stop start-up with the file, the key and the fix', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'sluice.yaml');
  writeFileSync(
    file,
    'tenants:\n  acme:\n    types:\n      user-login: { schema: { type: object } }\nsources:\n  - { name: logins, tenant: acme, topic: user-logins, type: user-login }\n',
  );
  const config = loadConfig({ configFile: file, env: {}, flags: { port: 0, host: '127.0.0.1', dataDir: dir, logLevel: 'silent', adminToken } });
  await assert.rejects(
    createSluice(config),
    (error: unknown) => error instanceof ConfigError && error.message.includes(file) && /sources\[0\]: .*embedded store.*--kafka/.test(error.message),
  );
});

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/edges/config/config.ts';
import { createSluice } from '../../../src/sluice.ts';
import { adminToken, tempDir } from '../../helpers/sluice.ts';

const schema = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } };

void test('precedence: flags over SLUICE_* environment over the file over defaults', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, 'server:\n  port: 7001\n  host: 0.0.0.0\nlimits:\n  maxDepth: 10\n');
  const fromFile = loadConfig({ configFile: file, env: {} });
  assert.equal(fromFile.port, 7001);
  assert.equal(fromFile.host, '0.0.0.0');
  assert.equal(fromFile.limits.maxDepth, 10);
  assert.equal(fromFile.limits.maxBodyBytes, 5 * 1024 * 1024, 'untouched settings keep their defaults');
  const fromEnv = loadConfig({ configFile: file, env: { SLUICE_PORT: '7002', SLUICE_MAX_DEPTH: '12' } });
  assert.equal(fromEnv.port, 7002);
  assert.equal(fromEnv.limits.maxDepth, 12);
  assert.equal(fromEnv.host, '0.0.0.0');
  const fromFlags = loadConfig({ configFile: file, env: { SLUICE_PORT: '7002' }, flags: { port: 7003 } });
  assert.equal(fromFlags.port, 7003);
  assert.ok(Object.isFrozen(fromFlags) && Object.isFrozen(fromFlags.limits), 'the configuration is frozen');
});

void test('a bad setting names the file, the key and what is wrong', (t) => {
  const dir = tempDir(t);
  const cases: [string, RegExp][] = [
    ['server:\n  port: 99999\n', /sluice\.yaml.*port must be <= 65535/],
    ['server:\n  prot: 8080\n', /prot is not a setting/],
    ['colour: blue\n', /unknown top-level key "colour"; expected server, limits, groups, delivery, kafka, tenants/],
    ['server:\n  adminToken: abcdefghijklmnopq\n', /secret; set SLUICE_ADMIN_TOKEN/],
    ['server: [1\n', /not valid YAML/],
    ['tenants:\n  Acme: {}\n', /tenants\.Acme is not a tenant id/],
    ['tenants:\n  acme:\n    types:\n      fruits: { partitions: 2 }\n', /tenants\.acme\.types\.fruits needs exactly one of schema/],
    ['tenants:\n  acme:\n    types:\n      fruits: { schemaFile: missing.json }\n', /tenants\.acme\.types\.fruits\.schemaFile cannot be read/],
    ['tenants:\n  acme:\n    types:\n      fruits: { schema: {}, colour: red }\n', /tenants\.acme\.types\.fruits\.colour is not a setting/],
  ];
  for (const [text, expected] of cases) {
    const file = join(dir, 'sluice.yaml');
    writeFileSync(file, text);
    assert.throws(
      () => loadConfig({ configFile: file, env: {} }),
      (error: unknown) => error instanceof ConfigError && expected.test(error.message),
      text,
    );
  }
  assert.throws(() => loadConfig({ env: { SLUICE_PORT: 'eighty' } }), /SLUICE_PORT=eighty is not a whole number/);
  assert.throws(() => loadConfig({ env: { SLUICE_LOG_LEVEL: 'verbose' } }), /logLevel must be one of fatal, error, warn, info, debug, trace, silent/);
});

void test('declared tenants, types and pipelines are applied at start, and a second start changes nothing', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'sluice.yaml');
  writeFileSync(join(dir, 'fruits.json'), JSON.stringify(schema));
  writeFileSync(
    file,
    [
      'tenants:',
      '  acme:',
      '    name: Acme',
      '    types:',
      '      fruits:',
      '        schemaFile: fruits.json',
      '        partitions: 2',
      '        partitionKey: /name',
      '        pipeline:',
      '          steps: [{ set: { source_app: shop } }]',
      '          route: { field: name, map: { apple: apples }, default: fruits }',
      '      apples: { schema: { type: object } }',
    ].join('\n'),
  );
  const dataDir = tempDir(t);
  const start = async () => {
    const sluice = await createSluice(loadConfig({ configFile: file, flags: { port: 0, dataDir, logLevel: 'silent', adminToken }, env: {} }));
    return sluice;
  };
  const first = await start();
  const type = first.services.registry.getType('acme', 'fruits');
  assert.equal(type.partitions, 2);
  assert.equal(type.latestVersion, 1);
  assert.deepEqual(first.services.registry.getPipeline('acme', 'fruits').route, { field: 'name', map: { apple: 'apples' }, default: 'fruits' });
  const catalogBefore = JSON.stringify(first.store.catalog.list('event-type'));
  await first.close();

  const second = await start();
  assert.equal(JSON.stringify(second.store.catalog.list('event-type')), catalogBefore, 'a second start writes nothing');
  await second.close();

  writeFileSync(join(dir, 'fruits.json'), JSON.stringify({ ...schema, description: 'fruits we sell' }));
  const third = await start();
  assert.equal(third.services.registry.getType('acme', 'fruits').latestVersion, 2, 'a changed schema is a new version');
  await third.close();
});

void test('a declaration the store refuses stops start-up naming the file, the key and the fix', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'sluice.yaml');
  const dataDir = tempDir(t);
  const cases: [string, RegExp][] = [
    [
      'tenants:\n  acme:\n    types:\n      fruits: { schema: { type: 12 } }\n',
      /tenants\.acme\.types\.fruits: the schema is not valid draft 2020-12 JSON Schema: \/type must be equal to one of the allowed values/,
    ],
    [
      'tenants:\n  acme:\n    types:\n      fruits:\n        schema: { type: object }\n        pipeline: { steps: [{ renam: { a: b } }] }\n',
      /tenants\.acme\.types\.fruits\.pipeline: the pipeline is not valid.*renam/,
    ],
    [
      'tenants:\n  acme:\n    types:\n      fruits:\n        schema: { type: object }\n        pipeline: { route: { field: x, map: { a: nowhere } } }\n',
      /tenants\.acme\.types\.fruits\.pipeline: .*nowhere/,
    ],
  ];
  for (const [text, expected] of cases) {
    writeFileSync(file, text);
    await assert.rejects(
      createSluice(loadConfig({ configFile: file, flags: { port: 0, dataDir, logLevel: 'silent', adminToken }, env: {} })),
      (error: unknown) => error instanceof ConfigError && expected.test(error.message) && error.message.includes(file),
      text,
    );
  }
});

void test('the dedup window: 24 h and 500,000 ids by default, set in the file or the environment, and checked', (t) => {
  const defaults = loadConfig({ env: {} });
  assert.equal(defaults.limits.dedupWindowMs, 86_400_000);
  assert.equal(defaults.limits.dedupWindowIds, 500_000);
  const dir = tempDir(t);
  const file = join(dir, 'sluice.yaml');
  writeFileSync(file, 'limits:\n  dedupWindowMs: 3600000\n  dedupWindowIds: 1000\n');
  const fromFile = loadConfig({ configFile: file, env: {} });
  assert.deepEqual([fromFile.limits.dedupWindowMs, fromFile.limits.dedupWindowIds], [3_600_000, 1000]);
  const fromEnv = loadConfig({ configFile: file, env: { SLUICE_DEDUP_WINDOW_MS: '7200000', SLUICE_DEDUP_WINDOW_IDS: '2000000' } });
  assert.deepEqual([fromEnv.limits.dedupWindowMs, fromEnv.limits.dedupWindowIds], [7_200_000, 2_000_000]);
  assert.throws(() => loadConfig({ env: { SLUICE_DEDUP_WINDOW_IDS: '0' } }), /limits\.dedupWindowIds must be >= 1/);
  assert.throws(() => loadConfig({ env: { SLUICE_DEDUP_WINDOW_MS: '10' } }), /limits\.dedupWindowMs must be >= 1000/);
  assert.throws(() => loadConfig({ env: { SLUICE_DEDUP_WINDOW_MS: '1h' } }), /SLUICE_DEDUP_WINDOW_MS=1h is not a whole number/);
});

void test('the checkpoint thread: on by default, turned off in the file or the environment, and checked', (t) => {
  assert.equal(loadConfig({ env: {} }).store.checkpointThread, true);
  const file = join(tempDir(t), 'sluice.yaml');
  writeFileSync(file, 'store:\n  checkpointThread: false\n');
  assert.equal(loadConfig({ configFile: file, env: {} }).store.checkpointThread, false);
  assert.equal(loadConfig({ configFile: file, env: { SLUICE_CHECKPOINT_THREAD: 'true' } }).store.checkpointThread, true);
  assert.equal(loadConfig({ env: { SLUICE_CHECKPOINT_THREAD: 'false' } }).store.checkpointThread, false);
  assert.throws(() => loadConfig({ env: { SLUICE_CHECKPOINT_THREAD: 'sometimes' } }), /SLUICE_CHECKPOINT_THREAD/);
  writeFileSync(file, 'store:\n  checkpointThreads: false\n');
  assert.throws(() => loadConfig({ configFile: file, env: {} }), /checkpointThreads is not a setting/);
});

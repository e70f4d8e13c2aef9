import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../../../src/edges/config/config.ts';
import { createSluice, type Sluice } from '../../../src/sluice.ts';
import { adminToken, tempDir } from '../../helpers/sluice.ts';

// The types and the subscription that names them are in the same file: types are applied first.
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
    '        filter: { data: { total: [{ numeric: [">", 100] }] } }',
    '        destination: { kind: webhook, url: "http://127.0.0.1:9/hook", headers: { authorization: Bearer abc } }',
    '        delivery: { retrySchedule: [1s, 1m], timeoutMs: 5s, disableAfter: 2d }',
    ...extra,
  ].join('\n');

const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** Starts Sluice on the file with the given environment; answers it and what it logged it applied. */
async function startWith(file: string, dataDir: string, env: NodeJS.ProcessEnv): Promise<{ sluice: Sluice; applied: Record<string, string[]> }> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  const sluice = await createSluice(loadConfig({ configFile: file, flags: { port: 0, dataDir, logLevel: 'info', adminToken }, env }), {
    logger: pino({ level: 'info' }, sink),
  });
  const entry = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((logged) => logged.msg === 'applied the config file');
  assert.ok(entry !== undefined, 'the start logs what it applied');
  assert.equal(lines.join('\n').includes(String(env.HOOK_SECRET ?? 'no secret given')), false, 'the secret is never logged');
  return { sluice, applied: entry as unknown as Record<string, string[]> };
}

void test('subscriptions in sluice.yaml are applied at start with their secret from the environment, and a second start writes nothing', async (t) => {
  const file = join(tempDir(t), 'sluice.yaml');
  writeFileSync(file, yaml(['        secretEnv: HOOK_SECRET']));
  const secret = newSecret();
  const dataDir = tempDir(t);

  const first = await startWith(file, dataDir, { HOOK_SECRET: secret });
  assert.deepEqual(first.applied.typesChanged, ['acme.orders']);
  assert.deepEqual(first.applied.subscriptionsChanged, ['acme/hook']);
  const entry = first.sluice.store.catalog.get('subscription', 'acme/hook');
  assert.equal(entry?.value.secrets.length, 1);
  assert.equal(entry.value.secrets[0]?.secret, secret, 'the secret is the one secretEnv names');
  assert.deepEqual(entry.value.types, ['orders']);
  assert.deepEqual(entry.value.filter, { data: { total: [{ numeric: ['>', 100] }] } });
  assert.deepEqual(entry.value.destination, { kind: 'webhook', url: 'http://127.0.0.1:9/hook', headers: { authorization: 'Bearer abc' }, mode: 'structured' });
  assert.deepEqual(entry.value.delivery, { batchSize: 1, maxInFlight: 10, timeoutMs: 5000, retrySchedule: [1000, 60_000], disableAfterMs: 2 * 86_400_000 });
  const before = JSON.stringify(entry);
  await first.sluice.close();

  const second = await startWith(file, dataDir, { HOOK_SECRET: secret });
  assert.deepEqual(second.applied.subscriptionsChanged, [], 'a second start changes nothing');
  assert.equal(JSON.stringify(second.sluice.store.catalog.get('subscription', 'acme/hook')), before, 'a second start writes nothing');
  await second.sluice.close();

  // A new secret in the environment rotates: the old one keeps signing for the grace period.
  const next = newSecret();
  const third = await startWith(file, dataDir, { HOOK_SECRET: next });
  assert.deepEqual(third.applied.subscriptionsChanged, ['acme/hook']);
  const rotated = third.sluice.store.catalog.get('subscription', 'acme/hook')?.value;
  assert.deepEqual(
    rotated?.secrets.map((s) => s.secret),
    [next, secret],
  );
  assert.ok(rotated.secrets[1]?.expiresAt !== undefined);
  await third.sluice.close();
});

void test('without secretEnv Sluice generates the secret once and keeps it on later starts', async (t) => {
  const file = join(tempDir(t), 'sluice.yaml');
  writeFileSync(file, yaml([]));
  const dataDir = tempDir(t);
  const first = await startWith(file, dataDir, {});
  const generated = first.sluice.store.catalog.get('subscription', 'acme/hook')?.value.secrets[0]?.secret;
  assert.match(String(generated), /^whsec_/);
  await first.sluice.close();
  const second = await startWith(file, dataDir, {});
  assert.deepEqual(second.applied.subscriptionsChanged, []);
  assert.deepEqual(
    second.sluice.store.catalog.get('subscription', 'acme/hook')?.value.secrets.map((s) => s.secret),
    [generated],
  );
  await second.sluice.close();
});

void test('a secret in the file, a missing or bad variable, or a bad subscription stops start-up with the key and the fix', async (t) => {
  const file = join(tempDir(t), 'sluice.yaml');
  const refuses = (lines: string[], env: NodeJS.ProcessEnv, pattern: RegExp): void => {
    writeFileSync(file, yaml(lines));
    assert.throws(
      () => loadConfig({ configFile: file, env }),
      (error: unknown) => error instanceof ConfigError && error.message.startsWith(`config file ${file}: `) && pattern.test(error.message),
      `${lines.join(' ')} should be refused with ${pattern}`,
    );
  };
  refuses([`        secret: ${newSecret()}`], {}, /tenants\.acme\.subscriptions\.hook\.secret is a secret and does not belong in the file.*secretEnv/);
  refuses(['        secretEnv: NOT_SET_HERE'], {}, /subscriptions\.hook\.secretEnv names NOT_SET_HERE, which is not set: export NOT_SET_HERE=whsec_/);
  refuses(
    ['        secretEnv: HOOK_SECRET'],
    { HOOK_SECRET: 'hunter2' },
    /secretEnv names HOOK_SECRET, whose value is not a signing secret: a signing secret is "whsec_"/,
  );
  refuses(['        secretEnv: not a name'], {}, /subscriptions\.hook\.secretEnv must name an environment variable/);
  refuses(['        colour: red'], {}, /subscriptions\.hook\.colour is not a setting \(expected types, filter, start, destination, delivery, secretEnv\)/);
  // The definition itself is checked when the file is read, every problem named.
  writeFileSync(file, yaml([]).replace('url: "http://127.0.0.1:9/hook"', 'url: "ftp://example.com/"').replace('[1s, 1m]', '[1s, soon]'));
  assert.throws(
    () => loadConfig({ configFile: file, env: {} }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /tenants\.acme\.subscriptions\.hook is not a valid subscription: /.test(error.message) &&
      /hook\.destination\.url the scheme must be http or https/.test(error.message) &&
      /hook\.delivery\.retrySchedule\.1 a delay/.test(error.message),
  );
  writeFileSync(file, yaml([]).replace('      hook:', '      Bad_Hook:'));
  assert.throws(() => loadConfig({ configFile: file, env: {} }), /tenants\.acme\.subscriptions\.Bad_Hook is not a subscription name/);

  // What only the store knows is checked when the file is applied: the types must exist.
  writeFileSync(file, yaml([]).replace('types: [orders]', 'types: [ordres]'));
  await assert.rejects(
    createSluice(loadConfig({ configFile: file, flags: { port: 0, dataDir: tempDir(t), logLevel: 'silent', adminToken }, env: {} })),
    (error: unknown) => error instanceof ConfigError && /tenants\.acme\.subscriptions\.hook: .*"ordres"/.test(error.message),
  );
});

void test('a loopback endpoint in the file is refused at start unless private networks are allowed', async (t) => {
  const file = join(tempDir(t), 'sluice.yaml');
  writeFileSync(file, yaml([]).replace('allowPrivateNetworks: true', 'allowPrivateNetworks: false'));
  await assert.rejects(
    createSluice(loadConfig({ configFile: file, flags: { port: 0, dataDir: tempDir(t), logLevel: 'silent', adminToken }, env: {} })),
    (error: unknown) =>
      error instanceof ConfigError && /tenants\.acme\.subscriptions\.hook: Sluice will not deliver to http:\/\/127\.0\.0\.1:9\/hook/.test(error.message),
  );
});

/**
 * `sluice subscription …` against a real `sluice start`: set, show, list, pause, resume,
 * replay, rotate-secret, deliveries and delete, and the error a typo gets.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { startReceiver } from '../../helpers/receiver.ts';
import { runCli, spawnSluice } from '../../helpers/process.ts';
import { adminToken, tempDir } from '../../helpers/sluice.ts';
import { callJson } from '../../integrity/load.ts';

const clean = {
  SLUICE_ADMIN_TOKEN: adminToken,
  SLUICE_KEY: undefined,
  SLUICE_URL: undefined,
  SLUICE_DATA_DIR: undefined,
  SLUICE_CONFIG: undefined,
  SLUICE_DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true',
};

void test('the subscription commands manage a webhook from set to delete', { timeout: 120_000 }, async (t) => {
  const server = await spawnSluice(t, ['--data-dir', tempDir(t)], clean);
  await callJson(server.url, 'POST', '/v1/tenants', adminToken, { id: 'acme' }, 201);
  const { key } = (await callJson(server.url, 'POST', '/v1/tenants/acme/keys', adminToken, { scopes: ['produce', 'consume', 'manage'] }, 201)) as {
    key: string;
  };
  await callJson(server.url, 'PUT', '/v1/types/fruits', key, { schema: { type: 'object' } }, 201);
  const env = { ...clean, SLUICE_URL: server.url, SLUICE_KEY: key };
  const receiver = await startReceiver(t);
  const run = async (args: string[]): Promise<any> => {
    const result = await runCli(['subscription', ...args], env);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim() === '' ? undefined : JSON.parse(result.stdout);
  };

  const setResult = await runCli(
    [
      'subscription',
      'set',
      'hook',
      '--types',
      'fruits',
      '--endpoint',
      receiver.url,
      '--header',
      'authorization=Bearer abc',
      '--retry-schedule',
      '1s,1m',
      '--start',
      'earliest',
    ],
    env,
  );
  assert.equal(setResult.code, 0, setResult.stderr);
  const created = JSON.parse(setResult.stdout);
  assert.match(created.secret, /^whsec_/);
  assert.ok(setResult.stderr.includes(`Signing secret: ${created.secret}`), setResult.stderr);
  assert.match(setResult.stderr, /shown only now/);
  assert.deepEqual(created.delivery.retrySchedule, [1000, 60_000]);
  assert.deepEqual(created.destination.headers, { authorization: 'Bearer abc' });

  await callJson(server.url, 'POST', '/v1/events', key, { type: 'fruits', data: { name: 'apple' } }, 200);
  await receiver.until((r) => r.length === 1);
  new Webhook(created.secret as string).verify(receiver.requests[0]!.body, receiver.requests[0]!.headers as Record<string, string>);
  assert.equal(receiver.requests[0]!.headers.authorization, 'Bearer abc');

  const shown = await run(['show', 'hook']);
  assert.equal(shown.state, 'active');
  assert.equal(shown.secret, undefined);
  assert.equal(JSON.stringify(shown).includes(created.secret), false, 'show never prints the secret');
  assert.deepEqual(
    (await run(['list'])).items.map((item: { name: string }) => item.name),
    ['hook'],
  );
  assert.equal((await run(['pause', 'hook'])).state, 'paused');
  assert.equal((await run(['resume', 'hook'])).state, 'active');
  const deliveries = await run(['deliveries', 'hook']);
  assert.equal(deliveries.items[0].outcome, 'delivered');
  await run(['replay', 'hook', '--from', 'earliest']);
  await receiver.until((r) => r.length === 2);
  const rotated = await run(['rotate-secret', 'hook', '--grace', '1h']);
  assert.match(rotated.secret, /^whsec_/);
  assert.equal(rotated.subscription.secrets.length, 2);
  const expiresIn = Date.parse(rotated.subscription.secrets[1].expiresAt) - Date.now();
  assert.ok(expiresIn > 3_500_000 && expiresIn <= 3_600_000, `--grace 1h: the old secret expires in ${expiresIn} ms`);

  // Mistakes, each named: the server's (exit 1, every problem and the fix) and the flags' own.
  const [typo, badFlags, badHeader, badGrace] = await Promise.all([
    runCli(['subscription', 'set', 'other', '--types', 'fruts', '--endpoint', receiver.url], env),
    runCli(['subscription', 'set', 'other', '--types', 'fruits', '--endpoint', receiver.url, '--batch-size', 'ten', '--timeout', 'soon'], env),
    runCli(['subscription', 'set', 'other', '--types', 'fruits', '--endpoint', receiver.url, '--header', 'authorization'], env),
    runCli(['subscription', 'rotate-secret', 'hook', '--grace', 'a while'], env),
  ]);
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /invalid_subscription: .*"fruts"/);
  assert.match(typo.stderr, /^fix: \S/m);
  assert.equal(badFlags.code, 1);
  assert.match(badFlags.stderr, /\/delivery\/batchSize: an integer/);
  assert.match(badFlags.stderr, /\/delivery\/timeoutMs: an integer/);
  assert.notEqual(badHeader.code, 0);
  assert.match(badHeader.stderr, /--header authorization: write name=value/);
  assert.notEqual(badGrace.code, 0);
  assert.match(badGrace.stderr, /--grace a while: give a duration such as 24h/);

  // A definition file, with flags laid over it.
  const file = join(tempDir(t), 'hook.yaml');
  writeFileSync(file, ['types: [fruits]', 'destination:', `  url: ${receiver.url}`, '  mode: binary', 'delivery: { timeoutMs: 2s }'].join('\n'));
  const fromFile = await run(['set', 'from-file', '--file', file, '--max-in-flight', '3']);
  assert.equal(fromFile.destination.mode, 'binary');
  assert.equal(fromFile.delivery.timeoutMs, 2000);
  assert.equal(fromFile.delivery.maxInFlight, 3);
  const unchanged = await runCli(['subscription', 'set', 'from-file', '--file', file, '--max-in-flight', '3'], env);
  assert.equal(unchanged.code, 0, unchanged.stderr);
  assert.equal(JSON.parse(unchanged.stdout).secret, undefined);
  assert.doesNotMatch(unchanged.stderr, /Signing secret/, 'the secret is shown only when it was created or replaced');
  assert.deepEqual((await run(['list'])).items.map((item: { name: string }) => item.name).sort(), ['from-file', 'hook']);
  await run(['delete', 'from-file']);

  assert.deepEqual(await run(['delete', 'hook']), { deleted: 'hook' });
  const missing = await runCli(['subscription', 'show', 'hook'], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /not_found/);
});

void test(
  'sluice subscription set makes file and Kafka sinks from flags; a sink on the embedded store without brokers says what to add',
  { timeout: 60_000 },
  async (t) => {
    const dataDir = tempDir(t);
    const server = await spawnSluice(t, ['--data-dir', dataDir], clean);
    await callJson(server.url, 'POST', '/v1/tenants', adminToken, { id: 'acme' }, 201);
    const { key } = (await callJson(server.url, 'POST', '/v1/tenants/acme/keys', adminToken, { scopes: ['produce', 'consume', 'manage'] }, 201)) as {
      key: string;
    };
    await callJson(server.url, 'PUT', '/v1/types/fruits', key, { schema: { type: 'object' } }, 201);
    const env = { ...clean, SLUICE_URL: server.url, SLUICE_KEY: key };

    const file = await runCli(
      ['subscription', 'set', 'archive', '--types', 'fruits', '--archive-dir', 'fruit-archive', '--format', 'ndjson.gz', '--start', 'earliest'],
      env,
    );
    assert.equal(file.code, 0, file.stderr);
    const created = JSON.parse(file.stdout);
    assert.deepEqual(created.destination, {
      kind: 'file',
      dir: 'fruit-archive',
      format: 'ndjson.gz',
      content: 'cloudevents',
      rotate: { bytes: 67_108_864, seconds: 300 },
      errorShape: 'envelope',
    });
    assert.equal(created.secret, undefined);
    assert.doesNotMatch(file.stderr, /Signing secret/);

    const kafka = await runCli(['subscription', 'set', 'out', '--types', 'fruits', '--kafka-topic', 'fruits-out'], env);
    assert.equal(kafka.code, 1, kafka.stderr);
    assert.match(kafka.stderr, /invalid_subscription/);
    assert.match(kafka.stderr, /\/destination\/brokers/);
    assert.match(kafka.stderr, /embedded store/);

    const both = await runCli(['subscription', 'set', 'out', '--types', 'fruits', '--kafka-topic', 'x', '--endpoint', 'https://example.com/'], env);
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /give one destination/);
  },
);

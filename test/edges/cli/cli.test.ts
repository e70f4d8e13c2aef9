/**
 * The CLI end to end: `sluice start` as a real process, then every step a new user takes,
 * only through `sluice` commands: tenant, key, type, produce (file and stdin), tail,
 * dead letters; errors with their fix; graceful shutdown; a restart that keeps the token.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { runCli, spawnSluice, type SluiceProcess } from '../../helpers/process.ts';
import { tempDir } from '../../helpers/sluice.ts';

/** Nothing from the shell that runs the tests may leak into the commands under test. */
const clean = { SLUICE_ADMIN_TOKEN: undefined, SLUICE_KEY: undefined, SLUICE_URL: undefined, SLUICE_DATA_DIR: undefined, SLUICE_CONFIG: undefined };

const fruitSchema = {
  type: 'object',
  required: ['name', 'color'],
  additionalProperties: false,
  properties: { name: { type: 'string' }, color: { type: 'string' } },
};

/** Waits (bounded) until the server has written `text` to stderr. */
async function stderrShows(server: SluiceProcess, text: string, timeoutMs = 5_000): Promise<boolean> {
  for (let waited = 0; waited < timeoutMs; waited += 50) {
    if (server.stderr().includes(text)) return true;
    await sleep(50);
  }
  return server.stderr().includes(text);
}

function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

function parseJson(output: { code: number; stdout: string; stderr: string }, what: string): any {
  try {
    return JSON.parse(output.stdout);
  } catch {
    assert.fail(`${what}: stdout is not JSON (exit ${output.code}): ${output.stdout} ${output.stderr}`);
  }
}

void test('sluice --help and --version answer without a server', async () => {
  const [help, version] = await Promise.all([runCli(['--help'], clean), runCli(['--version'], clean)]);
  assert.equal(help.code, 0, help.stderr);
  for (const command of ['start', 'tenant', 'key', 'type', 'pipeline', 'produce', 'stream', 'tail', 'group', 'dead-letters', 'source', 'subscription']) {
    assert.match(help.stdout, new RegExp(`^\\s+${command}\\b`, 'm'), `--help does not list ${command}`);
  }
  const packageVersion = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), packageVersion);
});

void test('an unknown command fails with a usage error', async () => {
  const result = await runCli(['frobnicate'], clean);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /unknown command 'frobnicate'/);
});

void test('a client command reports an unreachable server with a hint and exit code 2', async () => {
  // Port 1 on loopback: nothing listens there, so the connection is refused.
  const result = await runCli(['type', 'list'], { ...clean, SLUICE_URL: 'http://127.0.0.1:1', SLUICE_KEY: 'sk.x.y' });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /cannot reach Sluice at http:\/\/127\.0\.0\.1:1/);
  assert.match(result.stderr, /SLUICE_URL/);
});

void test('the CLI drives a server from first start to graceful shutdown', { timeout: 55_000 }, async (t) => {
  const dir = tempDir(t, 'sluice-cli-');
  const dataDir = join(dir, 'data');
  const first = await spawnSluice(t, ['--data-dir', dataDir], clean);
  const tokenFile = join(dataDir, 'admin-token');
  let adminToken = '';

  await t.test('a first start generates the admin token, shows it once and keeps it with mode 0600', async () => {
    assert.ok(existsSync(tokenFile), 'no admin-token file in the data directory');
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    adminToken = readFileSync(tokenFile, 'utf8').trim();
    assert.match(adminToken, /^sa\.[A-Za-z0-9_-]{40,}$/);
    assert.ok(await stderrShows(first, adminToken), `the banner does not show the token; stderr: ${first.stderr()}`);
    assert.equal(occurrences(first.stderr(), adminToken), 1);
    assert.ok(first.stderr().includes(tokenFile), 'the banner does not say where the token is kept');
  });

  const env = { ...clean, SLUICE_URL: first.url };
  let key = '';

  await t.test('tenant create finds the admin token in the data directory', async () => {
    const result = await runCli(['tenant', 'create', 'acme', '--data-dir', dataDir], env);
    assert.equal(result.code, 0, result.stderr);
    const tenant = parseJson(result, 'tenant create');
    assert.equal(tenant.id, 'acme');
  });

  await t.test('key create finds the admin token through SLUICE_DATA_DIR', async () => {
    const result = await runCli(['key', 'create', '--tenant', 'acme', '--scopes', 'produce,consume,manage'], { ...env, SLUICE_DATA_DIR: dataDir });
    assert.equal(result.code, 0, result.stderr);
    const created = parseJson(result, 'key create');
    assert.equal(created.tenant, 'acme');
    assert.deepEqual([...created.scopes].sort(), ['consume', 'manage', 'produce']);
    assert.equal(typeof created.key, 'string');
    key = created.key;
  });

  /** The tenant's key, once `key create` has made it. */
  const asTenant = (): NodeJS.ProcessEnv => ({ ...env, SLUICE_KEY: key });
  const produced = new Map<string, { partition: number; offset: number; data: unknown }>();

  await t.test('type register reads a schema file and sets the partition key', async () => {
    const schemaFile = join(dir, 'fruit.schema.json');
    writeFileSync(schemaFile, JSON.stringify(fruitSchema));
    const result = await runCli(['type', 'register', 'fruits', '--schema', schemaFile, '--partition-key', '/name'], asTenant());
    assert.equal(result.code, 0, result.stderr);
    const type = parseJson(result, 'type register');
    assert.equal(type.type, 'fruits');
    assert.equal(type.stream, 'acme.fruits');
    assert.equal(type.version, 1);
    assert.equal(type.partitionKey, '/name');
  });

  await t.test('produce sends an NDJSON file', async () => {
    const file = join(dir, 'fruits.ndjson');
    const data = [
      { name: 'apple', color: 'red' },
      { name: 'banana', color: 'yellow' },
      { name: 'apple', color: 'green' },
    ];
    writeFileSync(file, `${data.map((value) => JSON.stringify(value)).join('\n')}\n`);
    const result = await runCli(['produce', 'fruits', file, '--output', 'json'], asTenant());
    assert.equal(result.code, 0, result.stderr);
    const outcome = parseJson(result, 'produce file');
    assert.equal(outcome.accepted, 3);
    assert.equal(outcome.rejected, 0);
    outcome.results.forEach((r: { id: string; stream: string; partition: number; offset: number }, i: number) => {
      assert.equal(r.stream, 'acme.fruits');
      produced.set(r.id, { partition: r.partition, offset: r.offset, data: data[i] });
    });
    // Both apples share the partition key, so the second follows the first in one partition.
    const [apple1, , apple2] = outcome.results;
    assert.equal(apple2.partition, apple1.partition);
    assert.ok(apple2.offset > apple1.offset);
  });

  await t.test('produce reads a JSON array from stdin; a bad event exits 1 and names the rejection', async () => {
    const data = [
      { name: 'cherry', color: 'red' },
      { name: 'kiwi', color: 42 },
    ];
    const result = await runCli(['produce', 'fruits', '--output', 'json'], asTenant(), JSON.stringify(data));
    assert.equal(result.code, 1, result.stderr);
    const outcome = parseJson(result, 'produce stdin');
    assert.equal(outcome.accepted, 1);
    assert.equal(outcome.rejected, 1);
    const [good, bad] = outcome.results;
    produced.set(good.id, { partition: good.partition, offset: good.offset, data: data[0] });
    assert.equal(bad.index, 1);
    assert.equal(bad.error.code, 'schema_validation_failed');
    assert.deepEqual(bad.error.details, [{ path: '/color', reason: 'must be string' }]);
    assert.equal(bad.deadLetter.stream, 'acme._dead');
  });

  await t.test('tail --from earliest -n 3 prints three records and stops', async () => {
    const result = await runCli(['tail', 'acme.fruits', '--from', 'earliest', '-n', '3'], asTenant());
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 3, result.stdout);
    const records = lines.map((line) => JSON.parse(line));
    assert.equal(new Set(records.map((record) => record.id)).size, 3, 'a record was printed twice');
    for (const record of records) {
      const sent = produced.get(record.id);
      assert.ok(sent !== undefined, `tail printed ${record.id}, which was not produced`);
      assert.equal(record.stream, 'acme.fruits');
      assert.equal(record.tenant, 'acme');
      assert.deepEqual({ partition: record.partition, offset: record.offset, data: record.data }, sent);
      assert.equal(record.key, (sent.data as { name: string }).name);
    }
    // Within a partition the tail keeps the log's order.
    for (let i = 1; i < records.length; i++) {
      if (records[i].partition === records[i - 1].partition) assert.ok(records[i].offset > records[i - 1].offset);
    }
  });

  await t.test('dead-letters list shows the refused event with its reason and original bytes', async () => {
    const result = await runCli(['dead-letters', 'list'], asTenant());
    assert.equal(result.code, 0, result.stderr);
    const { items } = parseJson(result, 'dead-letters list');
    assert.equal(items.length, 1);
    const [dead] = items;
    assert.equal(dead.code, 'schema_validation_failed');
    assert.equal(dead.stage, 'ingest');
    assert.equal(dead.type, 'fruits');
    assert.deepEqual(JSON.parse(dead.original), { type: 'fruits', data: { name: 'kiwi', color: 42 } });
  });

  await t.test('stream show and stream read answer the partitions and their records by offset', async () => {
    const shown = await runCli(['stream', 'show', 'acme.fruits'], asTenant());
    assert.equal(shown.code, 0, shown.stderr);
    const info = parseJson(shown, 'stream show');
    assert.equal(info.partitions, 4);
    const ids: string[] = [];
    for (let partition = 0; partition < 4; partition++) {
      const read = await runCli(['stream', 'read', 'acme.fruits', '--partition', String(partition), '--from', 'earliest'], asTenant());
      assert.equal(read.code, 0, read.stderr);
      const page = parseJson(read, 'stream read');
      for (const item of page.items) {
        assert.equal(item.partition, partition);
        assert.equal(produced.get(item.id)?.offset, item.offset);
        ids.push(item.id);
      }
    }
    assert.deepEqual(ids.sort(), [...produced.keys()].sort());
  });

  await t.test('group poll reads the stream as a member and commits; group show and list see the group without lag', async () => {
    const polled = await runCli(['group', 'poll', 'billing', 'acme.fruits', '--member', 'worker-1', '--max', '100', '--commit'], asTenant());
    assert.equal(polled.code, 0, polled.stderr);
    const [answerText, committedText] = polled.stdout.trim().split(/\n(?=\{)/);
    const answer = JSON.parse(answerText!) as { member: string; members: string[]; partitions: unknown[]; items: { id: string }[] };
    assert.equal(answer.member, 'worker-1');
    assert.deepEqual(answer.members, ['worker-1']);
    assert.equal(answer.partitions.length, 4);
    assert.deepEqual(answer.items.map((item) => item.id).sort(), [...produced.keys()].sort());
    assert.ok(Array.isArray((JSON.parse(committedText!) as { committed: unknown[] }).committed));
    const shown = await runCli(['group', 'show', 'billing'], asTenant());
    assert.equal(shown.code, 0, shown.stderr);
    const view = parseJson(shown, 'group show');
    assert.deepEqual(view.members, ['worker-1']);
    for (const offset of view.offsets) assert.equal(offset.lag, 0, `partition ${offset.partition} lags`);
    const listed = await runCli(['group', 'list'], asTenant());
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(JSON.stringify(parseJson(listed, 'group list')).includes('billing'));
    const left = await runCli(['group', 'leave', 'billing', '--member', 'worker-1'], asTenant());
    assert.equal(left.code, 0, left.stderr);
  });

  await t.test('source set on the embedded store is refused with sources_need_kafka and a fix', async () => {
    const result = await runCli(['source', 'set', 'logins', '--topic', 'user-logins', '--type', 'fruits'], asTenant());
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^sluice: sources_need_kafka: /m);
    assert.match(result.stderr, /^fix: \S/m);
    const listed = await runCli(['source', 'list'], asTenant());
    assert.equal(listed.code, 0, listed.stderr);
  });

  await t.test('type list shows the registered type', async () => {
    const result = await runCli(['type', 'list'], asTenant());
    assert.equal(result.code, 0, result.stderr);
    const { items } = parseJson(result, 'type list');
    assert.deepEqual(
      items.map((item: { type: string; stream: string; partitions: number; latestVersion: number; partitionKey: string }) => ({
        type: item.type,
        stream: item.stream,
        partitions: item.partitions,
        latestVersion: item.latestVersion,
        partitionKey: item.partitionKey,
      })),
      [{ type: 'fruits', stream: 'acme.fruits', partitions: 4, latestVersion: 1, partitionKey: '/name' }],
    );
  });

  await t.test('an API error prints its code and a fix line on stderr and exits 1', async () => {
    const result = await runCli(['type', 'list'], { ...env, SLUICE_KEY: 'sk.nobody.wrong-secret' });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^sluice: unauthorized: /m);
    assert.match(result.stderr, /^fix: \S/m);
  });

  await t.test('without a key, or with no admin token to be found, the CLI says which is missing and where it comes from', async () => {
    const noKey = await runCli(['type', 'list'], env);
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /^sluice: no API key: set SLUICE_KEY or pass --key/m);
    const elsewhere = tempDir(t, 'sluice-cli-elsewhere-');
    const noToken = await runCli(['tenant', 'list', '--data-dir', elsewhere], env);
    assert.notEqual(noToken.code, 0);
    assert.match(noToken.stderr, /no admin token: set SLUICE_ADMIN_TOKEN, pass --admin-token/);
    assert.ok(noToken.stderr.includes(join(elsewhere, 'admin-token')), noToken.stderr);
  });

  await t.test('a key without the manage scope cannot register a type, and is told why', async () => {
    const created = await runCli(['key', 'create', '--tenant', 'acme', '--scopes', 'produce', '--data-dir', dataDir], env);
    assert.equal(created.code, 0, created.stderr);
    const producer = parseJson(created, 'key create produce').key;
    const schemaFile = join(dir, 'fruit.schema.json');
    const result = await runCli(['type', 'register', 'vegetables', '--schema', schemaFile], { ...env, SLUICE_KEY: producer });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^sluice: forbidden: .*manage/m);
    assert.match(result.stderr, /^fix: /m);
  });

  await t.test('SIGTERM stops the server gracefully with exit code 0', async () => {
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
  });

  await t.test('a second start on the same data directory keeps the data and does not print the token again', async (st) => {
    const second = await spawnSluice(st, ['--data-dir', dataDir], clean);
    assert.equal(readFileSync(tokenFile, 'utf8').trim(), adminToken, 'the admin token changed');
    const secondEnv = { ...clean, SLUICE_URL: second.url, SLUICE_KEY: key };
    const tail = await runCli(['tail', 'acme.fruits', '--from', 'earliest', '-n', '4'], secondEnv);
    assert.equal(tail.code, 0, tail.stderr);
    const ids = tail.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    assert.deepEqual(ids.sort(), [...produced.keys()].sort());
    // The banner would come right after the listening line; by now it would have arrived.
    assert.equal(second.stderr().includes(adminToken), false, 'the second start printed the admin token');
    assert.doesNotMatch(second.stderr(), /Admin token/);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});

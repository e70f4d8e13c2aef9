/**
 * `sluice produce` as a user meets it: a summary line and one line per rejected event (not the
 * whole outcome), JSON or nothing on request, and requests split by bytes as well as by count,
 * so large events do not make one request the server refuses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batches } from '../../../src/edges/cli/commands/produce.ts';
import { runCli } from '../../helpers/process.ts';
import { startSluice } from '../../helpers/sluice.ts';

const clean = { SLUICE_ADMIN_TOKEN: undefined, SLUICE_KEY: undefined, SLUICE_URL: undefined, SLUICE_DATA_DIR: undefined, SLUICE_CONFIG: undefined };

void test('requests are split by count and by bytes, in order; an event larger than the limit goes alone', () => {
  const lines = ['a'.repeat(10), 'b'.repeat(10), 'c'.repeat(50), 'd'.repeat(10), 'e'.repeat(10), 'f'.repeat(10)];
  assert.deepEqual(
    [...batches(lines, 2, 1000)].map((b) => [b.start, b.lines.length]),
    [
      [0, 2],
      [2, 2],
      [4, 2],
    ],
  );
  assert.deepEqual(
    [...batches(lines, 100, 30)].map((b) => [b.start, b.lines.length]),
    [
      [0, 2],
      [2, 1],
      [3, 2],
      [5, 1],
    ],
  );
});

void test('produce prints a summary and each rejection; --output json and quiet; big events in several requests', { timeout: 60_000 }, async (t) => {
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  const env = { ...clean, SLUICE_URL: server.url, SLUICE_KEY: key };
  const schema = { type: 'object', required: ['n'], properties: { n: { type: 'integer', minimum: 0 }, blob: { type: 'string' } } };
  assert.equal((await server.call('PUT', '/v1/types/counts', { token: key, body: { schema, partitions: 1 } })).status, 201);

  const input = Array.from({ length: 6000 }, (_, i) => JSON.stringify({ n: i === 7 || i === 4321 ? -1 : i })).join('\n');
  const summary = await runCli(['produce', 'counts'], env, input);
  assert.equal(summary.code, 1, 'a rejected event makes exit status 1');
  assert.deepEqual(summary.stdout.trim().split('\n'), [
    '6000 events of counts: 5998 accepted, 2 rejected',
    '  #7: schema_validation_failed: /n must be >= 0',
    '  #4321: schema_validation_failed: /n must be >= 0',
  ]);

  const json = await runCli(['produce', 'counts', '--output', 'json'], env, '{"n":1}\n{"n":2}');
  assert.equal(json.code, 0);
  assert.equal(json.stdout.trim().split('\n').length, 1, 'one JSON line');
  assert.equal(JSON.parse(json.stdout).accepted, 2);
  const quiet = await runCli(['produce', 'counts', '--output', 'quiet'], env, '{"n":-5}');
  assert.equal(quiet.code, 1);
  assert.equal(quiet.stdout, '');
  const typo = await runCli(['produce', 'counts', '--output', 'tabel'], env, '{"n":1}');
  assert.notEqual(typo.code, 0);
  assert.match(typo.stderr, /--output tabel: expected .*json.*quiet/);

  // Ten events of 1 MB each: a request holds at most 4 MiB, so they go in several, and all are stored.
  const big = Array.from({ length: 10 }, (_, i) => JSON.stringify({ n: i, blob: 'x'.repeat(1_000_000) })).join('\n');
  const sent = await runCli(['produce', 'counts'], env, big);
  assert.equal(sent.code, 0, sent.stdout + sent.stderr);
  assert.equal(sent.stdout.trim(), '10 events of counts: 10 accepted, 0 rejected');
});

void test('--output table prints lists as columns and one object as field and value; quiet prints nothing', async (t) => {
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  assert.equal((await server.call('PUT', '/v1/types/counts', { token: key, body: { schema: { type: 'object' }, partitions: 2 } })).status, 201);
  const env = { ...clean, SLUICE_URL: server.url, SLUICE_KEY: key };
  const list = await runCli(['stream', 'list', '--output', 'table'], env);
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^NAME\s+PARTITIONS\s+STARTOFFSETS\s+ENDOFFSETS$/);
  assert.match(
    lines.find((line) => line.startsWith('acme.counts'))!,
    /^acme\.counts\s+2\s+\[0,0\]\s+\[0,0\]$/,
  );
  const one = await runCli(['-o', 'table', 'type', 'show', 'counts'], env);
  assert.match(one.stdout, /^type\s+counts$/m);
  assert.match(one.stdout, /^partitions\s+2$/m);
  const quiet = await runCli(['type', 'list'], { ...env, SLUICE_OUTPUT: 'quiet' });
  assert.deepEqual([quiet.code, quiet.stdout], [0, '']);
});

/**
 * `sluice produce --format avro|protobuf`: the CLI encodes each value with the type's latest
 * schema in Confluent's wire format and the server decodes it back (the CLI runs as a real
 * process against an in-process server).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import avro from 'avsc';
import { decodeFrame } from '../../../src/domain/wire-format.ts';
import { runCli } from '../../helpers/process.ts';
import { startSluice, tempDir } from '../../helpers/sluice.ts';

const clean = { SLUICE_ADMIN_TOKEN: undefined, SLUICE_KEY: undefined, SLUICE_URL: undefined, SLUICE_DATA_DIR: undefined, SLUICE_CONFIG: undefined };
const loginAvro = {
  type: 'record',
  name: 'Login',
  fields: [
    { name: 'user_id', type: 'string' },
    { name: 'attempts', type: 'long' },
  ],
};
const orderProto = 'syntax = "proto3";\nmessage Order { string id = 1; int32 cents = 2; }';

function parse(output: { code: number; stdout: string; stderr: string }): any {
  try {
    return JSON.parse(output.stdout);
  } catch {
    assert.fail(`stdout is not JSON (exit ${output.code}): ${output.stdout} ${output.stderr}`);
  }
}

void test('produce --format avro and protobuf encode locally, send the wire format, and the server stores the decoded data', { timeout: 50_000 }, async (t) => {
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  const env = { ...clean, SLUICE_URL: server.url, SLUICE_KEY: key };
  const dir = tempDir(t, 'sluice-produce-format-');
  assert.equal((await server.call('PUT', '/v1/types/logins', { token: key, body: { schema: loginAvro, schemaType: 'AVRO', partitions: 1 } })).status, 201);
  assert.equal((await server.call('PUT', '/v1/types/orders', { token: key, body: { schema: orderProto, schemaType: 'PROTOBUF', partitions: 1 } })).status, 201);
  assert.equal((await server.call('PUT', '/v1/types/notes', { token: key, body: { schema: { type: 'object' }, partitions: 1 } })).status, 201);
  const stored = async (stream: string): Promise<unknown[]> => {
    const answer = await server.call('GET', `/v1/streams/${stream}/events?partition=0&from=earliest&limit=10`, { token: key });
    return (answer.body.items as { data: unknown }[]).map((item) => item.data);
  };

  await t.test('avro: every value is accepted and stored as sent', async () => {
    const file = join(dir, 'logins.ndjson');
    writeFileSync(file, '{"user_id":"u1","attempts":1}\n{"user_id":"u2","attempts":2}\n');
    const result = await runCli(['produce', 'logins', file, '--format', 'avro', '--output', 'json'], env);
    assert.equal(result.code, 0, result.stderr);
    const outcome = parse(result);
    assert.equal(outcome.accepted, 2);
    assert.equal(outcome.rejected, 0);
    assert.deepEqual(await stored('acme.logins'), [
      { user_id: 'u1', attempts: 1 },
      { user_id: 'u2', attempts: 2 },
    ]);
  });

  await t.test('protobuf from stdin', async () => {
    const result = await runCli(['produce', 'orders', '--format', 'protobuf', '--output', 'json'], env, '[{"id":"o1","cents":250}]');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(parse(result).accepted, 1);
    assert.deepEqual(await stored('acme.orders'), [{ id: 'o1', cents: 250 }]);
  });

  await t.test('a value that does not fit the schema is refused locally with its index; the others are sent; exit 1', async () => {
    const result = await runCli(
      ['produce', 'logins', '--format', 'avro', '--output', 'json'],
      env,
      '{"user_id":"u3","attempts":3}\n{"user_id":4,"attempts":4}\n',
    );
    assert.equal(result.code, 1, result.stderr);
    const outcome = parse(result);
    assert.equal(outcome.accepted, 1);
    assert.equal(outcome.rejected, 1);
    const refused = outcome.results.find((r: { index?: number }) => r.index === 1);
    assert.equal(refused.error.code, 'schema_validation_failed');
    assert.equal(refused.error.details[0].path, '/user_id');
    assert.equal((await stored('acme.logins')).length, 3);
  });

  await t.test('--dry-run prints the framed records as base64 and sends nothing', async () => {
    const result = await runCli(['produce', 'logins', '--format', 'avro', '--dry-run'], env, '{"user_id":"ab","attempts":3}');
    assert.equal(result.code, 0, result.stderr);
    const outcome = parse(result);
    assert.equal(outcome.version, 1);
    const frame = Buffer.from(outcome.frames[0].frame as string, 'base64');
    const decoded = decodeFrame(frame);
    assert.equal(decoded.schemaId, outcome.schemaId);
    assert.equal(Buffer.from(decoded.payload).toString('hex'), '04616206');
    assert.deepEqual({ ...avro.Type.forSchema(loginAvro as avro.Schema).fromBuffer(Buffer.from(decoded.payload)) }, { user_id: 'ab', attempts: 3 });
    assert.equal((await stored('acme.logins')).length, 3);
  });

  await t.test("a format that is not the type's schema language says which to use", async () => {
    const result = await runCli(['produce', 'notes', '--format', 'avro'], env, '{"a":1}');
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /has JSON schemas, not AVRO: use --format json/);
    const unknown = await runCli(['produce', 'logins', '--format', 'xml'], env, '{"a":1}');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /--format xml: expected json, avro or protobuf/);
  });
});

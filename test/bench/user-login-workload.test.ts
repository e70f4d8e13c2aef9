import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loginPipeline, loginRecords, loginSchema } from '../../bench/peers/user-login.ts';
import { compileSteps } from '../../src/domain/transforms/compile.ts';
import { JsonSchemaCompiler } from '../../src/services/schemas/json-schema.ts';

void test('one user-login record in a hundred is invalid, and Sluice’s validator agrees with the generator on every record', () => {
  const records = loginRecords(5000);
  const validate = new JsonSchemaCompiler().compile(loginSchema);
  assert.equal(records.filter((record) => !record.valid).length, 50);
  for (const record of records) assert.equal(validate(JSON.parse(record.value)) === undefined, record.valid, record.value);
});

void test('the user-login records are the same in every run', () => {
  assert.deepEqual(loginRecords(300), loginRecords(300));
  assert.notDeepEqual(loginRecords(300, 1), loginRecords(300, 2));
});

void test('Sluice’s user-login pipeline renames timestamp to an ISO created_at and stamps processed_at', () => {
  const now = new Date('2026-12-01T10:00:00.000Z');
  const transform = compileSteps(loginPipeline.steps, { now: () => now, salt: 'unused', compileSchema: (schema) => new JsonSchemaCompiler().compile(schema) });
  const input = JSON.parse(loginRecords(1)[0]!.value) as Record<string, unknown>;
  const outcome = transform(input);
  assert.ok(outcome.ok);
  const { timestamp, ...rest } = input;
  assert.deepEqual(outcome.data, { ...rest, created_at: new Date((timestamp as number) * 1000).toISOString(), processed_at: now.toISOString() });
});

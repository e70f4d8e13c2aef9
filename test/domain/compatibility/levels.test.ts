import assert from 'node:assert/strict';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import {
  checkCompatibility,
  compatibilityLevels,
  defaultCompatibilityLevel,
  isCompatibilityLevel,
  planChecks,
} from '../../../src/domain/compatibility/index.ts';
import type { CompatibilityLevel } from '../../../src/domain/compatibility/index.ts';
import { SluiceError } from '../../../src/domain/errors.ts';

const record = (...fields: unknown[]): unknown => ({ type: 'record', name: 'R', fields });
const a = { name: 'a', type: 'int' };
const bWithDefault = { name: 'b', type: 'int', default: 0 };
const b = { name: 'b', type: 'int' };

const verdicts = (candidate: unknown, previous: unknown[]): Record<CompatibilityLevel, boolean> =>
  Object.fromEntries(compatibilityLevels.map((level) => [level, checkCompatibility('AVRO', level, candidate, previous).compatible])) as Record<
    CompatibilityLevel,
    boolean
  >;

void test("BACKWARD is the default level and the levels are Confluent's seven", () => {
  assert.equal(defaultCompatibilityLevel, 'BACKWARD');
  assert.deepEqual([...compatibilityLevels], ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE']);
  assert.equal(isCompatibilityLevel('FULL_TRANSITIVE'), true);
  assert.equal(isCompatibilityLevel('full'), false);
  assert.equal(isCompatibilityLevel(undefined), false);
});

void test('planChecks: the latest only, or every version newest first, in one or both directions', () => {
  assert.deepEqual(planChecks('BACKWARD', 3), [{ previous: 2, direction: 'BACKWARD' }]);
  assert.deepEqual(planChecks('FORWARD', 3), [{ previous: 2, direction: 'FORWARD' }]);
  assert.deepEqual(planChecks('FULL', 2), [
    { previous: 1, direction: 'BACKWARD' },
    { previous: 1, direction: 'FORWARD' },
  ]);
  assert.deepEqual(
    planChecks('BACKWARD_TRANSITIVE', 3).map((c) => c.previous),
    [2, 1, 0],
  );
  assert.equal(planChecks('FULL_TRANSITIVE', 3).length, 6);
  assert.deepEqual(planChecks('NONE', 3), []);
  assert.deepEqual(planChecks('FULL', 0), []);
});

void test('transitive BACKWARD catches what the latest version hides', () => {
  // v2 added b with a default; the candidate drops the default: fine against v2, not against v1.
  const history = [record(a), record(a, bWithDefault)];
  const candidate = record(a, b);
  const result = verdicts(candidate, history);
  assert.equal(result.BACKWARD, true);
  assert.equal(result.BACKWARD_TRANSITIVE, false);
  const [message] = checkCompatibility('AVRO', 'BACKWARD_TRANSITIVE', candidate, history).messages;
  assert.equal(message?.previous, 0);
  assert.equal(message?.direction, 'BACKWARD');
  assert.equal(message?.kind, 'READER_FIELD_MISSING_DEFAULT_VALUE');
  assert.match(message?.message ?? '', /previous schema #1/);
});

void test('transitive FORWARD catches what the latest version hides', () => {
  // v1 reads b without a default; v2 gave it one; the candidate stops writing b.
  const history = [record(a, b), record(a, bWithDefault)];
  const candidate = record(a);
  const result = verdicts(candidate, history);
  assert.equal(result.FORWARD, true);
  assert.equal(result.FORWARD_TRANSITIVE, false);
  assert.equal(result.BACKWARD, true);
  assert.equal(result.FULL, true);
  assert.equal(result.FULL_TRANSITIVE, false);
  const messages = checkCompatibility('AVRO', 'FULL_TRANSITIVE', candidate, history).messages;
  assert.deepEqual(
    messages.map((m) => [m.previous, m.direction, m.kind]),
    [[0, 'FORWARD', 'READER_FIELD_MISSING_DEFAULT_VALUE']],
  );
});

void test('FULL is BACKWARD and FORWARD together; NONE accepts anything', () => {
  const result = verdicts(record(a, b), [record(a)]);
  assert.deepEqual(result, {
    BACKWARD: false,
    BACKWARD_TRANSITIVE: false,
    FORWARD: true,
    FORWARD_TRANSITIVE: true,
    FULL: false,
    FULL_TRANSITIVE: false,
    NONE: true,
  });
  const full = checkCompatibility('AVRO', 'FULL', { type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] }, [record(a)]);
  assert.deepEqual(
    full.messages.map((m) => m.direction),
    ['BACKWARD', 'FORWARD'],
  );
});

void test('the first version of a subject is compatible at every level', () => {
  for (const level of compatibilityLevels) assert.equal(checkCompatibility('JSON', level, { type: 'string' }, []).compatible, true, level);
});

void test('messages name previous versions with the labels a service passes', () => {
  const result = checkCompatibility('AVRO', 'BACKWARD_TRANSITIVE', record(a, b), [record(a), record(a)], { previousLabels: ['version 1', 'version 2'] });
  assert.deepEqual(
    result.messages.map((m) => m.previous),
    [1, 0],
  );
  assert.match(result.messages[0]?.message ?? '', /version 2/);
  assert.match(result.messages[1]?.message ?? '', /version 1/);
});

void test('invalid schemas throw invalid_schema with where and why, at any level', () => {
  const cases: [Parameters<typeof checkCompatibility>[0], unknown, RegExp][] = [
    ['AVRO', { type: 'record', name: 'R', fields: [{ name: 'a', type: 'strng' }] }, /unknown type "strng"/],
    ['AVRO', { type: 'record', name: 'R' }, /"fields"/],
    ['AVRO', { type: 'enum', name: 'E', symbols: ['A'], default: 'B' }, /default/],
    ['AVRO', 42, /expected a type name/],
    ['JSON', 'not a schema', /object or a boolean/],
    ['JSON', { type: 'strin' }, /"type"/],
    ['JSON', { type: 'string', maxLength: -1 }, /non-negative integer/],
    ['PROTOBUF', 'message M {}', /protobufjs JSON descriptor/],
    ['PROTOBUF', { nested: { M: { fields: { a: { type: 'int32' } } } } }, /integer "id"/],
  ];
  for (const [format, schema, reason] of cases) {
    for (const level of ['BACKWARD', 'NONE'] as const) {
      assert.throws(
        () => checkCompatibility(format, level, schema, []),
        (error: unknown) => error instanceof SluiceError && error.code === 'invalid_schema' && reason.test(error.message) && (error.details?.length ?? 0) === 1,
        `${format} ${JSON.stringify(schema)}`,
      );
    }
  }
  // A valid new schema against an invalid stored one also says so, instead of passing.
  assert.throws(
    () => checkCompatibility('AVRO', 'BACKWARD', record(a), [{ type: 'nope' }]),
    (error: unknown) => error instanceof SluiceError && error.code === 'invalid_schema',
  );
  // A schema protobufjs made from real .proto text is accepted.
  assert.equal(checkCompatibility('PROTOBUF', 'FULL', protobuf.parse('syntax = "proto3"; message M { int32 a = 1; }').root.toJSON(), []).compatible, true);
});

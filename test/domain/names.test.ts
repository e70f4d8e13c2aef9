import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SluiceError } from '../../src/domain/errors.ts';
import {
  assertGroupName,
  assertTenantId,
  assertTypeName,
  deadLetterStream,
  deadLetterType,
  isTenantId,
  isTypeName,
  parseStreamName,
  streamName,
} from '../../src/domain/names.ts';

function invalidName(error: unknown): boolean {
  return error instanceof SluiceError && error.code === 'invalid_name' && error.status === 400;
}

void test('tenant ids are lower-case slugs of 1 to 63 characters', () => {
  for (const id of ['a', '0', 'acme', 'acme-corp', 'a1-b2', '9lives', 'a-', 'a'.repeat(63), `a${'-'.repeat(62)}`]) {
    assert.equal(isTenantId(id), true, id);
  }
  for (const id of ['', '-acme', 'Acme', 'acme_corp', 'acme.corp', 'acme corp', 'a'.repeat(64), 'acmé', 'acme\n', '\nacme', 'acme/x', '_dead']) {
    assert.equal(isTenantId(id), false, JSON.stringify(id));
  }
});

void test('assertTenantId throws invalid_name naming the value', () => {
  assert.doesNotThrow(() => assertTenantId('acme'));
  assert.throws(
    () => assertTenantId('Bad Tenant'),
    (error) => invalidName(error) && (error as Error).message.includes('"Bad Tenant"'),
  );
  assert.throws(() => assertTenantId('a'.repeat(64)), invalidName);
});

void test('type names allow letters, digits, dot, underscore and hyphen, up to 128 characters', () => {
  for (const name of ['fruits', 'user-login', 'User.Login_v2', 'A', '0', 'a'.repeat(128), 'a.b.c']) {
    assert.equal(isTypeName(name), true, name);
  }
  for (const name of ['', '.fruits', '-fruits', '_dead', '_private', 'a'.repeat(129), 'fruit salad', 'fruits/x', 'fruits\n', 'früchte']) {
    assert.equal(isTypeName(name), false, JSON.stringify(name));
  }
  assert.doesNotThrow(() => assertTypeName('fruits'));
  assert.throws(() => assertTypeName('_dead'), invalidName);
});

void test('group names follow the type-name rules', () => {
  assert.doesNotThrow(() => assertGroupName('billing.v2_workers-1'));
  assert.doesNotThrow(() => assertGroupName('g'.repeat(128)));
  for (const name of ['', '-g', 'g'.repeat(129), 'a b', 'a/b']) assert.throws(() => assertGroupName(name), invalidName, JSON.stringify(name));
});

void test('stream names join tenant and type with a dot; dead letters live in <tenant>._dead', () => {
  assert.equal(streamName('acme', 'fruits'), 'acme.fruits');
  assert.equal(deadLetterType, '_dead');
  assert.equal(deadLetterStream('acme'), 'acme._dead');
});

void test('parseStreamName splits at the first dot', () => {
  assert.deepEqual(parseStreamName('acme.fruits'), { tenant: 'acme', type: 'fruits' });
  assert.deepEqual(parseStreamName('acme.user.login.v2'), { tenant: 'acme', type: 'user.login.v2' });
  assert.deepEqual(parseStreamName('acme._dead'), { tenant: 'acme', type: '_dead' });
  assert.deepEqual(parseStreamName(deadLetterStream('a-1')), { tenant: 'a-1', type: '_dead' });
});

void test('parseStreamName round-trips every valid pair', () => {
  for (const [tenant, type] of [
    ['acme', 'fruits'],
    ['a'.repeat(63), 'T'.repeat(128)],
    ['x', 'a.b'],
    ['x', '_dead'],
  ] as const) {
    assert.deepEqual(parseStreamName(streamName(tenant, type)), { tenant, type });
  }
});

void test('parseStreamName rejects what no tenant could own', () => {
  for (const name of ['acme', '.fruits', 'acme.', 'Acme.fruits', 'acme._other', 'acme.-x', `${'a'.repeat(64)}.fruits`, 'acme.fruit salad', '']) {
    assert.equal(parseStreamName(name), undefined, JSON.stringify(name));
  }
});

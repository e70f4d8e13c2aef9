import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SluiceError } from '../../src/domain/errors.ts';
import { escapePointer, guardJson } from '../../src/domain/json-guard.ts';

/** `levels` nested arrays: nest(1) is [], nest(2) is [[]]. */
function nest(levels: number, leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

/** `levels` nested objects under key "a". */
function nestObjects(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

function failure(run: () => void): SluiceError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof SluiceError, `expected SluiceError, got ${String(error)}`);
    assert.equal(error.details?.length, 1);
    return error;
  }
  assert.fail('expected guardJson to throw');
}

void test('scalars pass at any limit', () => {
  for (const value of [null, 0, 'text', true, undefined]) assert.doesNotThrow(() => guardJson(value, 0));
});

void test('nesting exactly maxDepth levels passes; one more fails', () => {
  for (const maxDepth of [1, 2, 5, 32]) {
    assert.doesNotThrow(() => guardJson(nest(maxDepth), maxDepth), `arrays at ${maxDepth}`);
    assert.doesNotThrow(() => guardJson(nestObjects(maxDepth), maxDepth), `objects at ${maxDepth}`);
    const error = failure(() => guardJson(nest(maxDepth + 1), maxDepth));
    assert.equal(error.code, 'nesting_too_deep');
    assert.equal(error.status, 400);
    assert.match(error.message, new RegExp(`deeper than ${maxDepth} levels`));
    assert.equal(failure(() => guardJson(nestObjects(maxDepth + 1), maxDepth)).code, 'nesting_too_deep');
  }
});

void test('empty containers count as a level', () => {
  assert.doesNotThrow(() => guardJson({ a: {} }, 2));
  assert.equal(failure(() => guardJson({ a: { b: [] } }, 2)).code, 'nesting_too_deep');
});

void test('the depth detail points at the first container that is too deep', () => {
  const error = failure(() => guardJson({ ok: 1, list: [0, { deep: { x: 1 } }] }, 3));
  assert.deepEqual(error.details, [{ path: '/list/1/deep', reason: 'deeper than 3 levels' }]);
});

void test('__proto__, constructor and prototype keys are refused wherever they are', () => {
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    // JSON.parse makes "__proto__" an own property, as an HTTP body would.
    const top = JSON.parse(`{"${key}": {"polluted": true}}`) as unknown;
    let error = failure(() => guardJson(top, 10));
    assert.equal(error.code, 'forbidden_key');
    assert.deepEqual(error.details, [{ path: `/${key}`, reason: `property name "${key}" is not allowed` }]);

    const inArray = JSON.parse(`{"items": [1, {"${key}": 1}]}`) as unknown;
    error = failure(() => guardJson(inArray, 10));
    assert.deepEqual(error.details, [{ path: `/items/1/${key}`, reason: `property name "${key}" is not allowed` }]);
  }
  assert.equal(({} as { polluted?: boolean }).polluted, undefined);
});

void test('forbidden names as values or inside longer keys are fine', () => {
  assert.doesNotThrow(() => guardJson({ name: '__proto__', kind: 'constructor', my_prototype: 1, Constructor: 2 }, 5));
});

void test('paths escape ~ and / as JSON pointers do', () => {
  const error = failure(() => guardJson(JSON.parse('{"a/b": {"c~d": {"__proto__": 1}}}'), 10));
  assert.deepEqual(error.details, [{ path: '/a~1b/c~0d/__proto__', reason: 'property name "__proto__" is not allowed' }]);
  assert.equal(escapePointer('~/~/'), '~0~1~0~1');
  assert.equal(escapePointer('plain'), 'plain');
});

void test('wide documents within the limit pass', () => {
  const wide = { list: Array.from({ length: 50_000 }, (_, i) => ({ i, tags: ['a', 'b'] })) };
  assert.doesNotThrow(() => guardJson(wide, 4));
});

void test('100 000 levels of arrays are refused without a RangeError', () => {
  const hostile = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
  const error = failure(() => guardJson(hostile, 32));
  assert.equal(error.code, 'nesting_too_deep');
  assert.equal(error.details?.[0]?.path, '/0'.repeat(32));
});

void test('100 000 levels of objects are refused without a RangeError', () => {
  const hostile = nestObjects(100_000);
  const error = failure(() => guardJson(hostile, 64));
  assert.equal(error.code, 'nesting_too_deep');
  assert.equal(error.details?.[0]?.path, '/a'.repeat(64));
});

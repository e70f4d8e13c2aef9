import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidPathError, missing, parsePath, readPath } from '../../../src/domain/transforms/index.ts';

void test('a dotted path splits on dots and reports the same field as a JSON pointer', () => {
  const path = parsePath('user.address.city');
  assert.deepEqual(path.segments, ['user', 'address', 'city']);
  assert.equal(path.pointer, '/user/address/city');
  assert.equal(path.text, 'user.address.city');
});

void test('in a dotted path \\. is a literal dot and \\\\ a literal backslash', () => {
  assert.deepEqual(parsePath('version\\.major').segments, ['version.major']);
  assert.deepEqual(parsePath('a\\\\.b').segments, ['a\\', 'b']);
  assert.deepEqual(parsePath('meta.app\\.id.x').segments, ['meta', 'app.id', 'x']);
});

void test('a JSON pointer decodes ~1 to / and ~0 to ~, and keeps empty keys', () => {
  assert.deepEqual(parsePath('/user/name').segments, ['user', 'name']);
  assert.deepEqual(parsePath('/a~1b/m~0n').segments, ['a/b', 'm~n']);
  assert.deepEqual(parsePath('/~01').segments, ['~1']);
  assert.deepEqual(parsePath('/').segments, ['']);
  // A dotted key with a slash comes back escaped in the pointer.
  assert.equal(parsePath('a/b.c').pointer, '/a~1b/c');
});

void test('canonical numeric segments are array indexes, others are not', () => {
  assert.deepEqual(parsePath('/items/0/sku').indexes, [undefined, 0, undefined]);
  assert.deepEqual(parsePath('items.12').indexes, [undefined, 12]);
  assert.deepEqual(parsePath('/items/01').indexes, [undefined, undefined]);
  assert.deepEqual(parsePath('/items/-').indexes, [undefined, undefined]);
});

void test('malformed paths are refused with a reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /must not be empty/],
    ['a..b', /empty segment/],
    ['.a', /empty segment/],
    ['a.', /empty segment/],
    ['a\\b', /must be followed by "\." or "\\"/],
    ['a\\', /must be followed by/],
    ['/a~2', /"~" must be followed by 0 or 1/],
    ['/a~', /"~" must be followed by 0 or 1/],
    ['x'.repeat(1025), /at most 1024 characters/],
    [Array.from({ length: 65 }, () => 'a').join('.'), /at most 64 segments/],
  ];
  for (const [text, reason] of cases) {
    assert.throws(
      () => parsePath(text),
      (error: unknown) => error instanceof InvalidPathError && reason.test(error.reason),
      text,
    );
  }
});

void test('segments that reach a prototype are refused in both syntaxes', () => {
  for (const text of ['__proto__', 'a.__proto__.b', '/constructor/prototype', 'x.prototype', '/a/__proto__']) {
    assert.throws(() => parsePath(text), /is not allowed in a field path/, text);
  }
  // Only whole segments are forbidden.
  assert.deepEqual(parsePath('my__proto__').segments, ['my__proto__']);
});

void test('readPath reads own fields, array members by index, and nothing inherited', () => {
  const data = JSON.parse('{"user":{"name":"ana"},"items":[{"sku":"x"},null],"zero":0,"__proto__":{"polluted":true}}') as unknown;
  assert.equal(readPath(data, parsePath('user.name')), 'ana');
  assert.equal(readPath(data, parsePath('/items/0/sku')), 'x');
  assert.equal(readPath(data, parsePath('items.0.sku')), 'x');
  assert.equal(readPath(data, parsePath('/items/1')), null);
  assert.equal(readPath(data, parsePath('zero')), 0);
  assert.equal(readPath(data, parsePath('/items/2')), missing);
  assert.equal(readPath(data, parsePath('/items/length')), missing);
  assert.equal(readPath(data, parsePath('toString')), missing);
  assert.equal(readPath(data, parsePath('user.name.length')), missing);
  assert.equal(readPath('text', parsePath('a')), missing);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configProblems, failure, frozen, output } from './helpers.ts';

void test('remove deletes listed fields, nested ones too, and ignores missing ones', () => {
  const data = frozen({ debug: true, tmp: { x: 1, y: 2 }, keep: 'me' });
  assert.deepEqual(output([{ remove: ['debug', 'tmp.x', 'not.there', '/keep/deeper'] }], data), { tmp: { y: 2 }, keep: 'me' });
  assert.deepEqual(data, { debug: true, tmp: { x: 1, y: 2 }, keep: 'me' });
});

void test('remove takes an array member out by index, shifting the rest', () => {
  assert.deepEqual(output([{ remove: ['/items/1'] }], frozen({ items: ['a', 'b', 'c'] })), { items: ['a', 'c'] });
});

void test('remove on data that is not an object removes nothing', () => {
  assert.deepEqual(output([{ remove: ['a'] }], 'text'), 'text');
});

void test('remove config mistakes are refused', () => {
  assert.match(configProblems([{ remove: [] }])[0]!.reason, /non-empty list of field paths/);
  assert.match(configProblems([{ remove: 'debug' }])[0]!.reason, /non-empty list of field paths/);
  assert.deepEqual(configProblems([{ remove: ['ok', 7] }]), [
    { path: '/steps/0/remove/1', reason: 'must be a field path (a string such as "user.name" or "/user/name")' },
  ]);
  assert.match(configProblems([{ remove: ['a', 'a'] }])[0]!.reason, /names the same field as "a"/);
});

void test('keep is an allow-list: only the listed fields remain, in the order listed', () => {
  const data = frozen({ a: 1, b: 2, c: 3, d: { e: 4 } });
  const result = output([{ keep: ['c', 'a', 'missing'] }], data);
  assert.deepEqual(result, { c: 3, a: 1 });
  assert.deepEqual(Object.keys(result as object), ['c', 'a']);
});

void test('keep with nested paths keeps the parents minimally', () => {
  const data = frozen({ user: { id: 7, name: 'ana', email: 'a@example.com', address: { city: 'Oslo', street: 'x' } }, other: 1 });
  assert.deepEqual(output([{ keep: ['user.id', '/user/address/city'] }], data), { user: { id: 7, address: { city: 'Oslo' } } });
  // A kept object or array comes whole.
  assert.deepEqual(output([{ keep: ['user.address'] }], data), { user: { address: { city: 'Oslo', street: 'x' } } });
  // A parent that is not an object holds no such field: nothing is kept for it.
  assert.deepEqual(output([{ keep: ['other.x', 'user.id'] }], data), { user: { id: 7 } });
});

void test('keep refuses to pick members out of an array instead of leaking the rest', () => {
  const outcome = failure([{ keep: ['/items/0/sku'] }], { items: [{ sku: 'x', secret: 'y' }] });
  assert.equal(outcome.stepName, 'keep');
  assert.equal(outcome.path, '/items/0/sku');
  assert.match(outcome.reason, /cannot pick members out of the array at \/items/);
  assert.deepEqual(output([{ keep: ['items'] }], { items: [1, 2], x: 1 }), { items: [1, 2] });
});

void test('keep takes any field name as data: quotes, backslashes, line breaks, names Object.prototype has', () => {
  const names = ['say "hi"', 'back\\slash', 'line\nbreak', '${x}', '`tick`', '*/ }', 'a~b', 'toString', 'hasOwnProperty', 'ünï', ''];
  const data = frozen(
    Object.fromEntries([...names.map((name, i) => [name, i]), ['nested', Object.fromEntries(names.map((name) => [name, name]))], ['dropped', 1]]),
  );
  const pointer = (name: string): string => name.replaceAll('~', '~0').replaceAll('/', '~1');
  const paths = names.flatMap((name) => [`/${pointer(name)}`, `/nested/${pointer(name)}`]);
  const result = output([{ keep: paths }], data) as Record<string, unknown>;
  assert.deepEqual(result, Object.fromEntries([...names.map((name, i) => [name, i]), ['nested', Object.fromEntries(names.map((name) => [name, name]))]]));
  // Inherited members are not fields: an event without them keeps nothing of them.
  assert.deepEqual(output([{ keep: ['toString', 'hasOwnProperty', 'a.valueOf'] }], frozen({ a: {} })), {});
});

void test('keep reports the array at the depth it meets it, and skips fields under values that are not objects', () => {
  const outcome = failure([{ keep: ['a.b', 'x.list.y'] }], { a: { b: 1 }, x: { list: [{ y: 1 }] } });
  assert.equal(outcome.path, '/x/list/y');
  assert.match(outcome.reason, /out of the array at \/x\/list;/);
  assert.deepEqual(output([{ keep: ['a.b.c', 'n.m', 's.t', 'k'] }], frozen({ a: { b: 'text' }, n: null, s: 5, k: false })), { k: false });
});

void test('a keep step too large to compile keeps and fails as a compiled one does', () => {
  // 300 paths that are never there push the step past the size it is compiled up to.
  const padding = Array.from({ length: 300 }, (_, i) => `absent_${i}.x`);
  const paths = ['c', 'user.address.city', 'user.id', 'other.x', 'a'];
  const inputs = [
    { a: 1, b: 2, c: 3, user: { id: 7, name: 'ana', address: { city: 'Oslo', street: 'x' } }, other: 'text' },
    { c: null, user: { address: null }, a: [1, 2] },
    Object.assign(Object.create(null) as object, { a: 1, user: { id: 1 } }),
  ];
  for (const data of inputs) {
    const small = output([{ keep: paths }], frozen(data));
    const large = output([{ keep: [...paths, ...padding] }], frozen(data));
    assert.deepEqual(large, small);
    assert.deepEqual(Object.keys(large as object), Object.keys(small as object));
  }
  const compiled = failure([{ keep: ['a', 'user.list.x'] }], { user: { list: [{ x: 1 }] } });
  const walked = failure([{ keep: ['a', 'user.list.x', ...padding] }], { user: { list: [{ x: 1 }] } });
  assert.deepEqual([walked.path, walked.reason], [compiled.path, compiled.reason]);
  assert.match(walked.reason, /out of the array at \/user\/list;/);
});

void test('keep fails on data that is not an object', () => {
  const outcome = failure([{ keep: ['a'] }], [1, 2]);
  assert.equal(outcome.reason, 'cannot reach /a: the event data is an array, not an object');
});

void test('keep refuses overlapping paths at compile time', () => {
  assert.deepEqual(configProblems([{ keep: ['user', 'user.id'] }]), [
    { path: '/steps/0/keep/1', reason: 'path "user.id" lies inside "user"; a step may touch each field once' },
  ]);
});

void test('a later step can write inside what keep kept, without touching the input', () => {
  const data = frozen({ user: { id: 7, name: 'ana' }, drop: 1 });
  assert.deepEqual(output([{ keep: ['user'] }, { set: { 'user.id': 8 } }], data), { user: { id: 8, name: 'ana' } });
  assert.deepEqual(data.user, { id: 7, name: 'ana' });
});

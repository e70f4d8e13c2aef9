import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePointer, isJsonPointer } from '../../src/domain/json-pointer.ts';

const doc = JSON.parse(`{
  "user": { "id": 7, "name": "ana" },
  "a/b": 1,
  "m~n": 2,
  "~1": 3,
  "": 4,
  " ": 5,
  "items": [10, { "sku": "x-1" }, null],
  "nothing": null,
  "zero": 0,
  "flag": false
}`) as unknown;

void test('the empty pointer is the whole document', () => {
  assert.equal(compilePointer('')(doc), doc);
  assert.equal(compilePointer('')(5), 5);
});

void test('pointers walk objects', () => {
  assert.equal(compilePointer('/user/id')(doc), 7);
  assert.deepEqual(compilePointer('/user')(doc), { id: 7, name: 'ana' });
});

void test('~1 decodes to / and ~0 to ~, in that order', () => {
  assert.equal(compilePointer('/a~1b')(doc), 1);
  assert.equal(compilePointer('/m~0n')(doc), 2);
  // "~01" is "~1" the text, not "/": ~1 must be decoded before ~0.
  assert.equal(compilePointer('/~01')(doc), 3);
});

void test('empty and blank segments are keys like any other', () => {
  assert.equal(compilePointer('/')(doc), 4);
  assert.equal(compilePointer('/ ')(doc), 5);
});

void test('array members are reached by index', () => {
  assert.equal(compilePointer('/items/0')(doc), 10);
  assert.equal(compilePointer('/items/1/sku')(doc), 'x-1');
  assert.equal(compilePointer('/items/2')(doc), null);
});

void test('bad or out-of-range array indexes find nothing', () => {
  for (const pointer of ['/items/3', '/items/-', '/items/01', '/items/-1', '/items/1.0', '/items/ 1']) {
    assert.equal(compilePointer(pointer)(doc), undefined, pointer);
  }
});

// Regression: Object.hasOwn([], 'length') is true, so '/items/length' returned the array's length.
void test('length is not a member of an array', () => {
  assert.equal(compilePointer('/items/length')(doc), undefined);
});

void test('missing paths give undefined; present falsy values are returned', () => {
  assert.equal(compilePointer('/user/email')(doc), undefined);
  assert.equal(compilePointer('/nope/deeper')(doc), undefined);
  assert.equal(compilePointer('/user/name/length')(doc), undefined, 'strings have no members');
  assert.equal(compilePointer('/nothing/x')(doc), undefined);
  assert.equal(compilePointer('/nothing')(doc), null);
  assert.equal(compilePointer('/zero')(doc), 0);
  assert.equal(compilePointer('/flag')(doc), false);
  assert.equal(compilePointer('/x')(undefined), undefined);
  assert.equal(compilePointer('/x')('text'), undefined);
});

void test('inherited properties are not found', () => {
  for (const pointer of ['/toString', '/__proto__', '/constructor', '/user/hasOwnProperty', '/items/map']) {
    assert.equal(compilePointer(pointer)(doc), undefined, pointer);
  }
});

void test('a compiled pointer can be used many times', () => {
  const get = compilePointer('/user/id');
  assert.equal(get({ user: { id: 1 } }), 1);
  assert.equal(get({ user: { id: 2 } }), 2);
  assert.equal(get({}), undefined);
});

void test('pointers must start with / (or be empty)', () => {
  assert.throws(() => compilePointer('user/id'), /must start with "\/"/);
  assert.throws(() => compilePointer('#/user'), /must start with "\/"/);
  assert.equal(isJsonPointer(''), true);
  assert.equal(isJsonPointer('/user'), true);
  assert.equal(isJsonPointer('/'), true);
  assert.equal(isJsonPointer('user'), false);
  assert.equal(isJsonPointer('#/user'), false);
});

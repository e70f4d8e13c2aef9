import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arrayElementTexts } from '../../src/domain/json-array-elements.ts';

void test('each element of an array is found as sent, whitespace around it dropped', () => {
  assert.deepEqual(arrayElementTexts('[{"a":1}, 2 ,\n"x" , [3,[4]] ,null]'), ['{"a":1}', '2', '"x"', '[3,[4]]', 'null']);
});

void test('commas, brackets and escaped quotes inside strings do not split elements', () => {
  const text = '[ "a,b]", {"k":"}\\",["}, "\\\\" ]';
  assert.deepEqual(arrayElementTexts(text), ['"a,b]"', '{"k":"}\\",["}', '"\\\\"']);
  assert.deepEqual(
    arrayElementTexts(text).map((element) => JSON.parse(element) as unknown),
    JSON.parse(text),
  );
});

void test('an empty array has no elements; a deep one is found without recursion', () => {
  assert.deepEqual(arrayElementTexts(' [ ] '), []);
  const deep = `${'['.repeat(300_000)}${']'.repeat(300_000)}`;
  assert.deepEqual(arrayElementTexts(`[1,${deep}]`), ['1', deep]);
});

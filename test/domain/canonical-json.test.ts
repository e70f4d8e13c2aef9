import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson } from '../../src/domain/canonical-json.ts';

void test('keys are sorted at every level; arrays keep their order', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }, 1] }), '{"a":[{"c":3,"d":2},1],"b":1}');
  assert.equal(canonicalJson([3, 1, 2]), '[3,1,2]');
});

void test('equal documents written in different key orders give the same text', () => {
  const one = JSON.parse('{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0}},"required":["name"]}') as unknown;
  const two = JSON.parse('{"required":["name"],"properties":{"age":{"minimum":0,"type":"integer"},"name":{"type":"string"}},"type":"object"}') as unknown;
  assert.equal(canonicalJson(one), canonicalJson(two));
  assert.deepEqual(JSON.parse(canonicalJson(one)), one);
});

void test('different documents give different text', () => {
  assert.notEqual(canonicalJson({ required: ['a', 'b'] }), canonicalJson({ required: ['b', 'a'] }));
  assert.notEqual(canonicalJson({ a: 1 }), canonicalJson({ a: '1' }));
});

void test('scalars are plain JSON', () => {
  assert.equal(canonicalJson(null), 'null');
  assert.equal(canonicalJson(1.5), '1.5');
  assert.equal(canonicalJson('x"y'), '"x\\"y"');
  assert.equal(canonicalJson(true), 'true');
  assert.equal(canonicalJson({}), '{}');
});

void test('keys sort by UTF-16 code units', () => {
  assert.equal(canonicalJson({ b: 1, B: 2, a: 3, é: 4, _: 5 }), '{"B":2,"_":5,"a":3,"b":1,"é":4}');
});

void test('integer-like keys come first in numeric order, whatever order they were written in', () => {
  // JavaScript objects always enumerate array-index keys first, ascending; the text is still
  // the same for equal documents, which is all a fingerprint needs.
  assert.equal(canonicalJson({ x: 1, 10: 'a', 9: 'b', 1: 'c' }), '{"1":"c","9":"b","10":"a","x":1}');
  assert.equal(canonicalJson(JSON.parse('{"x":1,"1":"c","10":"a","9":"b"}')), canonicalJson(JSON.parse('{"9":"b","10":"a","x":1,"1":"c"}')));
});

// Regression: sorting into a plain object turned a "__proto__" key into the prototype, so it
// vanished from the text and two different schemas got the same fingerprint.
void test('a __proto__ key is kept as data', () => {
  const schema = JSON.parse('{"properties":{"__proto__":{"type":"string"},"a":{"type":"number"}}}') as unknown;
  assert.equal(canonicalJson(schema), '{"properties":{"__proto__":{"type":"string"},"a":{"type":"number"}}}');
  assert.notEqual(canonicalJson(schema), canonicalJson({ properties: { a: { type: 'number' } } }));
});

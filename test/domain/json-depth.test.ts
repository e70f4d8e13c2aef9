import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exceedsDepth, textExceedsDepth } from '../../src/domain/json-depth.ts';

const nested = (levels: number): string => `${'{"a":['.repeat(levels)}1${']}'.repeat(levels)}`;

void test('depth is measured without recursion, for values and for text alike', () => {
  // 2 levels per repetition: an object and an array.
  assert.equal(exceedsDepth(JSON.parse(nested(32)), 64), false);
  assert.equal(exceedsDepth(JSON.parse(nested(33)), 64), true);
  assert.equal(textExceedsDepth(nested(32), 64), false);
  assert.equal(textExceedsDepth(nested(33), 64), true);
  // Far past what a recursive walk survives.
  assert.equal(exceedsDepth(JSON.parse(nested(200_000)), 64), true);
  assert.equal(textExceedsDepth(nested(200_000), 64), true);
  // Brackets inside strings do not count; escaped quotes do not end a string.
  assert.equal(textExceedsDepth(JSON.stringify({ s: '[[[[[[[[\\"[[[[', t: '{{{{' }), 2), false);
  assert.equal(exceedsDepth({ a: 1, b: 'x', c: null }, 1), false);
  assert.equal(exceedsDepth(7, 0), false);
});

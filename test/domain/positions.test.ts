import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPositions, parsePositions } from '../../src/domain/positions.ts';

void test('positions are written as partition:offset pairs in partition order', () => {
  assert.equal(formatPositions([12, 7]), '0:12,1:7');
  assert.equal(formatPositions([0]), '0:0');
  assert.equal(formatPositions([5, 0, 0, 31]), '0:5,1:0,2:0,3:31');
});

void test('format then parse gives the same vector', () => {
  for (const next of [[0], [12, 7], [0, 0, 0, 0], [Number.MAX_SAFE_INTEGER, 1], Array.from({ length: 256 }, (_, i) => i * 3)]) {
    assert.deepEqual(parsePositions(formatPositions(next), next.length), next);
  }
});

void test('pairs may come in any order and with spaces around them', () => {
  assert.deepEqual(parsePositions('1:7,0:12', 2), [12, 7]);
  assert.deepEqual(parsePositions(' 0:12 , 1:7 ', 2), [12, 7]);
});

void test('vectors that do not fit the stream are refused', () => {
  const bad: [string, number][] = [
    ['', 1],
    ['0:1', 2], // a partition is missing
    ['0:1,1:2', 1], // partition 1 does not exist
    ['0:1,0:2', 2], // partition 0 twice
    ['0:1,0:1', 1],
    ['0:-1', 1],
    ['-1:0', 1],
    ['0:1.5', 1],
    ['0:1e3', 1],
    ['0:abc', 1],
    ['0=1', 1],
    ['0:1,', 1],
    [',0:1', 1],
    ['0:1;1:2', 2],
    ['0:99999999999999999999', 1], // beyond a safe integer
    ['99999999999999999999:0', 1],
    ['0:0x10', 1],
  ];
  for (const [text, partitions] of bad) assert.equal(parsePositions(text, partitions), undefined, `${JSON.stringify(text)} over ${partitions}`);
});

void test('parse returns a fresh array each time', () => {
  const a = parsePositions('0:1', 1)!;
  a[0] = 99;
  assert.deepEqual(parsePositions('0:1', 1), [1]);
});

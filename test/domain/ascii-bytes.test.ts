import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeAscii } from '../../src/domain/ascii-bytes.ts';

void test('ASCII text is written as its UTF-8 bytes and its length answered', () => {
  const target = new Uint8Array(40);
  const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
  assert.equal(writeAscii(id, target), id.length);
  assert.deepEqual(target.subarray(0, id.length), new TextEncoder().encode(id));
  assert.equal(writeAscii('', target), 0);
});

void test('text with a character past ASCII, or longer than the target, is left to the general encoder', () => {
  const target = new Uint8Array(8);
  assert.equal(writeAscii('order-ü', target), -1);
  assert.equal(writeAscii('\u007f', target), 1);
  assert.equal(writeAscii('\u0080', target), -1);
  assert.equal(writeAscii('123456789', target), -1);
  assert.equal(writeAscii('12345678', target), 8);
});

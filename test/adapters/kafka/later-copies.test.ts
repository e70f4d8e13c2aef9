import assert from 'node:assert/strict';
import { test } from 'node:test';
import { laterCopies } from '../../../src/adapters/kafka/later-copies.ts';

void test('a record whose id another writer stored after its check, before its batch, is a later copy', () => {
  // Writer A checked up to 10 and its batch landed at 12; writer B's copy of "x" is at 11.
  const later = laterCopies(
    [
      { offset: 11, key: 'x', checkedTo: 10, batchStart: 11 },
      { offset: 12, key: 'x', checkedTo: 10, batchStart: 12 },
      { offset: 13, key: 'y', checkedTo: 10, batchStart: 12 },
    ],
    [{ offset: 10, key: 'z' }],
  );
  assert.deepEqual([...later], [[12, 11]]);
});

void test('copies before the check, after the batch start, or without a check are not repeats by this rule', () => {
  const later = laterCopies(
    [
      { offset: 5, key: 'x', checkedTo: 6, batchStart: 5 }, // checked past its own batch: no gap
      { offset: 7, key: 'x', checkedTo: 7, batchStart: 7 }, // no gap
      { offset: 9, key: 'y', checkedTo: undefined, batchStart: 9 }, // written without a check
      { offset: 10, key: 'y', checkedTo: 9, batchStart: 10 }, // y at 9 is in its gap
      { offset: 12, key: 'w', checkedTo: 8, batchStart: 11 },
      { offset: 13, key: 'w', checkedTo: 8, batchStart: 11 }, // the same batch: not a gap
    ],
    [{ offset: 3, key: 'x' }],
  );
  assert.deepEqual([...later], [[10, 9]]);
});

void test('of a chain of copies the first is always kept', () => {
  const later = laterCopies([
    { offset: 20, key: 'k', checkedTo: 18, batchStart: 20 },
    { offset: 21, key: 'k', checkedTo: 18, batchStart: 21 },
    { offset: 22, key: 'k', checkedTo: 18, batchStart: 22 },
  ]);
  assert.deepEqual(
    [...later],
    [
      [21, 20],
      [22, 20],
    ],
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartitionWindow } from '../../../src/domain/subscriptions/key-order.ts';

const rec = (offset: number, key: string | null) => ({ offset, key });

void test('records of one key go one at a time, in offset order; other keys go on', () => {
  const window = new PartitionWindow(0);
  window.add([rec(0, 'a'), rec(1, 'a'), rec(2, 'b'), rec(3, 'a')]);
  const first = window.next(1, 0)!;
  const second = window.next(1, 0)!;
  assert.deepEqual(
    first.records.map((r) => r.offset),
    [0],
  );
  assert.deepEqual(
    second.records.map((r) => r.offset),
    [2],
    'b overtakes the waiting a records',
  );
  assert.equal(window.next(1, 0), undefined, 'a is busy, b has nothing more');
  window.finish(first);
  assert.deepEqual(
    window.next(1, 0)!.records.map((r) => r.offset),
    [1],
  );
});

void test('a record waiting for a retry holds back its key, and progress stops before it', () => {
  const window = new PartitionWindow(10);
  window.add([rec(10, 'a'), rec(11, 'b'), rec(12, 'a')]);
  const a = window.next(1, 0)!;
  const b = window.next(1, 0)!;
  window.retryLater(a, 1000);
  window.finish(b);
  assert.equal(window.progress, 10, 'nothing before the stuck record is unfinished, so progress is its offset');
  assert.equal(window.next(1, 500), undefined, 'offset 12 waits for key a');
  assert.equal(window.nextRetryAt(), 1000);
  const retried = window.next(1, 1000)!;
  assert.equal(retried, a, 'the retry comes back once due');
  window.finish(retried);
  assert.equal(window.progress, 12);
  const last = window.next(1, 1000)!;
  window.finish(last);
  assert.equal(window.progress, 13);
  assert.equal(window.size, 0);
});

void test("a batch carries a key's consecutive records in order, but not past a busy key", () => {
  const window = new PartitionWindow(0);
  window.add([rec(0, 'a'), rec(1, 'b'), rec(2, 'a'), rec(3, null), rec(4, 'c')]);
  const one = window.next(1, 0)!;
  assert.deepEqual(
    one.records.map((r) => r.offset),
    [0],
  );
  const batch = window.next(10, 0)!;
  assert.deepEqual(
    batch.records.map((r) => r.offset),
    [1, 3, 4],
    'offset 2 waits for a',
  );
});

void test('records without a key have no order among themselves', () => {
  const window = new PartitionWindow(0);
  window.add([rec(0, null), rec(1, null)]);
  assert.ok(window.next(1, 0));
  assert.ok(window.next(1, 0), 'the second goes while the first is in flight');
  assert.equal(window.inFlight, 2);
});

void test('skipTo moves progress over records the reader left out (a filter)', () => {
  const window = new PartitionWindow(0);
  window.add([rec(3, 'a')]);
  window.skipTo(8);
  assert.equal(window.end, 8);
  assert.equal(window.progress, 3);
  window.finish(window.next(1, 0)!);
  assert.equal(window.progress, 8);
});

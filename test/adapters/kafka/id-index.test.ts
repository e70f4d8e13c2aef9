import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdIndex, type IdSource, type ScannedId } from '../../../src/adapters/kafka/id-index.ts';

const now = 1_800_000_000_000;

/** A topic in memory: per partition, its records' ids and times; counts what is read. */
function topic(partitions: ScannedId[][], logStart: number[] = partitions.map(() => 0)) {
  const read = { records: 0, scans: 0 };
  const source: IdSource = {
    partitions: () => Promise.resolve(partitions.length),
    offsets: (at, count) =>
      Promise.resolve(
        Array.from({ length: count }, (_, p) => {
          const records = partitions[p]!;
          if (at === 'start') return logStart[p]!;
          if (at === 'end') return records.length;
          const found = records.findIndex((r) => r.offset >= logStart[p]! && r.time >= at);
          return found;
        }),
      ),
    scan: (partition, from, to, limit) => {
      read.scans++;
      const next = Math.min(to, from + limit);
      read.records += next - from;
      return Promise.resolve({ ids: partitions[partition]!.slice(from, next), next });
    },
  };
  return { source, read };
}

const record = (offset: number, key: string, time: number, extra: Partial<ScannedId> = {}): ScannedId => ({
  offset,
  key,
  time,
  checkedTo: undefined,
  batchStart: offset,
  ...extra,
});

void test('built at start from the window only: at most `ids` records back per partition and nothing older than `ms`', async () => {
  const long = Array.from({ length: 10_000 }, (_, i) => record(i, `p0-${i}`, now - 10_000 + i));
  const old = Array.from({ length: 100 }, (_, i) => record(i, `p1-${i}`, now - 120_000 + i)); // older than the window
  const fresh = Array.from({ length: 50 }, (_, i) => record(i, `p2-${i}`, now - 50 + i));
  const { source, read } = topic([long, old, fresh]);
  const index = new IdIndex({ ms: 60_000, ids: 1000 }, source, () => now);
  await index.catchUp();
  assert.equal(read.records, 1000 + 0 + 50, 'reads the last 1000 records of p0, none of p1, all 50 of p2');
  assert.equal(index.size, 1000);
  // Merged by time, the window keeps the newest 1000 of the stream: all of p2, the last 950 of p0.
  assert.deepEqual(index.get('p2-0'), { partition: 2, offset: 0 });
  assert.deepEqual(index.get('p0-9999'), { partition: 0, offset: 9999 });
  assert.equal(index.get('p0-9049'), undefined);
  assert.deepEqual(index.get('p0-9050'), { partition: 0, offset: 9050 });
  assert.equal(index.get('p1-99'), undefined);
  assert.deepEqual(index.checkpoint(), [10_000, 100, 50]);

  // A catch-up reads only what was added since.
  long.push(record(10_000, 'p0-new', now));
  await index.catchUp();
  assert.equal(read.records, 1051);
  assert.deepEqual(index.get('p0-new'), { partition: 0, offset: 10_000 });
});

void test('settle reads what others wrote between the check and the round, and finds the later copies', async () => {
  const p0: ScannedId[] = [record(0, 'a', now)];
  const { source, read } = topic([p0]);
  const index = new IdIndex({ ms: 60_000, ids: 100 }, source, () => now);
  await index.catchUp();
  const checkedTo = index.checkpoint()[0]!;
  assert.equal(checkedTo, 1);

  // Meanwhile another process wrote "x" at 1; this round's "x" landed at 2 and "y" at 3.
  p0.push(record(1, 'x', now, { checkedTo: 1 }), record(2, 'x', now, { checkedTo: 1, batchStart: 2 }), record(3, 'y', now, { checkedTo: 1, batchStart: 2 }));
  const before = read.records;
  const later = await index.settle(
    0,
    [
      { offset: 2, key: 'x', time: now },
      { offset: 3, key: 'y', time: now },
    ],
    checkedTo,
  );
  assert.deepEqual([...later], [[2, 1]]);
  assert.equal(read.records - before, 1, 'only the gap was read');
  assert.deepEqual(index.get('x'), { partition: 0, offset: 1 });
  assert.deepEqual(index.get('y'), { partition: 0, offset: 3 });
  assert.deepEqual(index.checkpoint(), [4]);

  // A round with no one in between reads nothing.
  p0.push(record(4, 'z', now, { checkedTo: 4 }));
  assert.deepEqual([...(await index.settle(0, [{ offset: 4, key: 'z', time: now }], 4))], []);
  assert.equal(read.records - before, 1);
});

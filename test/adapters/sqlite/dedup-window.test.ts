import assert from 'node:assert/strict';
import type { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { openDatabase } from '../../../src/adapters/sqlite/database.ts';
import { SqliteEventLog } from '../../../src/adapters/sqlite/event-log.ts';
import type { AppendRecord } from '../../../src/ports/event-log.ts';
import { IdBatchWriter } from '../../../src/adapters/sqlite/id-batches.ts';
import { loggedIds, tempDataDir } from './sqlite-harness.ts';

const attributes = { type: 't', source: '/s', time: '2026-01-31T12:00:00Z' };

/** The time the log sees, moved by each append below. */
let now = 0;

function unique(id: string, at: number): AppendRecord {
  now = at;
  return { stream: 'acme.t', partition: 0, id, unique: true, key: null, timestamp: 1, attributes, value: '1' };
}

function open(dir: string, window: { ms: number; ids: number }) {
  const database = openDatabase(dir);
  return { log: new SqliteEventLog(database.db, { dedupWindow: window, clock: () => now }), db: database.db, database };
}

/** An id log row ending at `lastSeq`, where the next flush's ids would go: that flush fails on it. */
function blockIdLog(db: DatabaseSync, streamId: number, lastSeq: number): void {
  new IdBatchWriter(db).writeRow(streamId, [{ seq: lastSeq, id: 'in the way', partition: 0, offset: 99 }], 0);
}

void test('a repeated id is one record while in the window (by count and by age), stored again once out of it, also after a restart', async (t) => {
  const dir = tempDataDir(t);
  const window = { ms: 60_000, ids: 3 };
  let { log, db, database } = open(dir, window);
  t.after(() => db.isOpen && database.close());
  await log.createStream('acme.t', 1);
  await log.append([unique('a', 1_000), unique('b', 1_000), unique('c', 1_000)]);
  assert.deepEqual(await log.append([unique('a', 2_000)]), [{ partition: 0, offset: 0, duplicate: true }], 'a is among the last 3 ids');
  await log.append([unique('d', 2_000)]);
  assert.deepEqual(await log.append([unique('a', 3_000)]), [{ partition: 0, offset: 4, duplicate: false }], 'd pushed a out: stored again');
  assert.deepEqual(await log.append([unique('a', 3_500)]), [{ partition: 0, offset: 4, duplicate: true }], 'the new copy is in the window');

  await log.close();
  database.close();
  ({ log, db, database } = open(dir, window));
  assert.deepEqual(await log.append([unique('d', 4_000)]), [{ partition: 0, offset: 3, duplicate: true }], 'the window survives a restart');
  assert.deepEqual(await log.append([unique('d', 2_000 + 60_000)]), [{ partition: 0, offset: 5, duplicate: false }], 'older than the window: stored again');
  await log.close();
  database.close();
});

void test('the id index is pruned to about one window per stream as ids arrive', async (t) => {
  const dir = tempDataDir(t);
  const { log, db, database } = open(dir, { ms: 86_400_000, ids: 1000 });
  t.after(() => database.close());
  await log.createStream('acme.t', 1);
  for (let round = 0; round < 5; round++) {
    await log.append(Array.from({ length: 1000 }, (_, i) => unique(`r${round}-${i}`, 1_000)));
  }
  const count = loggedIds(db).length;
  assert.ok(count <= 2000 && count >= 1000, `the index holds ${count} ids for a window of 1000`);
  assert.deepEqual(await log.append([unique('r4-999', 2_000)]), [{ partition: 0, offset: 4999, duplicate: true }]);
  assert.equal((await log.append([unique('r0-0', 2_000)]))[0]?.duplicate, false);
  await log.close();
});

void test('ids of a flush that failed are not in the window: sent again, they are stored, not answered as repeats', async (t) => {
  const dir = tempDataDir(t);
  const { log, db, database } = open(dir, { ms: 60_000, ids: 1000 });
  t.after(() => database.close());
  await log.createStream('acme.t', 1);
  assert.deepEqual(await log.append([unique('a', 1_000)]), [{ partition: 0, offset: 0, duplicate: false }]);
  // A row already where the flush's ids go makes the flush fail after its records were written, and roll back.
  const { id: streamId } = db.prepare("SELECT id FROM streams WHERE name = 'acme.t'").get() as { id: number };
  blockIdLog(db, streamId, 2);
  await assert.rejects(log.append([unique('b', 1_100), unique('c', 1_100)]), /UNIQUE constraint failed/);
  db.prepare('DELETE FROM id_batches WHERE stream_id = ? AND last_seq = 2').run(streamId);

  assert.deepEqual(await log.append([unique('b', 1_200), unique('c', 1_200), unique('a', 1_200)]), [
    { partition: 0, offset: 1, duplicate: false },
    { partition: 0, offset: 2, duplicate: false },
    { partition: 0, offset: 0, duplicate: true },
  ]);
  assert.deepEqual(
    (await log.read('acme.t', 0, 0, 10)).map((record) => record.id),
    ['a', 'b', 'c'],
  );
  await log.close();
});

void test('after a failed flush the window read back at a restart is the one the process had', async (t) => {
  const dir = tempDataDir(t);
  let { log, db, database } = open(dir, { ms: 60_000, ids: 3 });
  await log.createStream('acme.t', 1);
  for (const id of ['a', 'b', 'c']) await log.append([unique(id, 1_000)]);
  const { id: streamId } = db.prepare("SELECT id FROM streams WHERE name = 'acme.t'").get() as { id: number };
  blockIdLog(db, streamId, 3);
  await assert.rejects(log.append([unique('d', 1_100)]));
  db.prepare('DELETE FROM id_batches WHERE stream_id = ? AND last_seq = 3').run(streamId);
  await log.append([unique('e', 1_200)]);
  // The window is the last 3 stored ids: b, c, e.
  assert.equal((await log.append([unique('b', 1_300)]))[0]?.duplicate, true);
  await log.close();
  database.close();
  ({ log, db, database } = open(dir, { ms: 60_000, ids: 3 }));
  t.after(() => database.close());
  assert.deepEqual(await log.append([unique('b', 1_400), unique('c', 1_400), unique('e', 1_400)]), [
    { partition: 0, offset: 1, duplicate: true },
    { partition: 0, offset: 2, duplicate: true },
    { partition: 0, offset: 3, duplicate: true },
  ]);
  await log.close();
});

void test('an id past the window by age is still found by its id (a CloudEvent’s source and id too) until the id log is pruned', async (t) => {
  const dir = tempDataDir(t);
  const { log, database } = open(dir, { ms: 1_000, ids: 1000 });
  t.after(() => database.close());
  await log.createStream('acme.t', 1);
  const cloudEvent: AppendRecord = { ...unique('ce-1', 1_000), dedupKey: JSON.stringify(['https://example.com/src', 'ce-1']) };
  await log.append([cloudEvent]);
  now = 5_000;
  assert.deepEqual(await log.findById('acme.t', JSON.stringify(['https://example.com/src', 'ce-1'])), { partition: 0, offset: 0 });
  // Sent again, it is past the window: stored again, and the lookup finds the newer copy.
  assert.deepEqual(await log.append([{ ...cloudEvent, timestamp: 2 }]), [{ partition: 0, offset: 1, duplicate: false }]);
  assert.deepEqual(await log.findById('acme.t', JSON.stringify(['https://example.com/src', 'ce-1'])), { partition: 0, offset: 1 });
  await log.close();
});

void test('a flush of many ids over two streams logs each in its stream’s order, and a restart knows them all', async (t) => {
  const dir = tempDataDir(t);
  let { log, db, database } = open(dir, { ms: 60_000, ids: 1000 });
  await log.createStream('acme.t', 2);
  await log.createStream('acme.u', 1);
  // 150 ids of acme.t and 75 of acme.u, interleaved, in one flush: more than the id log's largest statement takes.
  const records: AppendRecord[] = [];
  for (let i = 0; i < 225; i++) {
    const stream = i % 3 === 2 ? 'acme.u' : 'acme.t';
    records.push({ ...unique(`${stream}-${i}`, 1_000), stream, partition: stream === 'acme.t' ? i % 2 : 0 });
  }
  const first = await log.append(records);
  assert.ok(first.every((result) => !result.duplicate));
  const logged = loggedIds(db);
  const expected = ['acme.t', 'acme.u'].flatMap((stream) =>
    records
      .map((record, i) => ({ record, result: first[i]! }))
      .filter(({ record }) => record.stream === stream)
      .map(({ record, result }, seq) => ({ stream, seq, id: record.id, partition: result.partition, offset: result.offset, at: 1_000 })),
  );
  assert.deepEqual(logged, expected);

  await log.close();
  database.close();
  ({ log, db, database } = open(dir, { ms: 60_000, ids: 1000 }));
  t.after(() => database.close());
  now = 2_000;
  const again = await log.append(records);
  assert.deepEqual(
    again,
    first.map((result) => ({ ...result, duplicate: true })),
  );
  await log.close();
});

void test('pruning keeps a row of ids that straddles the window’s start whole: its ids in the window stay repeats after a restart, the older ones are still found by id', async (t) => {
  const dir = tempDataDir(t);
  const window = { ms: 86_400_000, ids: 1000 };
  let { log, db, database } = open(dir, window);
  let n = 0;
  await log.createStream('acme.t', 1);
  // Six commits of 700 ids: the window (the last 1,000, from seq 3,200) starts inside the fifth row (2,800–3,499).
  for (let commit = 0; commit < 6; commit++) await log.append(Array.from({ length: 700 }, () => unique(`id${n++}`, 1_000)));
  const firsts = loggedIds(db).map((row) => row.seq);
  assert.equal(Math.min(...firsts), 2800, 'rows wholly before the window are pruned, the straddling one is kept');
  await log.close();
  database.close();
  ({ log, db, database } = open(dir, window));
  t.after(() => database.close());
  assert.deepEqual(
    (await log.append([unique('id3250', 2_000), unique('id3199', 2_000)])).map((answer) => answer.duplicate),
    [true, false],
    'after a restart the window holds the straddling row’s ids from its start on, and none before',
  );
  assert.deepEqual(await log.findById('acme.t', 'id2900'), { partition: 0, offset: 2900 }, 'an id of the kept row before the window is still found');
  await log.close();
});

void test('an id past the window is found by its own text only: not by a longer id containing it, and also with a lone surrogate', async (t) => {
  const dir = tempDataDir(t);
  const { log, database } = open(dir, { ms: 1_000, ids: 1000 });
  t.after(() => database.close());
  await log.createStream('acme.t', 1);
  await log.append([unique('a', 1_000), unique('lone\ud800x', 1_000)]);
  await log.append([unique('ab', 1_100), unique('xa', 1_100)]);
  now = 10_000;
  assert.deepEqual(await log.findById('acme.t', 'a'), { partition: 0, offset: 0 });
  assert.deepEqual(await log.findById('acme.t', 'ab'), { partition: 0, offset: 2 });
  assert.deepEqual(await log.findById('acme.t', 'lone\ud800x'), { partition: 0, offset: 1 });
  assert.equal(await log.findById('acme.t', 'b'), undefined);
  await log.close();
});

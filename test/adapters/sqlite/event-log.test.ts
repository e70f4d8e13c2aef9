import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toColumns } from '../../../src/ports/append-columns.ts';
import type { AppendRecord } from '../../../src/ports/event-log.ts';
import { eventLogContract } from '../contracts/event-log.contract.ts';
import { sqlitePort, sqliteVariants, tempDataDir } from './sqlite-harness.ts';

const attributes = { type: 't', source: '/s', time: '2026-01-31T12:00:00Z' };

function record(id: string, fields: Partial<AppendRecord> = {}): AppendRecord {
  return { stream: 'acme.t', partition: 0, id, unique: false, key: null, timestamp: 1, attributes, value: '1', ...fields };
}

for (const variant of sqliteVariants) {
  eventLogContract(
    variant.name,
    sqlitePort(variant.open, (store) => store.log),
  );

  void describe(`EventLog on ${variant.name}`, () => {
    void test('appends packed apart and records given in the same turn share one commit, in order, all or none', async (t) => {
      const store = await variant.open(tempDataDir(t));
      t.after(() => store.close());
      const log = store.log;
      await log.createStream('acme.t', 2);
      await log.createStream('acme.u', 1);
      const packed = (records: AppendRecord[]): Promise<{ offset: number; partition: number; duplicate: boolean }[]> =>
        log.appendPacked === undefined ? log.append(records) : log.appendPacked(toColumns(records));
      const answers = await Promise.all([
        log.append([record('r1')]),
        packed([record('p1', { stream: 'acme.u' }), record('p2', { partition: 1 })]),
        log.append([record('r2', { partition: 1 })]),
        log.append([record('r3', { stream: 'acme.u', unique: true })]),
        packed([record('p3'), record('r3', { stream: 'acme.u', unique: true })]),
      ]);
      assert.deepEqual(answers, [
        [{ partition: 0, offset: 0, duplicate: false }],
        [
          { partition: 0, offset: 0, duplicate: false },
          { partition: 1, offset: 0, duplicate: false },
        ],
        [{ partition: 1, offset: 1, duplicate: false }],
        [{ partition: 0, offset: 1, duplicate: false }],
        [
          { partition: 0, offset: 1, duplicate: false },
          { partition: 0, offset: 1, duplicate: true },
        ],
      ]);
      const ids = async (stream: string, partition: number): Promise<string[]> => (await log.read(stream, partition, 0, 10)).map((stored) => stored.id);
      assert.deepEqual(await ids('acme.t', 0), ['r1', 'p3']);
      assert.deepEqual(await ids('acme.t', 1), ['p2', 'r2']);
      assert.deepEqual(await ids('acme.u', 0), ['p1', 'r3']);

      // One part naming a partition the stream lacks: the appends waiting with it fail too, and nothing of them is stored.
      const refused = await Promise.allSettled([packed([record('x1')]), packed([record('x2', { partition: 5 })]), log.append([record('x3')])]);
      assert.deepEqual(
        refused.map((outcome) => outcome.status),
        log.appendPacked === undefined ? ['fulfilled', 'rejected', 'fulfilled'] : ['rejected', 'rejected', 'rejected'],
      );
      if (log.appendPacked !== undefined) assert.deepEqual(await ids('acme.t', 0), ['r1', 'p3']);
    });

    void test('timestamps never go backwards within a partition, so time lookups stay ordered', async (t) => {
      const store = await variant.open(tempDataDir(t));
      t.after(() => store.close());
      await store.log.createStream('acme.t', 1);
      await store.log.append([300, 100, 400].map((timestamp, i) => record(`e${i}`, { timestamp })));
      const stored = await store.log.read('acme.t', 0, 0, 10);
      assert.deepEqual(
        stored.map((r) => r.timestamp),
        [300, 300, 400],
      );
      assert.equal(await store.log.offsetForTime('acme.t', 0, 200), 0);
      assert.equal(await store.log.offsetForTime('acme.t', 0, 301), 2);
    });

    void test('retention by age deletes old records from the start in batches, keeps the newest, and survives a restart', async (t) => {
      const dir = tempDataDir(t);
      let store = await variant.open(dir);
      t.after(() => store.close());
      await store.log.createStream('acme.t', 2);
      // Partition 0: 7,000 records a millisecond apart from t=1; partition 1: one record.
      await store.log.append(Array.from({ length: 7000 }, (_, i) => record(`e${i}`, { timestamp: 1 + i })));
      await store.log.append([record('only', { partition: 1, timestamp: 1 })]);
      const now = 10_000;
      const first = await store.log.applyRetention('acme.t', { ms: now - 6_001 }, now);
      assert.deepEqual(first, { deleted: 5000, more: true }, 'one bounded batch per call');
      const second = await store.log.applyRetention('acme.t', { ms: now - 6_001 }, now);
      assert.deepEqual(second, { deleted: 1000, more: false });
      const info = await store.log.describeStream('acme.t');
      assert.deepEqual(info?.startOffsets, [6000, 0], 'the lone record of partition 1 is its newest: kept');
      assert.deepEqual(info?.endOffsets, [7000, 1]);
      assert.equal((await store.log.read('acme.t', 0, 0, 1))[0]?.offset, 6000, 'a read from before the start begins at the start');

      // Everything older than now: only each partition's newest record stays, so offsets go on after a restart.
      await store.log.applyRetention('acme.t', { ms: 1000 }, 1_000_000);
      await store.close();
      store = await variant.open(dir);
      assert.deepEqual((await store.log.describeStream('acme.t'))?.startOffsets, [6999, 0]);
      const [next] = await store.log.append([record('after')]);
      assert.equal(next?.offset, 7000);
    });

    void test('a time lookup finds the first record at or after the time when batches share their newest time, also after retention rewrote the first batch', async (t) => {
      const store = await variant.open(tempDataDir(t));
      t.after(() => store.close());
      await store.log.createStream('acme.t', 1);
      // Three appends, three batches, every record at time 5 but the first two.
      await store.log.append([record('a', { timestamp: 1 }), record('b', { timestamp: 2 }), record('c', { timestamp: 5 })]);
      await store.log.append([record('d', { timestamp: 5 }), record('e', { timestamp: 5 })]);
      await store.log.append([record('f', { timestamp: 5 })]);
      assert.equal(await store.log.offsetForTime('acme.t', 0, 5), 2);
      // Retention cuts inside the first batch: its tail is stored again, after the others.
      await store.log.applyRetention('acme.t', { ms: 1 }, 5);
      assert.deepEqual((await store.log.describeStream('acme.t'))?.startOffsets, [2]);
      assert.equal(await store.log.offsetForTime('acme.t', 0, 5), 2);
      assert.equal(await store.log.offsetForTime('acme.t', 0, 6), 6);
      assert.deepEqual(
        (await store.log.read('acme.t', 0, 0, 10)).map((r) => r.id),
        ['c', 'd', 'e', 'f'],
      );
    });

    void test('a time lookup among many batches of one record finds the same offset as a scan of every record', async (t) => {
      const store = await variant.open(tempDataDir(t));
      t.after(() => store.close());
      await store.log.createStream('acme.t', 1);
      // One append per record, so one batch each; times repeat in threes (0, 0, 0, 10, 10, 10, …).
      const times = Array.from({ length: 40 }, (_, i) => Math.floor(i / 3) * 10);
      for (const [i, timestamp] of times.entries()) await store.log.append([record(`r${i}`, { timestamp })]);
      for (let time = -1; time <= 141; time++) {
        const expected = times.findIndex((stamped) => stamped >= time);
        assert.equal(await store.log.offsetForTime('acme.t', 0, time), expected === -1 ? times.length : expected, `time ${time}`);
      }
    });

    void test('retention by bytes keeps at most that many bytes per partition, oldest deleted first', async (t) => {
      const store = await variant.open(tempDataDir(t));
      t.after(() => store.close());
      await store.log.createStream('acme.t', 1);
      const value = JSON.stringify('x'.repeat(1000));
      await store.log.append(Array.from({ length: 100 }, (_, i) => record(`e${i}`, { value })));
      const perRecord = value.length + JSON.stringify(attributes).length;
      await store.log.applyRetention('acme.t', { bytes: 10 * perRecord });
      assert.deepEqual((await store.log.describeStream('acme.t'))?.startOffsets, [90]);
      // Appends count too: ten more push ten out.
      await store.log.append(Array.from({ length: 10 }, (_, i) => record(`f${i}`, { value })));
      await store.log.applyRetention('acme.t', { bytes: 10 * perRecord });
      assert.deepEqual((await store.log.describeStream('acme.t'))?.startOffsets, [100]);
    });

    void test('deleteStream removes the stream and its records; a stream of the same name starts afresh', async (t) => {
      const store = await variant.open(tempDataDir(t));
      t.after(() => store.close());
      await store.log.createStream('acme.t', 1);
      await store.log.append([record('a', { unique: true }), record('b')]);
      await store.log.deleteStream('acme.t');
      assert.equal(await store.log.describeStream('acme.t'), undefined);
      await store.log.createStream('acme.t', 2);
      assert.deepEqual((await store.log.describeStream('acme.t'))?.endOffsets, [0, 0]);
      assert.deepEqual(await store.log.append([record('a', { unique: true })]), [{ partition: 0, offset: 0, duplicate: false }]);
    });

    void test('eraseKey replaces the data and clears the key of every record with that key; positions stay', async (t) => {
      const store = await variant.open(tempDataDir(t));
      t.after(() => store.close());
      await store.log.createStream('acme.t', 1);
      await store.log.append([
        record('a', { key: 'alice', value: '{"email":"a@x"}' }),
        record('b', { key: 'bob', value: '2' }),
        record('c', { key: 'alice', value: '3' }),
      ]);
      assert.equal(await store.log.eraseKey('acme.t', 'alice'), 2);
      const stored = await store.log.read('acme.t', 0, 0, 10);
      assert.deepEqual(
        stored.map((r) => [r.offset, r.id, r.key, r.value]),
        [
          [0, 'a', null, 'null'],
          [1, 'b', 'bob', '2'],
          [2, 'c', null, 'null'],
        ],
      );
    });

    void test('close lets an append already made finish, and it is on disk', { timeout: 20_000 }, async (t) => {
      const dir = tempDataDir(t);
      const store = await variant.open(dir);
      let closing: Promise<void> | undefined;
      const close = (): Promise<void> => (closing ??= store.close());
      t.after(close);
      await store.log.createStream('acme.t', 1);
      const pending = store.log.append([record('last', { unique: true })]);
      await close();
      assert.deepEqual(await pending, [{ partition: 0, offset: 0, duplicate: false }]);
      const again = await variant.open(dir);
      t.after(() => again.close());
      assert.deepEqual((await again.log.describeStream('acme.t'))?.endOffsets, [1]);
    });

    void test('close wakes readers parked in waitForAppend', { timeout: 10_000 }, async (t) => {
      const store = await variant.open(tempDataDir(t));
      let closing: Promise<void> | undefined;
      const close = (): Promise<void> => (closing ??= store.close());
      t.after(close);
      await store.log.createStream('acme.t', 1);
      const waiting = store.log.waitForAppend('acme.t', 60_000);
      await close();
      await waiting;
    });
  });
}

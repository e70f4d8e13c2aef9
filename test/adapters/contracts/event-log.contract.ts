import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RecordAttributes } from '../../../src/domain/event.ts';
import type { AppendRecord, EventLog, LogRecord } from '../../../src/ports/event-log.ts';
import { settle, uniquePrefix, type OpenPort } from './harness.ts';

const attributes: RecordAttributes = { type: 'fruits', source: '/tenants/acme', time: '2026-01-31T12:00:00.000Z', schemaId: 1 };

/** Records are received now unless a test says otherwise: an id is recognised only within the dedup window (24 h by default). */
const receivedAt = Date.now();

function record(stream: string, partition: number, id: string, fields: Partial<AppendRecord> = {}): AppendRecord {
  return { stream, partition, id, unique: false, key: null, timestamp: receivedAt, attributes, value: JSON.stringify({ id }), ...fields };
}

/** Position and identity only, for compact comparisons. */
function brief(records: LogRecord[]): string[] {
  return records.map((r) => `${r.partition}:${r.offset}:${r.id}`);
}

/**
 * What every EventLog adapter must do. Each test works on streams under its own prefix.
 *
 * @example eventLogContract('sqlite', async (t) => { ... return { port, reopen } })
 */
export function eventLogContract(name: string, open: OpenPort<EventLog>): void {
  void describe(`EventLog contract: ${name}`, () => {
    void test('createStream creates an empty stream and is idempotent', async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.fruits`;
      assert.equal(await log.describeStream(stream), undefined);
      await log.createStream(stream, 3);
      assert.deepEqual(await log.describeStream(stream), { name: stream, partitions: 3, startOffsets: [0, 0, 0], endOffsets: [0, 0, 0] });
      await log.append([record(stream, 1, 'a')]);
      await log.createStream(stream, 3);
      await log.createStream(stream, 5);
      const info = await log.describeStream(stream);
      assert.equal(info?.partitions, 3, 'a second create keeps the partition count');
      assert.deepEqual(info?.endOffsets, [0, 1, 0], 'a second create keeps the records');
    });

    void test('listStreams returns the streams whose names start with the prefix', async (t) => {
      const { port: log } = await open(t);
      const prefix = uniquePrefix();
      const other = uniquePrefix();
      await log.createStream(`${prefix}.b`, 1);
      await log.createStream(`${prefix}.a`, 2);
      await log.createStream(`${prefix}._dead`, 1);
      await log.createStream(`${other}.a`, 1);
      const listed = await log.listStreams(`${prefix}.`);
      assert.deepEqual(listed.map((s) => s.name).sort(), [`${prefix}._dead`, `${prefix}.a`, `${prefix}.b`]);
      assert.deepEqual(
        listed.find((s) => s.name === `${prefix}.a`),
        { name: `${prefix}.a`, partitions: 2, startOffsets: [0, 0], endOffsets: [0, 0] },
      );
      assert.deepEqual(await log.listStreams(`${prefix}.zzz`), []);
    });

    void test('append answers positions in input order, across streams and partitions', async (t) => {
      const { port: log } = await open(t);
      const prefix = uniquePrefix();
      const a = `${prefix}.a`;
      const b = `${prefix}.b`;
      await log.createStream(a, 2);
      await log.createStream(b, 1);
      const results = await log.append([
        record(a, 1, 'r0'),
        record(b, 0, 'r1'),
        record(a, 0, 'r2'),
        record(a, 1, 'r3'),
        record(b, 0, 'r4'),
        record(a, 1, 'r5'),
      ]);
      assert.deepEqual(results, [
        { partition: 1, offset: 0, duplicate: false },
        { partition: 0, offset: 0, duplicate: false },
        { partition: 0, offset: 0, duplicate: false },
        { partition: 1, offset: 1, duplicate: false },
        { partition: 0, offset: 1, duplicate: false },
        { partition: 1, offset: 2, duplicate: false },
      ]);
      assert.deepEqual((await log.describeStream(a))?.endOffsets, [1, 3]);
      assert.deepEqual((await log.describeStream(b))?.endOffsets, [2]);
    });

    void test('offsets are dense per partition across appends', async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.dense`;
      await log.createStream(stream, 2);
      for (let i = 0; i < 5; i++) await log.append([record(stream, 0, `x${i}`), record(stream, 0, `y${i}`), record(stream, 1, `z${i}`)]);
      assert.deepEqual((await log.describeStream(stream))?.endOffsets, [10, 5]);
      const p0 = await log.read(stream, 0, 0, 100);
      assert.deepEqual(
        p0.map((r) => r.offset),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
      assert.deepEqual(p0.map((r) => r.id).slice(0, 4), ['x0', 'y0', 'x1', 'y1']);
    });

    void test('an empty append resolves to no positions', async (t) => {
      const { port: log } = await open(t);
      assert.deepEqual(await log.append([]), []);
    });

    void test('records read back exactly as appended', async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.roundtrip`;
      await log.createStream(stream, 1);
      const full: RecordAttributes = { type: 'fruits', source: '/shop', time: '2025-12-24T18:00:00Z', subject: 'basket/1', schemaId: 42 };
      const value = JSON.stringify({ name: 'kiwi', emoji: '🥝', nested: { list: [1, null, 'x'] }, quote: '"\\' });
      await log.append([
        record(stream, 0, 'evt-1', { key: 'user-7', timestamp: 1_769_860_800_123, attributes: full, value }),
        record(stream, 0, 'evt-2', { key: null, value: 'null' }),
      ]);
      const [first, second] = await log.read(stream, 0, 0, 10);
      assert.deepEqual({ ...first }, { stream, partition: 0, offset: 0, id: 'evt-1', key: 'user-7', timestamp: 1_769_860_800_123, attributes: full, value });
      assert.equal(second?.key, null);
      assert.equal(second?.value, 'null');
      assert.deepEqual(second?.attributes, attributes);
    });

    void test('read honours the start offset and the limit; past the end it is empty', async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.read`;
      await log.createStream(stream, 2);
      await log.append(Array.from({ length: 10 }, (_, i) => record(stream, 0, `e${i}`)));
      assert.deepEqual(brief(await log.read(stream, 0, 3, 4)), ['0:3:e3', '0:4:e4', '0:5:e5', '0:6:e6']);
      assert.deepEqual(brief(await log.read(stream, 0, 8, 100)), ['0:8:e8', '0:9:e9']);
      assert.deepEqual(await log.read(stream, 0, 10, 100), []);
      assert.deepEqual(await log.read(stream, 0, 1_000_000, 100), []);
      assert.deepEqual(await log.read(stream, 1, 0, 100), [], 'an empty partition');
    });

    void test('append to a missing stream or partition is refused and stores nothing', async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.strict`;
      await log.createStream(stream, 2);
      await assert.rejects(log.append([record(stream, 0, 'ok'), record(`${stream}-missing`, 0, 'no')]));
      await assert.rejects(log.append([record(stream, 0, 'ok'), record(stream, 2, 'no')]));
      await assert.rejects(log.append([record(stream, -1, 'no')]));
      assert.deepEqual((await log.describeStream(stream))?.endOffsets, [0, 0]);
      assert.deepEqual(await log.append([record(stream, 1, 'after')]), [{ partition: 1, offset: 0, duplicate: false }]);
    });

    void test('a unique id is stored once: a repeat in a later append answers the first position', async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.dedupe`;
      await log.createStream(stream, 2);
      assert.deepEqual(await log.append([record(stream, 1, 'filler'), record(stream, 1, 'evt-1', { unique: true })]), [
        { partition: 1, offset: 0, duplicate: false },
        { partition: 1, offset: 1, duplicate: false },
      ]);
      // Even when the repeat asks for another partition: ids are unique per stream.
      assert.deepEqual(await log.append([record(stream, 0, 'evt-1', { unique: true }), record(stream, 1, 'evt-1', { unique: true })]), [
        { partition: 1, offset: 1, duplicate: true },
        { partition: 1, offset: 1, duplicate: true },
      ]);
      assert.deepEqual((await log.describeStream(stream))?.endOffsets, [0, 2]);
    });

    void test('a unique id repeated within one append is stored once', async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.dedupe`;
      await log.createStream(stream, 1);
      const results = await log.append([
        record(stream, 0, 'a', { unique: true }),
        record(stream, 0, 'b', { unique: true }),
        record(stream, 0, 'a', { unique: true, value: '"second"' }),
      ]);
      assert.deepEqual(results, [
        { partition: 0, offset: 0, duplicate: false },
        { partition: 0, offset: 1, duplicate: false },
        { partition: 0, offset: 0, duplicate: true },
      ]);
      const stored = await log.read(stream, 0, 0, 10);
      assert.deepEqual(brief(stored), ['0:0:a', '0:1:b']);
      assert.equal(stored[0]?.value, JSON.stringify({ id: 'a' }), 'the first copy wins');
    });

    void test('a unique id sent by concurrent appends is stored once', async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.dedupe`;
      await log.createStream(stream, 1);
      const results = await Promise.all(Array.from({ length: 10 }, () => log.append([record(stream, 0, 'same', { unique: true })])));
      assert.equal(results.filter(([r]) => r?.duplicate === false).length, 1);
      for (const [r] of results) assert.deepEqual({ partition: r?.partition, offset: r?.offset }, { partition: 0, offset: 0 });
      assert.deepEqual((await log.describeStream(stream))?.endOffsets, [1]);
    });

    void test('records that are not unique are stored every time, and do not block a later unique one', async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.plain`;
      await log.createStream(stream, 1);
      await log.append([record(stream, 0, 'same'), record(stream, 0, 'same')]);
      await log.append([record(stream, 0, 'same')]);
      assert.deepEqual((await log.describeStream(stream))?.endOffsets, [3]);
      assert.deepEqual(await log.append([record(stream, 0, 'same', { unique: true })]), [{ partition: 0, offset: 3, duplicate: false }]);
    });

    void test('a dedupKey, not the id, recognises a repeat, also after reopening', async (t) => {
      const opened = await open(t);
      const log = opened.port;
      const stream = `${uniquePrefix()}.dedupe-key`;
      await log.createStream(stream, 1);
      const first = await log.append([
        record(stream, 0, 'ce-1', { unique: true, dedupKey: '["/a","ce-1"]' }),
        record(stream, 0, 'ce-1', { unique: true, dedupKey: '["/b","ce-1"]' }),
      ]);
      assert.deepEqual(
        first.map((r) => r.duplicate),
        [false, false],
      );
      const again = await opened.reopen();
      const second = await again.append([record(stream, 0, 'ce-1', { unique: true, dedupKey: '["/b","ce-1"]' }), record(stream, 0, 'ce-1', { unique: true })]);
      assert.deepEqual(second, [
        { partition: 0, offset: 1, duplicate: true },
        { partition: 0, offset: 2, duplicate: false },
      ]);
    });

    void test('findById answers where the first record with a unique id (or dedupKey) is', async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.find`;
      await log.createStream(stream, 2);
      await log.append([
        record(stream, 1, 'a', { unique: true }),
        record(stream, 0, 'ce-1', { unique: true, dedupKey: '["/s","ce-1"]' }),
        record(stream, 1, 'a', { unique: true }),
      ]);
      assert.deepEqual(await log.findById(stream, 'a'), { partition: 1, offset: 0 });
      assert.deepEqual(await log.findById(stream, '["/s","ce-1"]'), { partition: 0, offset: 0 });
      assert.equal(await log.findById(stream, 'nothing'), undefined);
      assert.equal(await log.findById(`${stream}-missing`, 'a'), undefined);
    });

    void test('the same unique id in two streams is two records', async (t) => {
      const { port: log } = await open(t);
      const prefix = uniquePrefix();
      await log.createStream(`${prefix}.a`, 1);
      await log.createStream(`${prefix}.b`, 1);
      const results = await log.append([record(`${prefix}.a`, 0, 'id-1', { unique: true }), record(`${prefix}.b`, 0, 'id-1', { unique: true })]);
      assert.deepEqual(
        results.map((r) => r.duplicate),
        [false, false],
      );
    });

    void test('offsetForTime finds the first record at or after a time', async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.time`;
      await log.createStream(stream, 2);
      await log.append([100, 200, 200, 300, 500].map((timestamp, i) => record(stream, 0, `t${i}`, { timestamp })));
      const cases: [number, number][] = [
        [0, 0],
        [100, 0],
        [101, 1],
        [200, 1],
        [201, 3],
        [300, 3],
        [400, 4],
        [500, 4],
        [501, 5],
      ];
      for (const [time, offset] of cases) assert.equal(await log.offsetForTime(stream, 0, time), offset, `time ${time}`);
      assert.equal(await log.offsetForTime(stream, 1, 0), 0, 'an empty partition answers its end offset');
    });

    void test('waitForAppend resolves when the stream grows', { timeout: 10_000 }, async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.wait`;
      await log.createStream(stream, 1);
      let woke = false;
      const waiting = log.waitForAppend(stream, 60_000).then(() => {
        woke = true;
      });
      await settle();
      assert.equal(woke, false, 'nothing was appended yet');
      await log.append([record(stream, 0, 'wake')]);
      await waiting; // the test timeout fails this if the append did not wake it
      assert.equal(woke, true);
    });

    void test('an append between noting the append version and waiting answers the wait at once', { timeout: 10_000 }, async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.since`;
      await log.createStream(stream, 1);
      const before = log.appendVersion(stream);
      await log.append([record(stream, 0, 'between')]);
      assert.notEqual(log.appendVersion(stream), before, 'an append by this process moves the version');
      const started = Date.now();
      await log.waitForAppend(stream, 60_000, undefined, before);
      assert.ok(Date.now() - started < 1000, 'the wait did not sleep');
    });

    void test('waitForAppend ignores appends to other streams', { timeout: 10_000 }, async (t) => {
      const { port: log } = await open(t);
      const prefix = uniquePrefix();
      await log.createStream(`${prefix}.watched`, 1);
      await log.createStream(`${prefix}.other`, 1);
      const controller = new AbortController();
      let woke = false;
      const waiting = log.waitForAppend(`${prefix}.watched`, 60_000, controller.signal).then(() => {
        woke = true;
      });
      await log.append([record(`${prefix}.other`, 0, 'elsewhere')]);
      await settle();
      assert.equal(woke, false);
      controller.abort();
      await waiting;
    });

    void test('waitForAppend resolves when the time is up', { timeout: 10_000 }, async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.wait`;
      await log.createStream(stream, 1);
      await log.waitForAppend(stream, 20);
      await log.waitForAppend(stream, 0);
    });

    void test('waitForAppend resolves on abort, and at once for an aborted signal', { timeout: 10_000 }, async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.wait`;
      await log.createStream(stream, 1);
      const controller = new AbortController();
      const waiting = log.waitForAppend(stream, 60_000, controller.signal);
      controller.abort();
      await waiting;
      await log.waitForAppend(stream, 60_000, AbortSignal.abort());
    });

    void test('200 concurrent appends all resolve with distinct, dense offsets', { timeout: 30_000 }, async (t) => {
      const { port: log } = await open(t);
      const stream = `${uniquePrefix()}.burst`;
      await log.createStream(stream, 2);
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append([record(stream, i % 2, `burst-${i}`, { unique: true })])));
      for (const partition of [0, 1]) {
        const offsets = results
          .map(([r]) => r!)
          .filter((r) => r.partition === partition)
          .map((r) => r.offset)
          .sort((a, b) => a - b);
        assert.deepEqual(
          offsets,
          Array.from({ length: 100 }, (_, i) => i),
          `partition ${partition}`,
        );
      }
      assert.ok(results.every(([r]) => r?.duplicate === false));
      // Each answer names the record really stored there.
      for (const partition of [0, 1]) {
        const stored = await log.read(stream, partition, 0, 200);
        assert.equal(stored.length, 100);
        for (const r of stored) {
          const index = Number(r.id.slice('burst-'.length));
          assert.deepEqual(results[index]?.[0], { partition, offset: r.offset, duplicate: false }, r.id);
        }
      }
    });

    void test('streams, records and ids survive a restart, and offsets continue', async (t) => {
      const opened = await open(t);
      const prefix = uniquePrefix();
      const stream = `${prefix}.durable`;
      await opened.port.createStream(stream, 2);
      await opened.port.createStream(`${prefix}.empty`, 3);
      await opened.port.append([
        record(stream, 0, 'd0', { unique: true, key: 'k', timestamp: receivedAt + 100 }),
        record(stream, 1, 'd1', { timestamp: receivedAt + 200 }),
        record(stream, 0, 'd2', { timestamp: receivedAt + 300 }),
      ]);
      const before = await opened.port.read(stream, 0, 0, 10);

      const log = await opened.reopen();
      assert.deepEqual(await log.describeStream(stream), { name: stream, partitions: 2, startOffsets: [0, 0], endOffsets: [2, 1] });
      assert.deepEqual(await log.describeStream(`${prefix}.empty`), { name: `${prefix}.empty`, partitions: 3, startOffsets: [0, 0, 0], endOffsets: [0, 0, 0] });
      assert.deepEqual(
        (await log.read(stream, 0, 0, 10)).map((r) => ({ ...r })),
        before.map((r) => ({ ...r })),
      );
      assert.equal(await log.offsetForTime(stream, 0, receivedAt + 200), 1);
      assert.deepEqual(await log.append([record(stream, 0, 'd3'), record(stream, 0, 'd0', { unique: true })]), [
        { partition: 0, offset: 2, duplicate: false },
        { partition: 0, offset: 0, duplicate: true },
      ]);
    });
  });
}

import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { AppendRecord, DedupWindow, EventLog } from '../../../src/ports/event-log.ts';
import { sleep, uniquePrefix, type Opened } from './harness.ts';

const attributes = { type: 'fruits', source: '/tenants/acme', time: '2026-01-31T12:00:00.000Z' };

function unique(stream: string, id: string, fields: Partial<AppendRecord> = {}): AppendRecord {
  return { stream, partition: 0, id, unique: true, key: null, timestamp: Date.now(), attributes, value: JSON.stringify({ id }), ...fields };
}

/** Opens an event log whose streams recognise repeats within `window`. */
export type OpenWithWindow = (t: TestContext, window: DedupWindow) => Promise<Opened<EventLog>>;

/**
 * The dedup window (limits.dedupWindowMs / dedupWindowIds), the same on every engine: an id
 * is a repeat while it is among the stream's last `ids` unique ids and younger than `ms`;
 * outside the window a repeat is stored again, and a restart remembers the window only. Ages
 * are real time: records are received now, and the tests wait.
 *
 * @example dedupWindowContract('kafka', (t, window) => openLogWith(t, window))
 */
export function dedupWindowContract(name: string, open: OpenWithWindow): void {
  void describe(`dedup window: ${name}`, () => {
    void test('an id repeated within the window is stored once', async (t) => {
      const { port: log } = await open(t, { ms: 60_000, ids: 10 });
      const stream = `${uniquePrefix()}.window`;
      await log.createStream(stream, 1);
      assert.deepEqual(await log.append([unique(stream, 'a')]), [{ partition: 0, offset: 0, duplicate: false }]);
      for (const id of ['b', 'c', 'd', 'e', 'f']) await log.append([unique(stream, id)]);
      assert.deepEqual(await log.append([unique(stream, 'a')]), [{ partition: 0, offset: 0, duplicate: true }]);
      assert.deepEqual((await log.describeStream(stream))?.endOffsets, [6]);
    });

    void test('an id pushed out of the window by newer ids is stored again', async (t) => {
      const { port: log } = await open(t, { ms: 60_000, ids: 3 });
      const stream = `${uniquePrefix()}.window`;
      await log.createStream(stream, 1);
      for (const id of ['a', 'b', 'c', 'd']) await log.append([unique(stream, id)]);
      // b, c and d are the last three ids: still repeats. a is not any more.
      assert.deepEqual(await log.append([unique(stream, 'b'), unique(stream, 'd')]), [
        { partition: 0, offset: 1, duplicate: true },
        { partition: 0, offset: 3, duplicate: true },
      ]);
      assert.deepEqual(await log.append([unique(stream, 'a')]), [{ partition: 0, offset: 4, duplicate: false }]);
      assert.equal((await log.findById(stream, 'a'))?.offset, 4, 'the new copy is the one found');
    });

    void test('an id whose first copy is older than the window is stored again, also after a restart', async (t) => {
      // Long enough that a slow broker still answers the first repeat inside the window.
      const opened = await open(t, { ms: 4000, ids: 1000 });
      const stream = `${uniquePrefix()}.window`;
      await opened.port.createStream(stream, 1);
      await opened.port.append([unique(stream, 'a'), unique(stream, 'b')]);
      assert.equal((await opened.port.append([unique(stream, 'a')]))[0]?.duplicate, true);
      await sleep(4500);
      assert.deepEqual(await opened.port.append([unique(stream, 'a')]), [{ partition: 0, offset: 2, duplicate: false }]);
      const log = await opened.reopen();
      assert.deepEqual(await log.append([unique(stream, 'a'), unique(stream, 'b')]), [
        { partition: 0, offset: 2, duplicate: true },
        { partition: 0, offset: 3, duplicate: false },
      ]);
    });

    void test('after a restart the window is remembered, and only the window', async (t) => {
      const opened = await open(t, { ms: 60_000, ids: 3 });
      const stream = `${uniquePrefix()}.window`;
      await opened.port.createStream(stream, 2);
      // Five ids over both partitions, in this order: a and b fall out of a window of three.
      for (const [i, id] of ['a', 'b', 'c', 'd', 'e'].entries()) await opened.port.append([unique(stream, id, { partition: i % 2 })]);
      const log = await opened.reopen();
      assert.deepEqual(await log.append([unique(stream, 'e'), unique(stream, 'd'), unique(stream, 'c')]), [
        { partition: 0, offset: 2, duplicate: true },
        { partition: 1, offset: 1, duplicate: true },
        { partition: 0, offset: 1, duplicate: true },
      ]);
      const again = await log.append([unique(stream, 'a'), unique(stream, 'b', { partition: 1 })]);
      assert.deepEqual(
        again.map((r) => r.duplicate),
        [false, false],
      );
    });
  });
}

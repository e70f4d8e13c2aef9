import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteStore } from '../../../src/adapters/sqlite/store.ts';
import { AppendChannel } from '../../../src/ports/append-channel.ts';
import { fromResultColumns, toColumns } from '../../../src/ports/append-columns.ts';
import type { AppendRecord } from '../../../src/ports/event-log.ts';

const record = (stream: string, id: string, value: string, unique = false): AppendRecord => ({
  stream,
  partition: 0,
  id,
  unique,
  key: null,
  timestamp: 1_700_000_000_000,
  attributes: { type: 'orders', source: '/test', time: '2026-01-01T00:00:00.000Z' },
  value,
});

async function openStore(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-channel-'));
  const store = await openSqliteStore(dir);
  t.after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return store;
}

void test('appends through the channel are stored, read back, deduplicated and wake readers on the main thread', async (t) => {
  const store = await openStore(t);
  await store.log.createStream('acme.orders', 1);
  const channel = new AppendChannel(store.log.appendChannel!());
  const version = store.log.appendVersion('acme.orders');

  const first = fromResultColumns(await channel.append(toColumns([record('acme.orders', 'a', '{"n":1}', true), record('acme.orders', 'b', '{"n":2}')]), []));
  assert.deepEqual(first, [
    { partition: 0, offset: 0, duplicate: false },
    { partition: 0, offset: 1, duplicate: false },
  ]);
  // A repeat of a unique id is found, whichever way it came: through the channel or the main thread.
  const again = fromResultColumns(await channel.append(toColumns([record('acme.orders', 'a', '{"n":1}', true)]), []));
  assert.deepEqual(again, [{ partition: 0, offset: 0, duplicate: true }]);
  const mixed = await store.log.append([record('acme.orders', 'a', '{"n":1}', true), record('acme.orders', 'c', '{"n":3}')]);
  assert.deepEqual(mixed, [
    { partition: 0, offset: 0, duplicate: true },
    { partition: 0, offset: 2, duplicate: false },
  ]);

  // Appends in flight at once each get their own results, in the order sent.
  const [d, ef] = await Promise.all([
    channel.append(toColumns([record('acme.orders', 'd', '{"n":4}')]), []),
    channel.append(toColumns([record('acme.orders', 'e', '{"n":5}'), record('acme.orders', 'f', '{"n":6}')]), []),
  ]);
  assert.deepEqual(fromResultColumns(d), [{ partition: 0, offset: 3, duplicate: false }]);
  assert.deepEqual(fromResultColumns(ef), [
    { partition: 0, offset: 4, duplicate: false },
    { partition: 0, offset: 5, duplicate: false },
  ]);

  assert.deepEqual(
    (await store.log.read('acme.orders', 0, 0, 10)).map((stored) => [stored.offset, stored.id]),
    [
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
      [3, 'd'],
      [4, 'e'],
      [5, 'f'],
    ],
  );
  assert.ok(store.log.appendVersion('acme.orders') > version, 'readers on the main thread hear of appends made through the channel');
});

void test('the channel makes the streams it is asked to ensure, and a store failure comes back as an error', async (t) => {
  const store = await openStore(t);
  const channel = new AppendChannel(store.log.appendChannel!());

  const dead = fromResultColumns(await channel.append(toColumns([record('acme._dead', 'x', '{}')]), ['acme._dead']));
  assert.deepEqual(dead, [{ partition: 0, offset: 0, duplicate: false }]);
  assert.equal((await store.log.describeStream('acme._dead'))?.partitions, 1);

  await assert.rejects(channel.append(toColumns([record('acme.missing', 'y', '{}')]), []), /stream acme\.missing does not exist/);
});

void test('closing the store ends its channels: an append after that fails at once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-channel-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = await openSqliteStore(dir);
  await store.log.createStream('acme.orders', 1);
  const channel = new AppendChannel(store.log.appendChannel!());
  await channel.append(toColumns([record('acme.orders', 'a', '{}')]), []);
  await store.close();
  // The 'close' event reaches the port in a later turn.
  await new Promise((resolve) => setTimeout(resolve, 50));
  await assert.rejects(channel.append(toColumns([record('acme.orders', 'b', '{}')]), []), /the store closed the append channel/);
});

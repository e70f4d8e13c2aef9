/**
 * A data directory written by the release that stored one row per record (storage layout 0,
 * test/fixtures/sqlite-layout-0, made by that release's store) opens on today's record batches
 * with every record, offset, id index entry and start offset in place; so does one written by
 * the release whose id index was keyed by id (layout 1, test/fixtures/sqlite-layout-1, made by
 * that release's store: the same orders with shorter values, the login, and a record without
 * a producer id), whose ids move to the id log; and one written by the release that logged
 * one row per id (layout 2, test/fixtures/sqlite-layout-2, made by that release's store: the
 * orders 0–249 in five appends of 50 without retention, the login and the record without an
 * id), whose id log is regrouped into a row per stream and commit; and one written by the
 * release that indexed batches by time (layout 3, test/fixtures/sqlite-layout-3, made by that
 * release's store: the orders 0–249 in five appends of 50 over two partitions, a login with a
 * CloudEvent's id and one without an id), whose time index is dropped.
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { currentLayout } from '../../../src/adapters/sqlite/log-layout.ts';
import { openInProcessStore, openSqliteStore } from '../../../src/adapters/sqlite/store.ts';
import type { AppendRecord } from '../../../src/ports/event-log.ts';
import { loggedIds, sqliteVariants, sqliteVariantsWith, tempDataDir } from './sqlite-harness.ts';

const attributes = { type: 'orders', source: '/tenants/acme', time: '2026-01-31T12:00:00Z' };

const fixture = fileURLToPath(new URL('../../fixtures/sqlite-layout-0/sluice.db', import.meta.url));
const layout1Fixture = fileURLToPath(new URL('../../fixtures/sqlite-layout-1/sluice.db', import.meta.url));
const layout2Fixture = fileURLToPath(new URL('../../fixtures/sqlite-layout-2/sluice.db', import.meta.url));
const layout3Fixture = fileURLToPath(new URL('../../fixtures/sqlite-layout-3/sluice.db', import.meta.url));

/** The layout-1 fixture's ids were received when it was made: a window of years keeps them in it whenever the test runs. */
const yearsLong = { dedupWindow: { ms: 100 * 365 * 86_400_000, ids: 500_000 } };

/** An order sent again with its producer id (the fixtures' ids are `order-<n>`). */
function orderAgain(id: string, partition: number): AppendRecord {
  return { stream: 'acme.orders', partition, id, unique: true, key: null, timestamp: 1, attributes, value: '1' };
}

/** The fixtures' CloudEvent login sent again: its source and id are what make it a repeat. */
const loginAgain: AppendRecord = {
  stream: 'acme.logins',
  partition: 0,
  id: 'ce-1',
  unique: true,
  dedupKey: 'https://example.com/src\u0000ce-1',
  key: null,
  timestamp: 1,
  attributes,
  value: '1',
};

/** What the fixture's writer appended: 250 orders over two partitions, then retention cut both at offset 30; one login. */
function expectedOrder(offset: number, partition: number) {
  const n = offset * 2 + partition;
  return {
    id: `order-${n}`,
    key: n % 5 === 0 ? null : `cus-${n % 7}`,
    timestamp: 1_760_000_000_000 + n * 1000,
    value: JSON.stringify({ n, note: 'ümlaut ✓ 🚀', nested: { a: [n, n + 1] } }),
  };
}

for (const variant of sqliteVariants) {
  void test(`${variant.name}: a layout-0 file is migrated to record batches with nothing lost`, async (t) => {
    const dir = tempDataDir(t);
    copyFileSync(fixture, join(dir, 'sluice.db'));
    const store = await variant.open(dir);
    t.after(() => store.close());

    const orders = await store.log.describeStream('acme.orders');
    assert.deepEqual(orders?.startOffsets, [30, 30]);
    assert.deepEqual(orders?.endOffsets, [125, 125]);
    for (const partition of [0, 1]) {
      const records = await store.log.read('acme.orders', partition, 0, 1000);
      assert.equal(records.length, 95);
      records.forEach((record, i) => {
        const offset = 30 + i;
        assert.equal(record.offset, offset);
        assert.deepEqual({ id: record.id, key: record.key, timestamp: record.timestamp, value: record.value }, expectedOrder(offset, partition));
        assert.equal(record.attributes.type, 'orders');
      });
    }
    assert.deepEqual(
      (await store.log.read('acme.logins', 0, 0, 10)).map((r) => [r.offset, r.id, r.key, r.value]),
      [[0, 'ce-1', 'u1', '{"user":"u1"}']],
    );

    // The id index came along: a repeat of an id stored before the upgrade is still one.
    const [repeat] = await store.log.append([orderAgain('order-120', 0)]);
    assert.deepEqual(repeat, { partition: 0, offset: 60, duplicate: true });
    const [loginRepeat] = await store.log.append([loginAgain]);
    assert.equal(loginRepeat?.duplicate, true);
    // Offsets go on from where the old layout stopped, and time lookups still find their records.
    const [next] = await store.log.append([
      { stream: 'acme.orders', partition: 1, id: 'new', unique: false, key: null, timestamp: 1_760_000_500_000, attributes, value: '2' },
    ]);
    assert.equal(next?.offset, 125);
    assert.equal(await store.log.offsetForTime('acme.orders', 0, 1_760_000_100_000), 50);
    assert.deepEqual(await store.log.findById('acme.orders', 'order-77'), { partition: 1, offset: 38 });
  });
}

/** A copy of a fixture, opened once by the store (which migrates it) and closed, then opened bare to look inside. */
async function migratedCopy(t: TestContext, file: string, open = sqliteVariants[1]!.open): Promise<DatabaseSync> {
  const dir = tempDataDir(t);
  copyFileSync(file, join(dir, 'sluice.db'));
  await (await open(dir)).close();
  const db = new DatabaseSync(join(dir, 'sluice.db'));
  t.after(() => db.close());
  return db;
}

void test('the migrated file records the current layout and has no row-per-record table left', async (t) => {
  const db = await migratedCopy(t, fixture);
  assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, currentLayout);
  assert.equal(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'records'").get(), undefined);
});

void test('a file written by a newer release is refused with what to do, and left as it was', async (t) => {
  const dir = tempDataDir(t);
  const db = new DatabaseSync(join(dir, 'sluice.db'));
  db.exec(`PRAGMA user_version = ${currentLayout + 1}`);
  db.close();
  for (const variant of sqliteVariants) {
    await assert.rejects(variant.open(dir), /written by a newer Sluice .*upgrade Sluice/);
  }
  const again = new DatabaseSync(join(dir, 'sluice.db'));
  t.after(() => again.close());
  assert.equal((again.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, currentLayout + 1);
});

for (const variant of sqliteVariantsWith(yearsLong)) {
  void test(`${variant.name}: a layout-1 file keeps its records, and its id index moves to the id log in the order the ids came`, async (t) => {
    const dir = tempDataDir(t);
    copyFileSync(layout1Fixture, join(dir, 'sluice.db'));
    const store = await variant.open(dir);
    t.after(() => store.close());

    const orders = await store.log.describeStream('acme.orders');
    assert.deepEqual(orders?.startOffsets, [30, 30]);
    assert.deepEqual(orders?.endOffsets, [125, 125]);
    const first = (await store.log.read('acme.orders', 1, 0, 1))[0];
    assert.deepEqual([first?.offset, first?.id, first?.value], [30, 'order-61', JSON.stringify({ n: 61, note: 'ümlaut ✓ 🚀' })]);
    assert.deepEqual(
      (await store.log.read('acme.logins', 0, 0, 10)).map((r) => [r.offset, r.id, r.value]),
      [
        [0, 'ce-1', '{"user":"u1"}'],
        [1, 'plain', '{"user":"u2"}'],
      ],
    );

    // Repeats of ids stored before the upgrade are still repeats, with the first copy's place.
    const repeats = await store.log.append([
      orderAgain('order-120', 0),
      orderAgain('order-249', 1),
      loginAgain,
      { stream: 'acme.orders', partition: 0, id: 'order-new', unique: true, key: null, timestamp: 1_760_000_500_000, attributes, value: '2' },
    ]);
    assert.deepEqual(repeats, [
      { partition: 0, offset: 60, duplicate: true },
      { partition: 1, offset: 124, duplicate: true },
      { partition: 0, offset: 0, duplicate: true },
      { partition: 0, offset: 125, duplicate: false },
    ]);
    assert.deepEqual(await store.log.findById('acme.orders', 'order-77'), { partition: 1, offset: 38 });
    assert.deepEqual(await store.log.findById('acme.orders', 'order-new'), { partition: 0, offset: 125 });
  });
}

void test('a migrated layout-1 file has its ids in the id log, numbered densely per stream, and no id index keyed by id', async (t) => {
  const db = await migratedCopy(t, layout1Fixture, sqliteVariantsWith(yearsLong)[1]!.open);
  assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, currentLayout);
  assert.equal(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'record_ids'").get(), undefined);
  const ids = loggedIds(db);
  assert.deepEqual(
    ids.filter((row) => row.stream === 'acme.orders').map((row) => [row.seq, row.id]),
    Array.from({ length: 250 }, (_, n) => [n, `order-${n}`]),
  );
  assert.deepEqual(
    ids.filter((row) => row.stream === 'acme.logins').map((row) => [row.seq, row.id]),
    [[0, 'https://example.com/src\u0000ce-1']],
  );
});

for (const variant of sqliteVariantsWith({ dedupWindow: { ms: 86_400_000, ids: 10 } })) {
  void test(`${variant.name}: a layout-0 stream with more ids than the window keeps its newest ones in it`, async (t) => {
    const dir = tempDataDir(t);
    copyFileSync(fixture, join(dir, 'sluice.db'));
    const store = await variant.open(dir);
    t.after(() => store.close());
    // Layout 0 kept no order of ids; their records' offsets give it (order-n is at offset ⌊n/2⌋).
    const answers = await store.log.append([249, 240, 239, 9].map((n) => orderAgain(`order-${n}`, n % 2)));
    assert.deepEqual(
      answers.map((answer) => answer.duplicate),
      [true, true, false, false],
    );
  });
}

for (const variant of sqliteVariantsWith(yearsLong)) {
  void test(`${variant.name}: a layout-2 file keeps its records, and its ids stay repeats after the id log is regrouped`, async (t) => {
    const dir = tempDataDir(t);
    copyFileSync(layout2Fixture, join(dir, 'sluice.db'));
    let store = await variant.open(dir);
    t.after(() => store.close());

    assert.deepEqual((await store.log.describeStream('acme.orders'))?.endOffsets, [125, 125]);
    const first = (await store.log.read('acme.orders', 1, 30, 1))[0];
    assert.deepEqual([first?.offset, first?.id, first?.key, first?.value], [30, 'order-61', 'cus-5', JSON.stringify({ n: 61, note: 'ümlaut ✓ 🚀' })]);
    const repeats = await store.log.append([
      orderAgain('order-0', 0),
      orderAgain('order-120', 0),
      orderAgain('order-249', 1),
      loginAgain,
      { stream: 'acme.orders', partition: 0, id: 'order-new', unique: true, key: null, timestamp: 1_760_000_500_000, attributes, value: '2' },
    ]);
    assert.deepEqual(repeats, [
      { partition: 0, offset: 0, duplicate: true },
      { partition: 0, offset: 60, duplicate: true },
      { partition: 1, offset: 124, duplicate: true },
      { partition: 0, offset: 0, duplicate: true },
      { partition: 0, offset: 125, duplicate: false },
    ]);
    assert.deepEqual(await store.log.findById('acme.orders', 'order-77'), { partition: 1, offset: 38 });

    // Ids logged before and after the upgrade are read back together at the next start.
    await store.close();
    store = await variant.open(dir);
    const again = await store.log.append([orderAgain('order-1', 1), orderAgain('order-new', 0), orderAgain('order-250', 0)]);
    assert.deepEqual(again, [
      { partition: 1, offset: 0, duplicate: true },
      { partition: 0, offset: 125, duplicate: true },
      { partition: 0, offset: 126, duplicate: false },
    ]);
  });
}

void test('a migrated layout-2 file holds its ids a row per stream and commit, in their order, and no row per id', async (t) => {
  const db = await migratedCopy(t, layout2Fixture, sqliteVariantsWith(yearsLong)[1]!.open);
  assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, currentLayout);
  assert.equal(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'id_log'").get(), undefined);
  const ids = loggedIds(db);
  assert.deepEqual(
    ids.filter((row) => row.stream === 'acme.orders').map((row) => [row.seq, row.id, row.partition, row.offset]),
    Array.from({ length: 250 }, (_, n) => [n, `order-${n}`, n % 2, Math.floor(n / 2)]),
  );
  assert.deepEqual(
    ids.filter((row) => row.stream === 'acme.logins').map((row) => [row.seq, row.id, row.partition, row.offset]),
    [[0, 'https://example.com/src\u0000ce-1', 0, 0]],
  );
  // The fixture's writer appended the orders 50 at a time: each commit's ids kept their time, a row each.
  const rows = db
    .prepare("SELECT b.last_seq, b.count, b.at FROM id_batches b JOIN streams s ON s.id = b.stream_id WHERE s.name = 'acme.orders' ORDER BY b.last_seq")
    .all() as {
    last_seq: number;
    count: number;
    at: number;
  }[];
  assert.deepEqual(
    rows.map((row) => [row.last_seq, row.count]),
    [
      [49, 50],
      [99, 50],
      [149, 50],
      [199, 50],
      [249, 50],
    ],
  );
  assert.equal(new Set(rows.map((row) => row.at)).size, 5);
});

for (const variant of sqliteVariantsWith(yearsLong)) {
  void test(`${variant.name}: a layout-3 file keeps its records and ids, and finds records by time without its time index`, async (t) => {
    const dir = tempDataDir(t);
    copyFileSync(layout3Fixture, join(dir, 'sluice.db'));
    const store = await variant.open(dir);
    t.after(() => store.close());

    assert.deepEqual((await store.log.describeStream('acme.orders'))?.endOffsets, [125, 125]);
    const orders = await store.log.read('acme.orders', 1, 30, 1);
    assert.deepEqual(
      orders.map((r) => [r.offset, r.id, r.key, r.timestamp, r.value]),
      [[30, 'order-61', 'cus-5', 1_760_000_061_000, JSON.stringify({ n: 61, note: 'ümlaut ✓ 🚀' })]],
    );
    assert.deepEqual(
      (await store.log.read('acme.logins', 0, 0, 10)).map((r) => [r.offset, r.id, r.value]),
      [
        [0, 'ce-1', '{"user":"u1"}'],
        [1, 'generated-1', '{"user":"u2"}'],
      ],
    );
    // Order n is at offset ⌊n/2⌋ of partition n % 2, stamped 1_760_000_000_000 + n seconds; its five appends made five batches per partition.
    const cases: [number, number, number][] = [
      [0, 0, 0],
      [0, 1_760_000_000_001, 1],
      [1, 1_760_000_001_000, 0],
      [0, 1_760_000_048_000, 24],
      [0, 1_760_000_048_001, 25],
      [1, 1_760_000_049_001, 25],
      [0, 1_760_000_100_000, 50],
      [1, 1_760_000_247_500, 124],
      [0, 1_760_000_248_000, 124],
      [0, 1_760_000_248_001, 125],
      [1, 9_999_999_999_999, 125],
    ];
    for (const [partition, time, offset] of cases)
      assert.equal(await store.log.offsetForTime('acme.orders', partition, time), offset, `partition ${partition}, time ${time}`);
    assert.equal(await store.log.offsetForTime('acme.logins', 0, 1_760_000_300_500), 1);

    const repeats = await store.log.append([orderAgain('order-120', 0), orderAgain('order-249', 1), loginAgain]);
    assert.deepEqual(repeats, [
      { partition: 0, offset: 60, duplicate: true },
      { partition: 1, offset: 124, duplicate: true },
      { partition: 0, offset: 0, duplicate: true },
    ]);
  });
}

void test('a migrated layout-3 file has no index of batches by time', async (t) => {
  // A copy: opening the fixture itself, even read-only, leaves WAL files beside it.
  const copy = join(tempDataDir(t), 'sluice.db');
  copyFileSync(layout3Fixture, copy);
  const before = new DatabaseSync(copy, { readOnly: true });
  const indexes = (db: DatabaseSync) =>
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'record_batches' ORDER BY name").all() as { name: string }[]).map(
      (row) => row.name,
    );
  assert.deepEqual(indexes(before), ['record_batches_by_offset', 'record_batches_by_time']);
  before.close();
  const db = await migratedCopy(t, layout3Fixture);
  assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, currentLayout);
  assert.deepEqual(indexes(db), ['record_batches_by_offset']);
});

void test('opening a file of an earlier layout says so once, in the log, with the layouts and the time it took; a new or current file says nothing', async (t) => {
  const said: { fields: Record<string, unknown>; message: string }[] = [];
  const logger = { info: (fields: object, message: string) => said.push({ fields: fields as Record<string, unknown>, message }), warn: () => undefined };
  const dir = tempDataDir(t);
  copyFileSync(layout2Fixture, join(dir, 'sluice.db'));
  await (await openSqliteStore(dir, {}, logger)).close();
  await (await openSqliteStore(dir, {}, logger)).close();
  await (await openSqliteStore(tempDataDir(t), {}, logger)).close();
  const migrations = said.filter((entry) => entry.fields.layout !== undefined);
  assert.equal(migrations.length, 1, JSON.stringify(said));
  assert.deepEqual({ ...migrations[0]!.fields, ms: typeof migrations[0]!.fields.ms }, { dataDir: dir, layout: currentLayout, from: 2, ms: 'number' });
  assert.match(migrations[0]!.message, /written by an earlier release \(storage layout 2\); it is now in layout 4 .*backup/);

  for (const [file, from] of [
    [fixture, 0],
    [layout1Fixture, 1],
    [layout3Fixture, 3],
  ] as const) {
    const older = tempDataDir(t);
    copyFileSync(file, join(older, 'sluice.db'));
    const store = openInProcessStore(older);
    assert.deepEqual({ from: store.migration?.from, to: store.migration?.to }, { from, to: currentLayout });
    await store.close();
  }
});

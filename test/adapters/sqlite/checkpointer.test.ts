import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackgroundCheckpointer, type CheckpointThreadReport, describeCheckpointReport } from '../../../src/adapters/sqlite/checkpointer.ts';
import { openInProcessStore } from '../../../src/adapters/sqlite/store.ts';
import type { AppendRecord } from '../../../src/ports/event-log.ts';
import { tempDataDir } from './sqlite-harness.ts';

const attributes = { type: 't', source: '/s', time: '2026-01-31T12:00:00Z' };

/** 100 records of about 2 KB each: some 13 WAL pages a commit, far below the writer's own 1,000-page checkpoint. */
function records(round: number): AppendRecord[] {
  return Array.from({ length: 100 }, (_, i) => ({
    stream: 'acme.t',
    partition: i % 2,
    id: `r${round}-${i}`,
    unique: false,
    key: null,
    timestamp: 1,
    attributes,
    value: JSON.stringify({ round, i, pad: 'x'.repeat(2000) }),
  }));
}

/** Appends 20 commits; answers how much the database file grew once the WAL was copied into it, or after `waitMs`. */
async function databaseGrowth(dir: string, backgroundCheckpoints: boolean, waitMs: number): Promise<number> {
  const store = openInProcessStore(dir, { backgroundCheckpoints });
  try {
    await store.log.createStream('acme.t', 2);
    const before = statSync(join(dir, 'sluice.db')).size;
    for (let round = 0; round < 20; round++) await store.log.append(records(round));
    const walBytes = statSync(join(dir, 'sluice.db-wal')).size;
    assert.ok(walBytes > 2_000_000, `the appends went to the WAL first (${walBytes} bytes)`);
    for (let waited = 0; waited < waitMs && statSync(join(dir, 'sluice.db')).size < before + 1_000_000; waited += 50) await sleep(50);
    return statSync(join(dir, 'sluice.db')).size - before;
  } finally {
    await store.close();
  }
}

void test('with background checkpoints the WAL is copied into the database file between commits, by the checkpoint thread', { timeout: 30_000 }, async (t) => {
  const grown = await databaseGrowth(tempDataDir(t), true, 10_000);
  assert.ok(grown > 1_000_000, `the database file grew by ${grown} bytes`);
});

void test('without them, commits below the writer’s own threshold leave the pages in the WAL', async (t) => {
  // The control for the test above: there, only the checkpoint thread can have copied the pages.
  const grown = await databaseGrowth(tempDataDir(t), false, 500);
  assert.ok(grown < 1_000_000, `the database file grew by ${grown} bytes`);
});

void test('under sustained appends the WAL stays bounded, and every record reads back after a reopen', { timeout: 60_000 }, async (t) => {
  const dir = tempDataDir(t);
  const store = openInProcessStore(dir, { backgroundCheckpoints: true });
  await store.log.createStream('acme.t', 2);
  let largestWal = 0;
  const rounds = 200;
  for (let round = 0; round < rounds; round++) {
    await store.log.append(records(round));
    largestWal = Math.max(largestWal, statSync(join(dir, 'sluice.db-wal')).size);
  }
  await store.close();
  // 200 commits of about 210 KB each wrote some 42 MB; the WAL starts over past 1,000 pages of 16 KiB.
  assert.ok(largestWal < 24 * 1024 * 1024, `the WAL reached ${largestWal} bytes`);

  const reopened = openInProcessStore(dir, { backgroundCheckpoints: true });
  t.after(() => reopened.close());
  for (const partition of [0, 1]) {
    const read = await reopened.log.read('acme.t', partition, 0, rounds * 100);
    assert.equal(read.length, (rounds * 100) / 2);
    assert.deepEqual(
      read.map((record) => record.offset),
      read.map((_, index) => index),
    );
    assert.equal(read.at(-1)!.id, `r${rounds - 1}-${98 + partition}`);
  }
});

void test('the lock on the data directory is its own file, so other connections may read the database while the store is open', async (t) => {
  const dir = tempDataDir(t);
  const store = openInProcessStore(dir, { backgroundCheckpoints: true });
  t.after(() => store.close());
  await store.log.createStream('acme.t', 1);
  const reader = new DatabaseSync(join(dir, 'sluice.db'), { readOnly: true });
  const { count } = reader.prepare('SELECT COUNT(*) AS count FROM streams').get() as { count: number };
  reader.close();
  assert.equal(count, 1);
  assert.throws(() => openInProcessStore(dir), /in use by another Sluice process/);
});

void test('a database file held exclusively by an earlier release, which locked the file itself, is refused with the same message', async (t) => {
  const dir = tempDataDir(t);
  const setup = openInProcessStore(dir);
  await setup.close();
  const earlier = new DatabaseSync(join(dir, 'sluice.db'));
  t.after(() => earlier.isOpen && earlier.close());
  earlier.exec('PRAGMA locking_mode = EXCLUSIVE');
  earlier.exec('BEGIN IMMEDIATE');
  earlier.exec('COMMIT');
  assert.throws(() => openInProcessStore(dir), /the data directory .* is in use by another Sluice process/);
  // The refused open let its lock go: once the file is free, the directory opens.
  earlier.close();
  const reopened = openInProcessStore(dir);
  await reopened.close();
});

void test('closing the store ends the checkpoint thread, also in a process with nothing else to wait for', { timeout: 30_000 }, (t) => {
  const dir = tempDataDir(t);
  const script = join(tempDataDir(t), 'close-store.mjs');
  const storeModule = pathToFileURL(fileURLToPath(new URL('../../../src/adapters/sqlite/store.ts', import.meta.url))).href;
  writeFileSync(
    script,
    `
    const { openInProcessStore } = await import(${JSON.stringify(storeModule)});
    const store = openInProcessStore(${JSON.stringify(dir)}, { backgroundCheckpoints: true });
    await store.log.createStream('acme.t', 1);
    await store.log.append([{ stream: 'acme.t', partition: 0, id: 'a', unique: false, key: null, timestamp: 1, attributes: { type: 't', source: '/s', time: 't' }, value: '1' }]);
    await store.close();
    console.log('CLOSED');`,
  );
  // Before the thread was held during close, the process left with close still pending (exit code 13).
  const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /^CLOSED$/m);
});

/** Nudges the thread as commits would, until `done` or about `rounds` × 20 ms have passed. */
async function nudgeUntil(checkpointer: BackgroundCheckpointer, done: () => boolean, rounds = 250): Promise<void> {
  for (let round = 0; round < rounds && !done(); round++) {
    checkpointer.committed();
    await sleep(20);
  }
}

void test('a checkpoint that fails is reported once, tried again with growing pauses, and its recovery is reported', { timeout: 30_000 }, async (t) => {
  const file = join(tempDataDir(t), 'locked.db');
  const setup = new DatabaseSync(file);
  setup.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1)');
  setup.close();
  // A foreign process holding the file exclusively: every checkpoint is refused with "database is locked".
  const foreign = new DatabaseSync(file);
  t.after(() => foreign.isOpen && foreign.close());
  foreign.exec('PRAGMA locking_mode = EXCLUSIVE; BEGIN IMMEDIATE; INSERT INTO t VALUES (2); COMMIT');

  const reports: CheckpointThreadReport[] = [];
  const checkpointer = BackgroundCheckpointer.start(file, (report) => reports.push(report), 5);
  t.after(() => checkpointer.stop());
  await nudgeUntil(checkpointer, () => reports.length > 0);
  await nudgeUntil(checkpointer, () => false, 15);
  assert.deepEqual(reports, [{ kind: 'failing', error: 'database is locked', retryInMs: 10 }], 'reported once, however many commits followed');

  foreign.close();
  await nudgeUntil(checkpointer, () => reports.length > 1);
  assert.equal(reports.length, 2);
  const resumed = reports[1]!;
  assert.equal(resumed.kind, 'resumed');
  // 300 ms of nudges with pauses of 10, 20, 40, 80 ms … between attempts: a few, not one per nudge.
  assert.ok(resumed.kind === 'resumed' && resumed.failures >= 2 && resumed.failures <= 8, JSON.stringify(resumed));
  assert.match(describeCheckpointReport(reports[0]!).message, /could not copy the WAL .*database is locked.*commits copy it themselves meanwhile/);
  assert.equal(describeCheckpointReport(resumed).level, 'info');
});

void test('a checkpoint thread that cannot open the database reports that it stopped; stopping it still settles', { timeout: 30_000 }, async (t) => {
  const reports: CheckpointThreadReport[] = [];
  const checkpointer = BackgroundCheckpointer.start(join(tempDataDir(t), 'no-such-directory', 'sluice.db'), (report) => reports.push(report));
  await nudgeUntil(checkpointer, () => reports.length > 0);
  await checkpointer.stop();
  assert.deepEqual(reports, [{ kind: 'stopped', error: 'unable to open database file' }]);
  const { level, message } = describeCheckpointReport(reports[0]!);
  assert.equal(level, 'warn');
  assert.match(message, /stopped \(unable to open database file\); commits copy the WAL .* themselves until Sluice restarts/);
});

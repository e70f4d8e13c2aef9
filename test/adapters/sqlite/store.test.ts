import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AppendRecord } from '../../../src/ports/event-log.ts';
import type { Store } from '../../../src/ports/store.ts';
import { sqliteVariants, tempDataDir } from './sqlite-harness.ts';

const storeModule = fileURLToPath(new URL('../../../src/adapters/sqlite/store.ts', import.meta.url));

function record(id: string): AppendRecord {
  return {
    stream: 'acme.t',
    partition: 0,
    id,
    unique: false,
    key: null,
    timestamp: 1,
    attributes: { type: 't', source: '/s', time: '2026-01-31T12:00:00Z' },
    value: '1',
  };
}

function inUse(dir: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof Error);
    assert.match(error.message, /in use by another Sluice process/);
    assert.ok(error.message.includes(dir), `the message names the directory: ${error.message}`);
    return true;
  };
}

/**
 * Runs a separate Node process that tries to open the store; answers what it printed.
 * The script is a file, not `-e`: the store's worker thread inherits the process's flags.
 */
function openInChild(t: TestContext, dir: string): Promise<{ code: number | null; output: string }> {
  const scriptFile = join(tempDataDir(t), 'open-store.mjs');
  writeFileSync(
    scriptFile,
    `
    const { openSqliteStore } = await import(${JSON.stringify(pathToFileURL(storeModule).href)});
    try {
      const store = await openSqliteStore(${JSON.stringify(dir)});
      console.log('OPENED');
      await store.close();
    } catch (error) {
      console.log('REFUSED ' + error.message);
    }`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [scriptFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * Opens a store that is closed after the test even when an assertion fails first (an open
 * store thread would keep the test process alive); closing it early in the test is fine too.
 */
async function openClosed(t: TestContext, open: (dir: string) => Promise<Store>, dir: string): Promise<Store> {
  const store = await open(dir);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= store.close());
  t.after(close);
  return { ...store, close };
}

for (const variant of sqliteVariants) {
  void describe(`data directory on ${variant.name}`, () => {
    void test('opening creates the directory and its database file', async (t) => {
      const dir = join(tempDataDir(t), 'nested', 'data');
      await openClosed(t, variant.open, dir);
      assert.ok(existsSync(join(dir, 'sluice.db')));
    });

    void test('a second open of a directory in use fails at once with a clear error', { timeout: 20_000 }, async (t) => {
      const dir = tempDataDir(t);
      const first = await openClosed(t, variant.open, dir);
      for (const other of sqliteVariants) await assert.rejects(other.open(dir), inUse(dir), `second open by ${other.name}`);
      // The failed attempts did not disturb the first store.
      await first.log.createStream('acme.t', 1);
      assert.deepEqual(await first.log.append([record('after')]), [{ partition: 0, offset: 0, duplicate: false }]);
    });

    // Regression: the exclusive lock used to be taken only at the first write, so a second
    // server could open an existing, idle store and then make the first one's writes wait
    // five seconds and fail with "database is locked".
    void test('an idle store on an existing directory still refuses a second open, and keeps writing', { timeout: 20_000 }, async (t) => {
      const dir = tempDataDir(t);
      const setup = await openClosed(t, variant.open, dir);
      await setup.log.createStream('acme.t', 1);
      await setup.close();

      const first = await openClosed(t, variant.open, dir);
      await assert.rejects(variant.open(dir), inUse(dir));
      assert.deepEqual(await first.log.append([record('still-writing')]), [{ partition: 0, offset: 0, duplicate: false }]);
    });

    void test('another process is refused while the store is open, and let in after it closes', { timeout: 30_000 }, async (t) => {
      const dir = tempDataDir(t);
      const first = await openClosed(t, variant.open, dir);
      const refused = await openInChild(t, dir);
      assert.match(refused.output, /^REFUSED the data directory .* is in use by another Sluice process/m, refused.output);
      await first.close();
      const allowed = await openInChild(t, dir);
      assert.match(allowed.output, /^OPENED$/m, allowed.output);
      assert.equal(allowed.code, 0);
    });

    void test('after close the same directory opens again with its data', async (t) => {
      const dir = tempDataDir(t);
      const first = await openClosed(t, variant.open, dir);
      await first.log.createStream('acme.t', 1);
      await first.log.append([record('kept')]);
      await first.close();
      const second = await openClosed(t, variant.open, dir);
      assert.deepEqual(
        (await second.log.read('acme.t', 0, 0, 10)).map((r) => r.id),
        ['kept'],
      );
    });
  });
}

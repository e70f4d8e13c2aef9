import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
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

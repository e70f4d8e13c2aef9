import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StateStore } from '../../../src/ports/state-store.ts';
import { shardNamespace } from '../../../src/ports/state-store.ts';
import { uniquePrefix, type OpenPort } from './harness.ts';

/** What every StateStore adapter must do. Each test uses a namespace of its own. */
export function stateStoreContract(name: string, open: OpenPort<StateStore>): void {
  void describe(`StateStore contract: ${name}`, () => {
    void test('writes and progress are read back, after a restart too; null deletes a key', async (t) => {
      const opened = await open(t);
      const ns = uniquePrefix();
      await opened.port.apply(
        ns,
        [
          { key: 'tx-1', value: '{"n":1}', deadline: 1000 },
          { key: 'tx-2', value: '{"n":2}', deadline: null },
          { key: 'tx-3', value: '{"n":3}', deadline: 500 },
        ],
        [{ stream: 'acme.a', partition: 0, offset: 3 }],
      );
      await opened.port.apply(
        ns,
        [
          { key: 'tx-3', value: null, deadline: null },
          { key: 'tx-1', value: '{"n":11}', deadline: 2000 },
        ],
        [
          { stream: 'acme.a', partition: 0, offset: 5 },
          { stream: 'acme.b', partition: 2, offset: 1 },
        ],
      );
      const check = async (port: StateStore): Promise<void> => {
        assert.deepEqual(await port.get(ns, ['tx-1', 'tx-2', 'tx-3']), [
          { key: 'tx-1', value: '{"n":11}', deadline: 2000 },
          { key: 'tx-2', value: '{"n":2}', deadline: null },
        ]);
        assert.deepEqual(await port.progress(ns), [
          { stream: 'acme.a', partition: 0, offset: 5 },
          { stream: 'acme.b', partition: 2, offset: 1 },
        ]);
        assert.equal(await port.size(ns), 2);
        assert.equal(await port.nextDeadline(ns), 2000);
      };
      await check(opened.port);
      await check(await opened.reopen());
    });

    void test('timers: due ones earliest first, up to a limit; none set means no next deadline', async (t) => {
      const { port } = await open(t);
      const ns = uniquePrefix();
      assert.equal(await port.nextDeadline(ns), undefined);
      await port.apply(
        ns,
        [
          { key: 'c', value: '3', deadline: 300 },
          { key: 'a', value: '1', deadline: 100 },
          { key: 'b', value: '2', deadline: 200 },
          { key: 'z', value: '0', deadline: null },
        ],
        [],
      );
      assert.deepEqual(
        (await port.due(ns, 250, 10)).map((e) => e.key),
        ['a', 'b'],
      );
      assert.deepEqual(
        (await port.due(ns, 1000, 2)).map((e) => e.key),
        ['a', 'b'],
      );
      assert.equal(await port.nextDeadline(ns), 100);
      await port.apply(ns, [{ key: 'a', value: '1', deadline: null }], []);
      assert.equal(await port.nextDeadline(ns), 200);
    });

    void test('a large apply (several MB) is read back whole, after a restart too', async (t) => {
      const opened = await open(t);
      const ns = uniquePrefix();
      const value = JSON.stringify({ padding: 'x'.repeat(2000) });
      const writes = Array.from({ length: 2000 }, (_, i) => ({ key: `k${String(i).padStart(4, '0')}`, value, deadline: i }));
      await opened.port.apply(ns, writes, [{ stream: 's', partition: 0, offset: 2000 }]);
      const reopened = await opened.reopen();
      assert.equal(await reopened.size(ns), 2000);
      assert.deepEqual(await reopened.progress(ns), [{ stream: 's', partition: 0, offset: 2000 }]);
      assert.deepEqual(
        (await reopened.due(ns, 2, 10)).map((e) => e.key),
        ['k0000', 'k0001', 'k0002'],
      );
    });

    void test('namespaces are apart; list pages in key order; drop removes everything', async (t) => {
      const { port } = await open(t);
      const one = uniquePrefix();
      const two = uniquePrefix();
      await port.apply(
        one,
        ['k3', 'k1', 'k2'].map((key) => ({ key, value: `"${key}"`, deadline: null })),
        [{ stream: 's', partition: 0, offset: 1 }],
      );
      await port.apply(two, [{ key: 'k1', value: '"other"', deadline: 5 }], []);
      assert.deepEqual(
        (await port.list(one, 2)).map((e) => e.key),
        ['k1', 'k2'],
      );
      assert.deepEqual(
        (await port.list(one, 2, 'k2')).map((e) => e.key),
        ['k3'],
      );
      assert.deepEqual(await port.get(two, ['k1', 'k2']), [{ key: 'k1', value: '"other"', deadline: 5 }]);
      assert.deepEqual(await port.due(one, 10, 10), []);
      await port.drop(one);
      assert.equal(await port.size(one), 0);
      assert.deepEqual(await port.progress(one), []);
      assert.equal(await port.size(two), 1);
    });

    void test('shards of one base are apart, each read back after a restart and a claim', async (t) => {
      const opened = await open(t);
      const base = uniquePrefix();
      const shards = [0, 1, 2].map((shard) => shardNamespace(base, shard, 3));
      for (const [i, ns] of shards.entries())
        await opened.port.apply(ns, [{ key: 'k', value: String(i), deadline: i }], [{ stream: 's', partition: i, offset: 10 + i }]);
      const reopened = await opened.reopen();
      for (const [i, ns] of shards.entries()) {
        await reopened.claim(ns);
        assert.deepEqual(await reopened.get(ns, ['k']), [{ key: 'k', value: String(i), deadline: i }]);
        assert.deepEqual(await reopened.progress(ns), [{ stream: 's', partition: i, offset: 10 + i }]);
      }
      await reopened.apply(shards[1]!, [{ key: 'k', value: null, deadline: null }], []);
      assert.equal(await reopened.size(shards[1]!), 0);
      assert.equal(await reopened.size(shards[2]!), 1);
    });
  });
}

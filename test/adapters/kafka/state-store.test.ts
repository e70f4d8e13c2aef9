import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaStateStore } from '../../../src/adapters/kafka/state-store.ts';
import { shardNamespace } from '../../../src/ports/state-store.ts';
import { deleteTestTopics, kafkaBootstrap, kafkaPort, kafkaSkipMessage, kafkaTestOptions } from '../../helpers/kafka.ts';
import { uniquePrefix } from '../contracts/harness.ts';
import { stateStoreContract } from '../contracts/state-store.contract.ts';

if (kafkaBootstrap === undefined) {
  void test('StateStore contract: kafka', (t) => t.skip(kafkaSkipMessage));
} else {
  stateStoreContract(
    'kafka',
    kafkaPort(kafkaBootstrap.split(','), (options) => Promise.resolve(new KafkaStateStore(options))),
  );
}

void test(
  'a process that claims a shard fences the one that wrote it before; that one may claim it back',
  { skip: kafkaBootstrap === undefined ? kafkaSkipMessage : false, timeout: 60_000 },
  async (t) => {
    const options = kafkaTestOptions(kafkaBootstrap!.split(','));
    const first = new KafkaStateStore(options);
    const second = new KafkaStateStore(options);
    t.after(async () => {
      await Promise.all([first.close(), second.close()]);
      await deleteTestTopics(options);
    });
    const ns = shardNamespace(uniquePrefix(), 1, 2);
    await first.claim(ns);
    await first.apply(ns, [{ key: 'tx', value: '"first"', deadline: 5 }], [{ stream: 's', partition: 1, offset: 1 }]);

    // The second process takes the shard over: it sees what the first committed.
    await second.claim(ns);
    assert.deepEqual(await second.get(ns, ['tx']), [{ key: 'tx', value: '"first"', deadline: 5 }]);
    // The first, stalled, wakes up and writes: refused, and nothing of it is ever read.
    await assert.rejects(first.apply(ns, [{ key: 'tx', value: '"stale"', deadline: null }], [{ stream: 's', partition: 1, offset: 9 }]));
    await assert.rejects(first.apply(ns, [{ key: 'other', value: '"stale"', deadline: null }], []), /another process has claimed/);
    await second.apply(ns, [{ key: 'tx', value: '"second"', deadline: 7 }], [{ stream: 's', partition: 1, offset: 2 }]);

    const reader = new KafkaStateStore(options);
    t.after(() => reader.close());
    assert.deepEqual(await reader.get(ns, ['tx', 'other']), [{ key: 'tx', value: '"second"', deadline: 7 }]);
    assert.deepEqual(await reader.progress(ns), [{ stream: 's', partition: 1, offset: 2 }]);

    // Claimed back, the first reads the second's writes and goes on; the second is fenced now.
    await first.claim(ns);
    assert.deepEqual(await first.get(ns, ['tx']), [{ key: 'tx', value: '"second"', deadline: 7 }]);
    await first.apply(ns, [{ key: 'tx', value: '"first again"', deadline: null }], []);
    await assert.rejects(second.apply(ns, [{ key: 'tx', value: '"stale"', deadline: null }], []));
  },
);

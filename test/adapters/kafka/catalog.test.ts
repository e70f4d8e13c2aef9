import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KafkaCatalog } from '../../../src/adapters/kafka/catalog.ts';
import type { CatalogChange } from '../../../src/ports/catalog.ts';
import { CatalogConflict } from '../../../src/ports/catalog.ts';
import { deleteTestTopics, kafkaBootstrap, kafkaBrokers, kafkaPort, kafkaSkipMessage, kafkaTestOptions } from '../../helpers/kafka.ts';
import { catalogContract } from '../contracts/catalog.contract.ts';

if (kafkaBootstrap === undefined) {
  void test('Catalog contract: kafka', (t) => t.skip(kafkaSkipMessage));
} else {
  catalogContract(
    'kafka',
    kafkaPort(kafkaBootstrap.split(','), (options) => KafkaCatalog.open(options)),
  );
}

void describe('Catalog on Kafka across processes', () => {
  void test('a second catalog on the same topic follows the first one’s puts and deletes, and agrees on ifAbsent', { timeout: 30_000 }, async (t) => {
    const brokers = kafkaBrokers(t);
    if (brokers === undefined) return;
    const options = kafkaTestOptions(brokers);
    const a = await KafkaCatalog.open(options);
    const b = await KafkaCatalog.open(options);
    t.after(async () => {
      await a.close();
      await b.close();
      await deleteTestTopics(options);
    });
    const seen: CatalogChange[] = [];
    const arrived = new Promise<void>((resolve) =>
      b.onChange((change) => {
        seen.push(change);
        if (change.deleted) resolve();
      }),
    );
    const doc = { id: 'acme', name: 'Acme', createdAt: '2026-01-31T12:00:00.000Z' };
    const created = await a.put('tenant', 'acme', doc, { ifAbsent: true });
    await assert.rejects(b.put('tenant', 'acme', { ...doc, name: 'other' }, { ifAbsent: true }), CatalogConflict);
    assert.deepEqual(b.get('tenant', 'acme'), created, 'b applied a’s put before its own refused one');
    await a.delete('tenant', 'acme');
    await arrived;
    assert.deepEqual(seen, [
      { kind: 'tenant', key: 'acme', deleted: false },
      { kind: 'tenant', key: 'acme', deleted: true },
    ]);
    assert.equal(b.get('tenant', 'acme'), undefined);
    const [x, y] = await Promise.all([a.nextSequence('ids'), b.nextSequence('ids')]);
    assert.notEqual(x, y, 'no number is handed out twice across processes');
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openKafkaStore } from '../../../src/adapters/kafka/store.ts';
import { deleteTestTopics, kafkaBrokers, kafkaTestOptions } from '../../helpers/kafka.ts';

void test('openKafkaStore opens every port on one prefix, and a second store sees the first one’s catalog and streams', { timeout: 30_000 }, async (t) => {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return;
  const options = kafkaTestOptions(brokers);
  const first = await openKafkaStore(options);
  t.after(async () => {
    await first.close();
    await deleteTestTopics(options);
  });
  await first.log.createStream('acme.fruits', 2);
  const entry = await first.catalog.put('tenant', 'acme', { id: 'acme', name: 'Acme', createdAt: '2026-01-31T12:00:00.000Z' });
  const second = await openKafkaStore(options);
  t.after(() => second.close());
  assert.deepEqual(second.catalog.get('tenant', 'acme'), entry);
  assert.deepEqual(
    (await second.log.listStreams('acme.')).map((s) => s.name),
    ['acme.fruits'],
  );
  assert.deepEqual(await second.log.listStreams(''), await first.log.listStreams(''), 'the catalog topic is not a stream');
});

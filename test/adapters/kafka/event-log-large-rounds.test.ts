import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaEventLog } from '../../../src/adapters/kafka/event-log.ts';
import type { AppendRecord } from '../../../src/ports/event-log.ts';
import { deleteTestTopics, kafkaBrokers, kafkaTestOptions } from '../../helpers/kafka.ts';

// A broker refuses a record batch above message.max.bytes (1 MiB by default); one append, or
// one writer round, may carry several times that for one partition.
void test('an append far above what a broker takes in one batch for one partition is stored whole, dense and in order', { timeout: 120_000 }, async (t) => {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return;
  const options = kafkaTestOptions(brokers);
  const log = new KafkaEventLog(options);
  t.after(async () => {
    await log.close();
    await deleteTestTopics(options);
  });
  await log.createStream('acme.big', 2);
  const value = JSON.stringify({ text: 'x'.repeat(2000) });
  const records = (from: number, count: number): AppendRecord[] =>
    Array.from({ length: count }, (_, i) => ({
      stream: 'acme.big',
      partition: 1,
      id: `big-${from + i}`,
      unique: true,
      key: 'one-key',
      timestamp: Date.now(),
      attributes: { type: 'big', source: 'test', time: new Date().toISOString() },
      value,
    }));

  const first = await log.append(records(0, 2500));
  assert.deepEqual(
    first.map((result) => result.offset),
    Array.from({ length: 2500 }, (_, i) => i),
  );
  // The id index knows every record of the split round: repeats are answered, not stored again.
  const again = await log.append([...records(2500, 10), ...records(0, 3)]);
  assert.deepEqual(
    again.map((result) => [result.offset, result.duplicate]),
    [...Array.from({ length: 10 }, (_, i) => [2500 + i, false]), [0, true], [1, true], [2, true]],
  );
  const stored = await log.read('acme.big', 1, 0, 5000);
  assert.equal(stored.length, 2510);
  assert.deepEqual(
    stored.map((record) => record.id),
    [...Array.from({ length: 2500 }, (_, i) => `big-${i}`), ...Array.from({ length: 10 }, (_, i) => `big-${2500 + i}`)],
  );
});

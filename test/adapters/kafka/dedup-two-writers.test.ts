import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaEventLog } from '../../../src/adapters/kafka/event-log.ts';
import { partitionForKey } from '../../../src/domain/partitioner.ts';
import type { AppendRecord, LogRecord } from '../../../src/ports/event-log.ts';
import { deleteTestTopics, kafkaBrokers, kafkaTestOptions } from '../../helpers/kafka.ts';

const attributes = { type: 'orders', source: '/tenants/acme', time: '2026-01-31T12:00:00.000Z' };
const partitions = 2;

function order(id: string, writer: string): AppendRecord {
  const key = `customer-${id.length % 3}-${id}`;
  return {
    stream: 'acme.orders',
    partition: partitionForKey(key, partitions),
    id,
    unique: true,
    key,
    timestamp: Date.now(),
    attributes,
    value: JSON.stringify({ writer }),
  };
}

/** Every record of a partition, read `limit` at a time from where the last read ended. */
async function readAll(log: KafkaEventLog, partition: number, limit: number): Promise<LogRecord[]> {
  const all: LogRecord[] = [];
  for (let from = 0; ;) {
    const page = await log.read('acme.orders', partition, from, limit);
    if (page.length === 0) return all;
    all.push(...page);
    from = page.at(-1)!.offset + 1;
  }
}

void test('two processes appending the same ids at the same moment: each id is read once, and both answer the kept copy', { timeout: 120_000 }, async (t) => {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return;
  const options = kafkaTestOptions(brokers);
  const a = new KafkaEventLog(options);
  const b = new KafkaEventLog(options);
  t.after(async () => {
    await a.close();
    await b.close();
    await deleteTestTopics(options);
  });
  await a.createStream('acme.orders', partitions);
  await b.createStream('acme.orders', partitions);

  const ids = Array.from({ length: 200 }, (_, i) => `order-${i}`);
  // Each id is sent to both at once, a few ids at a time, so their checks and writes overlap.
  const answers = new Map<
    string,
    { a: { partition: number; offset: number; duplicate: boolean }; b: { partition: number; offset: number; duplicate: boolean } }
  >();
  for (let i = 0; i < ids.length; i += 5) {
    const slice = ids.slice(i, i + 5);
    const [fromA, fromB] = await Promise.all([
      Promise.all(slice.map((id) => a.append([order(id, 'a')]))),
      Promise.all(slice.map((id) => b.append([order(id, 'b')]))),
    ]);
    slice.forEach((id, n) => answers.set(id, { a: fromA[n]![0]!, b: fromB[n]![0]! }));
  }

  const described = await a.describeStream('acme.orders');
  const stored = described!.endOffsets.reduce((sum, end) => sum + end, 0);
  t.diagnostic(`${stored - ids.length} of ${ids.length} ids were written twice and are left out by reads`);

  for (const [id, { a: fromA, b: fromB }] of answers) {
    assert.equal([fromA, fromB].filter((answer) => !answer.duplicate).length, 1, `${id}: one of the two stored it`);
    assert.deepEqual({ ...fromA, duplicate: false }, { ...fromB, duplicate: false }, `${id}: both answer the same position`);
  }
  for (const reader of [a, b]) {
    for (const limit of [1, 500]) {
      const read = [...(await readAll(reader, 0, limit)), ...(await readAll(reader, 1, limit))];
      assert.deepEqual(read.map((r) => r.id).sort(), [...ids].sort(), `each id once (limit ${limit})`);
      for (const record of read) {
        const kept = answers.get(record.id)!.a;
        assert.deepEqual({ partition: record.partition, offset: record.offset }, { partition: kept.partition, offset: kept.offset }, record.id);
      }
    }
  }
  for (const id of ids.slice(0, 20)) assert.deepEqual(await b.findById('acme.orders', id), await a.findById('acme.orders', id), id);
});

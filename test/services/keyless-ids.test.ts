import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { openKafkaStore } from '../../src/adapters/kafka/store.ts';
import { openInProcessStore } from '../../src/adapters/sqlite/store.ts';
import { toEventInput } from '../../src/domain/event-input.ts';
import { partitionForKey } from '../../src/domain/partitioner.ts';
import type { Store } from '../../src/ports/store.ts';
import { silentTelemetry } from '../../src/ports/telemetry.ts';
import { IngestService, type IngestItem } from '../../src/services/ingest.ts';
import { TypeRegistry } from '../../src/services/registry.ts';
import { TenantService } from '../../src/services/tenants.ts';
import { tempDataDir } from '../adapters/sqlite/sqlite-harness.ts';
import { deleteTestTopics, kafkaBrokers, kafkaTestOptions } from '../helpers/kafka.ts';

const partitions = 4;

function click(id: string | undefined, n: number): IngestItem {
  const event: Record<string, unknown> = { type: 'click', data: { n } };
  if (id !== undefined) event.id = id;
  return { ok: true, event: toEventInput(event, () => JSON.stringify(event)) };
}

async function withClickType(store: Store): Promise<void> {
  await new TenantService(store.catalog, store.log, 'admin-token').createTenant('acme', undefined);
  await new TypeRegistry(store.catalog, store.log).putType('acme', 'click', { schema: { type: 'object' }, partitions });
}

function ingestOn(store: Store): IngestService {
  return new IngestService(new TypeRegistry(store.catalog, store.log), store.log, silentTelemetry, { maxPendingEvents: 10_000 });
}

function partitionsOf(outcome: Awaited<ReturnType<IngestService['ingest']>>): number[] {
  return outcome.results.map((result) => ('partition' in result ? result.partition : -1));
}

void test('an event without a key but with an id is placed by its id, in any process; one with neither is spread in turn', async (t) => {
  const store = openInProcessStore(tempDataDir(t));
  t.after(() => store.close());
  await withClickType(store);
  const ids = Array.from({ length: 40 }, (_, i) => `click-${i}`);
  const expected = ids.map((id) => partitionForKey(id, partitions));
  assert.ok(new Set(expected).size > 1, 'the ids spread over the partitions');

  // Two services stand for two processes: neither's state decides where an id goes.
  const first = await ingestOn(store).ingest(
    'acme',
    ids.map((id, n) => click(id, n)),
  );
  assert.deepEqual(partitionsOf(first), expected);
  const again = await ingestOn(store).ingest(
    'acme',
    [...ids].reverse().map((id, n) => click(id, n)),
  );
  assert.deepEqual(partitionsOf(again), [...expected].reverse());
  assert.equal(again.duplicates, ids.length);

  const anonymous = await ingestOn(store).ingest(
    'acme',
    Array.from({ length: 8 }, (_, n) => click(undefined, n)),
  );
  assert.deepEqual(partitionsOf(anonymous), [0, 1, 2, 3, 0, 1, 2, 3]);
});

void test('on Kafka, two processes given the same keyless ids at once store each id once', { timeout: 120_000 }, async (t: TestContext) => {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return;
  const options = kafkaTestOptions(brokers);
  const a = await openKafkaStore(options);
  t.after(async () => {
    await a.close();
    await deleteTestTopics(options);
  });
  await withClickType(a);
  const b = await openKafkaStore(options);
  t.after(() => b.close());
  const [ingestA, ingestB] = [ingestOn(a), ingestOn(b)];

  const ids = Array.from({ length: 120 }, (_, i) => `click-${i}`);
  for (let i = 0; i < ids.length; i += 6) {
    const slice = ids.slice(i, i + 6);
    // The second process gets them in the other order, as it would from another client.
    const [fromA, fromB] = await Promise.all([
      Promise.all(slice.map((id, n) => ingestA.ingest('acme', [click(id, n)]))),
      Promise.all([...slice].reverse().map((id, n) => ingestB.ingest('acme', [click(id, n)]))),
    ]);
    fromB.reverse();
    slice.forEach((id, n) => {
      const stored = [fromA[n]!, fromB[n]!].filter((outcome) => outcome.accepted === 1);
      assert.equal(stored.length, 1, `${id}: one of the two processes stored it`);
    });
  }
  const read: string[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    for (let from = 0; ;) {
      const page = await a.log.read('acme.click', partition, from, 500);
      if (page.length === 0) break;
      read.push(...page.map((record) => record.id));
      from = page.at(-1)!.offset + 1;
    }
  }
  assert.deepEqual(read.sort(), [...ids].sort(), 'each id is read once');
});

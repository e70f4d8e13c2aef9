import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openInProcessStore } from '../../src/adapters/sqlite/store.ts';
import { toEventInput } from '../../src/domain/event-input.ts';
import type { EventLog } from '../../src/ports/event-log.ts';
import { silentTelemetry } from '../../src/ports/telemetry.ts';
import { IngestService, type IngestItem } from '../../src/services/ingest.ts';
import { TenantService } from '../../src/services/tenants.ts';
import { TypeRegistry } from '../../src/services/registry.ts';
import { tempDataDir } from '../adapters/sqlite/sqlite-harness.ts';

// A Kafka source prepares a batch while the one before is appended, and stores a batch again
// after a failed append: preparing stores nothing, and storing the same parts again stores
// each event once, in the order of the parts.

function order(n: number): IngestItem {
  const event = { type: 'order', id: `orders-0-${n}`, key: 'customer-1', data: n < 0 ? {} : { n } };
  return { ok: true, event: toEventInput(event, () => JSON.stringify(event)), origin: `orders-0-${n}` };
}

void test('prepared parts are stored only by store; a failed store, tried again with the same parts, stores each event once and in order', async (t) => {
  const store = openInProcessStore(tempDataDir(t));
  t.after(() => store.close());
  let failNext = true;
  const log = new Proxy(store.log, {
    get(target, name) {
      // The log keeps private fields, so its methods must run on the log itself.
      if (name !== 'append') {
        const value = Reflect.get(target, name, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      }
      return (records: Parameters<EventLog['append']>[0]) => {
        if (!failNext) return target.append(records);
        failNext = false;
        return Promise.reject(new Error('the broker went away'));
      };
    },
  });
  const registry = new TypeRegistry(store.catalog, store.log);
  await new TenantService(store.catalog, store.log, 'admin-token').createTenant('acme', undefined);
  await registry.putType('acme', 'order', { schema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } }, partitions: 1 });
  const ingest = new IngestService(registry, log, silentTelemetry, { maxPendingEvents: 1000 });

  const parts = [ingest.prepare('acme', [order(0), order(1), order(-1), order(2)]), ingest.prepare('acme', [order(3), order(4)])];
  assert.deepEqual(await store.log.read('acme.order', 0, 0, 100), [], 'preparing stores nothing');
  await assert.rejects(ingest.store(parts), (error: Error & { code?: string }) => error.code === 'store_unavailable');
  assert.deepEqual(await store.log.read('acme.order', 0, 0, 100), [], 'a failed store stores nothing');

  const [first, second] = await ingest.store(parts);
  assert.equal(first?.accepted, 3);
  assert.equal(first?.rejected, 1, 'the order without n is a dead letter');
  assert.equal(second?.accepted, 2);
  const offsets = [...first.results, ...second.results].flatMap((result) => ('offset' in result ? [result.offset] : []));
  assert.deepEqual(offsets, [0, 1, 2, 3, 4], 'each part is answered with its own positions');
  const stored = await store.log.read('acme.order', 0, 0, 100);
  assert.deepEqual(
    stored.map((record) => record.id),
    ['orders-0-0', 'orders-0-1', 'orders-0-2', 'orders-0-3', 'orders-0-4'],
  );

  // Stored again (a redelivery after a crash): nothing new, every event answered as a duplicate.
  const again = await ingest.store(parts);
  assert.ok(again.flatMap((outcome) => outcome.results).every((result) => !('offset' in result) || result.duplicate === true));
  assert.equal((await store.log.read('acme.order', 0, 0, 100)).length, 5);
});

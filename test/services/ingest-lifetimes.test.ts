import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openInProcessStore } from '../../src/adapters/sqlite/store.ts';
import type { StoreClient } from '../../src/adapters/sqlite/thread/store-client.ts';
import { ThreadedEventLog } from '../../src/adapters/sqlite/thread/threaded-ports.ts';
import { toEventInput } from '../../src/domain/event-input.ts';
import type { AppendRecord, AppendResult, EventLog } from '../../src/ports/event-log.ts';
import { silentTelemetry } from '../../src/ports/telemetry.ts';
import { IngestService, type IngestItem } from '../../src/services/ingest.ts';
import { TenantService } from '../../src/services/tenants.ts';
import { TypeRegistry } from '../../src/services/registry.ts';
import { tempDataDir } from '../adapters/sqlite/sqlite-harness.ts';

// Under load the store answers after tens of milliseconds, long enough for the scavenger to
// move whatever a waiting request still holds to the old generation, where it piles up until
// a full collection. While the store works, a request keeps only what its answer needs.

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Collects garbage once the current job is over (a WeakRef keeps its target until then). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  return ref.deref() === undefined;
}

void test('the events of a request are not kept while the store appends them', async (t) => {
  const store = openInProcessStore(tempDataDir(t));
  t.after(() => store.close());
  const registry = new TypeRegistry(store.catalog, store.log);
  await new TenantService(store.catalog, store.log, 'admin-token').createTenant('acme', undefined);
  await registry.putType('acme', 'order', { schema: { type: 'object', properties: { n: { type: 'integer' } } }, partitions: 1 });
  let answer: (results: AppendResult[]) => void = () => undefined;
  let taken = 0;
  const log: EventLog = Object.assign(Object.create(store.log) as EventLog, {
    append(records: readonly AppendRecord[]): Promise<AppendResult[]> {
      taken = records.length;
      return new Promise<AppendResult[]>((resolve) => (answer = resolve));
    },
  });
  const ingest = new IngestService(registry, log, silentTelemetry, { maxPendingEvents: 1000 });

  const { outcome, data } = (() => {
    const events = [0, 1, 2].map((n) => ({ type: 'order', data: { n, padding: 'x'.repeat(1000) } }));
    const items: IngestItem[] = events.map((event) => ({ ok: true, event: toEventInput(event, () => JSON.stringify(event)) }));
    return { outcome: ingest.ingest('acme', items), data: new WeakRef(events[0]!.data) };
  })();
  assert.equal(taken, 3);
  assert.ok(await collected(data), 'an event is not kept by the request while the store works');
  answer([0, 1, 2].map((offset) => ({ partition: 0, offset, duplicate: false })));
  const answered = await outcome;
  assert.equal(answered.accepted, 3);
  assert.deepEqual(
    answered.results.map((result) => ('offset' in result ? result.offset : undefined)),
    [0, 1, 2],
  );
});

void test('records packed for the store thread are not kept while it appends them', async () => {
  let answer: (results: unknown) => void = () => undefined;
  const client = {
    onAppended: () => undefined,
    call: () => new Promise((resolve) => (answer = resolve)),
  } as unknown as StoreClient;
  const log = new ThreadedEventLog(client);
  const { appended, attributes } = (() => {
    const record: AppendRecord = {
      stream: 'acme.order',
      partition: 0,
      id: 'a',
      unique: false,
      key: null,
      timestamp: 1,
      attributes: { type: 'order', source: '/s', time: '2026-01-31T12:00:00Z' },
      value: '{}',
    };
    return { appended: log.append([record]), attributes: new WeakRef(record.attributes) };
  })();
  assert.ok(await collected(attributes), 'a record is not kept once it is packed');
  answer({ partition: Int32Array.of(0), offset: Float64Array.of(7), duplicate: Uint8Array.of(0) });
  assert.deepEqual(await appended, [{ partition: 0, offset: 7, duplicate: false }]);
});

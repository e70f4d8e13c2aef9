import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSluice, type TestSluice } from '../../helpers/sluice.ts';
import { partitionForKey } from '../../../src/domain/partitioner.ts';

const strict = { type: 'object', properties: { price: { type: 'integer' } }, required: ['price'] };
const relaxed = { type: 'object', properties: { price: { type: 'number' } }, required: ['price'] };

async function readStream(s: TestSluice, key: string, stream: string): Promise<any[]> {
  const info = await s.call('GET', `/v1/streams/${stream}`, { token: key });
  const records: any[] = [];
  for (let partition = 0; partition < info.body.partitions; partition++) {
    records.push(...(await s.call('GET', `/v1/streams/${stream}/events?partition=${partition}`, { token: key })).body.items);
  }
  return records;
}

void test('after a schema fix, redrive moves the dead letter into its stream, once', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  assert.equal((await s.call('PUT', '/v1/types/prices', { token: key, body: { schema: strict } })).status, 201);

  const sent = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'prices', id: 'p-1', data: { price: 9.99 } },
      { type: 'prices', id: 'p-2', data: { price: 10 } },
      { type: 'prices', id: 'p-3', data: { price: 'free' } },
    ],
  });
  assert.equal(sent.status, 207);
  const deadOffset = sent.body.results[0].deadLetter.offset as number;
  assert.equal(sent.body.results[0].error.code, 'schema_validation_failed');

  // Before the fix a redrive fails again and leaves the dead letters pending.
  const early = await s.call('POST', '/v1/dead-letters/redrive', { token: key, body: {} });
  assert.equal(early.status, 200);
  assert.equal(early.body.redriven, 0);
  assert.equal(early.body.failed, 2);
  assert.equal(early.body.results[0].error.code, 'schema_validation_failed');
  assert.equal((await s.call('GET', '/v1/dead-letters', { token: key })).body.items.length, 2);

  const fixed = await s.call('PUT', '/v1/types/prices', { token: key, body: { schema: relaxed } });
  assert.equal(fixed.body.version, 2);

  const redrive = await s.call('POST', '/v1/dead-letters/redrive', { token: key, body: { offsets: [deadOffset] } });
  assert.equal(redrive.status, 200);
  assert.equal(redrive.body.redriven, 1);
  assert.equal(redrive.body.failed, 0);
  const [result] = redrive.body.results;
  assert.equal(result.status, 'redriven');
  assert.equal(result.offset, deadOffset);
  assert.equal(result.stream, 'acme.prices');

  const stored = await readStream(s, key, 'acme.prices');
  const moved = stored.find((record) => record.id === 'p-1');
  assert.ok(moved, 'the redriven event is in its stream');
  assert.deepEqual(moved.data, { price: 9.99 });
  assert.equal(moved.partition, result.partition);
  assert.equal(moved.offset, result.recordOffset);
  assert.equal(moved.schemaId, fixed.body.schemaId);
  assert.equal(stored.length, 2);

  // Pending shows only the one still failing; status=all shows the redriven one with where it went.
  const pending = await s.call('GET', '/v1/dead-letters', { token: key });
  assert.deepEqual(
    pending.body.items.map((item: { id: string }) => item.id),
    ['p-3'],
  );
  const all = await s.call('GET', '/v1/dead-letters?status=all', { token: key });
  assert.equal(all.body.items.length, 2);
  const done = all.body.items.find((item: { offset: number }) => item.offset === deadOffset);
  assert.deepEqual(
    { stream: done.redriven.stream, partition: done.redriven.partition, offset: done.redriven.offset },
    { stream: 'acme.prices', partition: result.partition, offset: result.recordOffset },
  );
  assert.ok(!Number.isNaN(Date.parse(done.redriven.at)));
  const redrivenOnly = await s.call('GET', '/v1/dead-letters?status=redriven', { token: key });
  assert.deepEqual(
    redrivenOnly.body.items.map((item: { offset: number }) => item.offset),
    [deadOffset],
  );

  // A second redrive of the same dead letter skips it; nothing is stored twice.
  const again = await s.call('POST', '/v1/dead-letters/redrive', { token: key, body: { offsets: [deadOffset] } });
  assert.equal(again.body.redriven, 0);
  assert.equal(again.body.results[0].status, 'skipped');
  const pendingRun = await s.call('POST', '/v1/dead-letters/redrive', { token: key, body: { type: 'prices' } });
  assert.equal(pendingRun.body.redriven, 0);
  assert.equal(pendingRun.body.failed, 1);
  assert.deepEqual(
    pendingRun.body.results.map((r: { offset: number }) => r.offset),
    [sent.body.results[2].deadLetter.offset],
  );
  assert.equal((await readStream(s, key, 'acme.prices')).length, 2);
});

void test('an unknown_type dead letter is redriven once the type is registered', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const sent = await s.call('POST', '/v1/events', { token: key, body: { type: 'late', key: 'k1', data: { ok: true } } });
  assert.equal(sent.body.results[0].error.code, 'unknown_type');
  await s.call('PUT', '/v1/types/late', { token: key, body: { schema: { type: 'object' } } });
  const redrive = await s.call('POST', '/v1/dead-letters/redrive', { token: key, body: { code: 'unknown_type' } });
  assert.equal(redrive.body.redriven, 1);
  const records = await readStream(s, key, 'acme.late');
  assert.equal(records.length, 1);
  assert.deepEqual(records[0].data, { ok: true });
  assert.equal(records[0].key, 'k1');
});

void test('dead letters that can never pass report why, and redrive answers 404 for a missing offset', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await s.call('POST', '/v1/events', { token: key, raw: '{"type":"x","data":1}\n{not json', contentType: 'application/x-ndjson' });
  const redrive = await s.call('POST', '/v1/dead-letters/redrive', { token: key, body: {} });
  assert.equal(redrive.status, 200);
  assert.deepEqual(
    redrive.body.results.map((r: { status: string; error: { code: string } }) => [r.status, r.error.code]),
    [
      ['failed', 'unknown_type'],
      ['failed', 'malformed_json'],
    ],
  );
  const missing = await s.call('POST', '/v1/dead-letters/redrive', { token: key, body: { offsets: [99] } });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'not_found');
  const list = await s.call('GET', '/v1/dead-letters?limit=1', { token: key });
  assert.equal(list.body.items.length, 1);
  assert.equal(list.body.next, 1);
  const rest = await s.call('GET', `/v1/dead-letters?from=${list.body.next as number}`, { token: key });
  assert.deepEqual(
    rest.body.items.map((item: { offset: number }) => item.offset),
    [1],
  );
});

void test('redrive stores through the ingest path: placed by id like new events, counted, no catalog entry, remembered after a restart', async (t) => {
  const first = await startSluice(t);
  const key = await first.tenantWithKey('acme');
  assert.equal((await first.call('PUT', '/v1/types/prices', { token: key, body: { schema: strict, partitions: 4 } })).status, 201);
  const sent = await first.call('POST', '/v1/events', {
    token: key,
    body: Array.from({ length: 8 }, (_, i) => ({ type: 'prices', data: { price: i + 0.5 } })),
  });
  assert.equal(sent.body.rejected, 8);
  assert.equal((await first.call('PUT', '/v1/types/prices', { token: key, body: { schema: relaxed } })).status, 201);

  const pending = await first.call('GET', '/v1/dead-letters', { token: key });
  const idAt = new Map<number, string>(pending.body.items.map((item: { offset: number; id: string }) => [item.offset, item.id]));
  const redrive = await first.call('POST', '/v1/dead-letters/redrive', { token: key, body: {} });
  assert.equal(redrive.body.redriven, 8);
  // A redriven event keeps its id, so like any keyless event with an id it goes where its id hashes.
  for (const result of redrive.body.results as { offset: number; partition: number }[]) {
    assert.equal(result.partition, partitionForKey(idAt.get(result.offset)!, 4));
  }
  assert.deepEqual(first.sluice.store.catalog.list('redrive'), [], 'redrive markers stay out of the catalog');
  const metrics = await first.call('GET', '/metrics');
  assert.match(metrics.body, /sluice_events_accepted_total\{tenant="acme",type="prices"\} 8/);
  // The stream that keeps the markers is not one of the tenant's streams.
  const streams = await first.call('GET', '/v1/streams', { token: key });
  assert.deepEqual(streams.body.items.map((s: { name: string }) => s.name).sort(), ['acme._dead', 'acme.prices']);
  await first.sluice.close();

  const second = await startSluice(t, {}, first.dataDir);
  assert.equal((await second.call('GET', '/v1/dead-letters', { token: key })).body.items.length, 0);
  assert.equal((await second.call('GET', '/v1/dead-letters?status=redriven', { token: key })).body.items.length, 8);
  const again = await second.call('POST', '/v1/dead-letters/redrive', { token: key, body: { offsets: [0] } });
  assert.equal(again.body.results[0].status, 'skipped');
  assert.equal((await readStream(second, key, 'acme.prices')).length, 8);
});

void test('one dead letter is redriven by its event id; an unknown id is 404', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  assert.equal((await s.call('PUT', '/v1/types/prices', { token: key, body: { schema: strict } })).status, 201);
  await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'prices', id: 'p-1', data: { price: 1.5 } },
      { type: 'prices', id: 'p-2', data: { price: 2.5 } },
    ],
  });
  assert.equal((await s.call('PUT', '/v1/types/prices', { token: key, body: { schema: relaxed } })).status, 201);
  const one = await s.call('POST', '/v1/dead-letters/redrive', { token: key, body: { ids: ['p-2'] } });
  assert.equal(one.status, 200);
  assert.deepEqual([one.body.redriven, one.body.results.length, one.body.results[0].offset], [1, 1, 1]);
  const pending = await s.call('GET', '/v1/dead-letters', { token: key });
  assert.deepEqual(
    pending.body.items.map((item: { id: string }) => item.id),
    ['p-1'],
  );
  const unknown = await s.call('POST', '/v1/dead-letters/redrive', { token: key, body: { ids: ['p-1', 'nope'] } });
  assert.equal(unknown.status, 404);
  assert.match(unknown.body.error.message, /"nope"/);
});

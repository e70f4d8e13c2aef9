import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { IngestThread } from '../../../src/edges/http/ingest-thread/ingest-thread-client.ts';
import { startSluice, type TestSluice } from '../../helpers/sluice.ts';

const orderSchema = {
  type: 'object',
  properties: { order_id: { type: 'string' }, email: { type: 'string', format: 'email' }, amount: { type: 'number' } },
  required: ['order_id', 'amount'],
};

/** A Sluice that prepares every ingest request on the ingest thread (1 byte and up), or none. */
async function sluiceWith(t: TestContext, ingestThreadMinBytes: number): Promise<{ s: TestSluice; key: string }> {
  const s = await startSluice(t, { limits: { ingestThreadMinBytes } });
  const key = await s.tenantWithKey('acme');
  const created = await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: orderSchema, partitionKey: '/order_id' } });
  assert.equal(created.status, 201);
  return { s, key };
}

async function preparedOn(s: TestSluice): Promise<Record<string, number>> {
  const metrics = await s.call('GET', '/metrics');
  const counts: Record<string, number> = {};
  for (const match of (metrics.body as string).matchAll(/^sluice_ingest_requests_total\{prepared_on="(\w+)"\} (\d+)$/gm)) counts[match[1]!] = Number(match[2]);
  return counts;
}

/** Everything but what differs between two runs by design (generated ids, the receive time). */
function comparable(outcome: any): unknown {
  return {
    ...outcome,
    results: outcome.results.map((result: any) => (result.error === undefined ? { ...result, id: result.id.length } : result)),
  };
}

const mixedBatch = [
  { type: 'orders', data: { order_id: 'o-1', email: 'ana@example.com', amount: 12.5 } },
  { type: 'orders', data: { order_id: 'o-2', amount: 'twelve' } },
  { type: 'orders', id: 'client-chosen-1', data: { order_id: 'o-3', amount: 3 } },
  { type: 'refunds', data: { order_id: 'o-1' } },
  { type: 'orders', data: { order_id: 'o-4', email: 'not an address', amount: 1 } },
  { type: 'orders', key: 'explicit', data: { order_id: 'o-5', amount: 5 } },
  { type: 'orders', id: 'client-chosen-1', data: { order_id: 'o-3', amount: 3 } },
];

void test('the ingest thread answers a batch exactly as the HTTP thread does, and stores the same records', async (t) => {
  const threaded = await sluiceWith(t, 1);
  const inline = await sluiceWith(t, 0);
  const answers: any[] = [];
  for (const { s, key } of [threaded, inline]) {
    const response = await s.call('POST', '/v1/events', { token: key, body: mixedBatch });
    assert.equal(response.status, 207);
    answers.push(response.body);
  }
  assert.deepEqual(comparable(answers[0]), comparable(answers[1]));
  assert.equal(answers[0].accepted, 3);
  assert.equal(answers[0].duplicates, 1);
  assert.deepEqual(
    answers[0].results.filter((result: any) => result.error !== undefined).map((result: any) => [result.index, result.error.code]),
    [
      [1, 'schema_validation_failed'],
      [3, 'unknown_type'],
      [4, 'schema_validation_failed'],
    ],
  );
  assert.deepEqual(await preparedOn(threaded.s), { ingest_thread: 1 });
  assert.deepEqual(await preparedOn(inline.s), { http_thread: 1 });

  for (const { s, key } of [threaded, inline]) {
    const first = answers[0].results[0];
    const page = await s.call('GET', `/v1/streams/acme.orders/events?partition=${first.partition as number}&limit=10`, { token: key });
    const stored = page.body.items.find((item: any) => item.data.order_id === 'o-1');
    assert.deepEqual(stored.data, mixedBatch[0]!.data);
    assert.equal(stored.key, 'o-1');
    const dead = await s.call('GET', '/v1/streams/acme._dead/events?partition=0&limit=10', { token: key });
    assert.deepEqual(
      dead.body.items.map((item: any) => item.code),
      ['schema_validation_failed', 'unknown_type', 'schema_validation_failed'],
    );
  }
});

void test('a change to a type reaches the ingest thread before the next request', async (t) => {
  const { s, key } = await sluiceWith(t, 1);
  const send = (data: unknown): Promise<any> => s.call('POST', '/v1/events', { token: key, body: [{ type: 'orders', data }] });

  assert.equal((await send({ order_id: 'a', amount: 1 })).status, 200);
  // A new schema version that requires `currency` (a new required field needs compatibility NONE).
  const evolved = await s.call('PUT', '/v1/types/orders', {
    token: key,
    body: { schema: { ...orderSchema, required: ['order_id', 'amount', 'currency'] }, compatibility: 'NONE', partitionKey: '/order_id' },
  });
  assert.equal(evolved.status, 201, JSON.stringify(evolved.body));
  const refused = await send({ order_id: 'b', amount: 1 });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.results[0].error.code, 'schema_validation_failed');

  const piped = await s.call('PUT', '/v1/types/orders/pipeline', { token: key, body: { steps: [{ set: { channel: 'web' } }] } });
  assert.equal(piped.status, 200, JSON.stringify(piped.body));
  const accepted = await send({ order_id: 'c', amount: 1, currency: 'EUR' });
  assert.equal(accepted.status, 200);
  const { partition, offset } = accepted.body.results[0];
  const page = await s.call('GET', `/v1/streams/acme.orders/events?partition=${partition as number}&from=${offset as number}&limit=1`, { token: key });
  assert.deepEqual(page.body.items[0].data, { order_id: 'c', amount: 1, currency: 'EUR', channel: 'web' });

  const other = await s.call('PUT', '/v1/types/refunds', { token: key, body: { schema: { type: 'object' } } });
  assert.equal(other.status, 201);
  const refund = await s.call('POST', '/v1/events', { token: key, body: [{ type: 'refunds', data: { order_id: 'c' } }] });
  assert.equal(refund.status, 200);
  assert.equal((await preparedOn(s)).ingest_thread, 4);
});

void test('a request the ingest thread cannot read gets the same error, code and status', async (t) => {
  const { s, key } = await sluiceWith(t, 1);
  const malformed = await s.call('POST', '/v1/events', { token: key, raw: '[{"type": "orders", "data": {]' });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.error.code, 'malformed_json');
  const unsupported = await s.call('POST', '/v1/events', { token: key, raw: '<order/>', contentType: 'application/xml' });
  assert.equal(unsupported.status, 415);
  assert.equal(unsupported.body.error.code, 'unsupported_media_type');
  const notUtf8 = await s.call('POST', '/v1/events', { token: key, raw: Buffer.from([0x5b, 0xff, 0x5d]) });
  assert.equal(notUtf8.status, 400);
  assert.equal(notUtf8.body.error.code, 'invalid_utf8');

  const limited = await startSluice(t, { limits: { ingestThreadMinBytes: 1, maxEventsPerRequest: 2 } });
  const limitedKey = await limited.tenantWithKey('acme');
  const tooMany = await limited.call('POST', '/v1/events', { token: limitedKey, body: [1, 2, 3].map((n) => ({ type: 'orders', data: { n } })) });
  assert.equal(tooMany.status, 413);
  assert.equal(tooMany.body.error.code, 'too_many_events');
});

void test('NDJSON and CloudEvents batches go through the ingest thread', async (t) => {
  const { s, key } = await sluiceWith(t, 1);
  const ndjson = await s.call('POST', '/v1/events', {
    token: key,
    raw: `${JSON.stringify({ type: 'orders', data: { order_id: 'n1', amount: 1 } })}\nnot json\n`,
    contentType: 'application/x-ndjson',
  });
  assert.equal(ndjson.status, 207);
  assert.equal(ndjson.body.results[1].error.code, 'malformed_json');
  const cloudEvents = await s.call('POST', '/v1/events', {
    token: key,
    raw: JSON.stringify([{ specversion: '1.0', id: 'ce-1', source: '/shop', type: 'orders', data: { order_id: 'ce', amount: 2 } }]),
    contentType: 'application/cloudevents-batch+json',
  });
  assert.equal(cloudEvents.status, 200);
  assert.equal(cloudEvents.body.results[0].id, 'ce-1');
  assert.deepEqual(await preparedOn(s), { ingest_thread: 2 });
});

void test('small requests stay on the HTTP thread under the default threshold', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  assert.equal((await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: orderSchema } })).status, 201);
  const small = await s.call('POST', '/v1/events', { token: key, body: { type: 'orders', data: { order_id: 's', amount: 1 } } });
  assert.equal(small.status, 200);
  const many = Array.from({ length: 200 }, (_, i) => ({ type: 'orders', data: { order_id: `large-${i}`, amount: i } }));
  const large = await s.call('POST', '/v1/events', { token: key, body: many });
  assert.equal(large.status, 200);
  assert.equal(large.body.accepted, 200);
  assert.deepEqual(await preparedOn(s), { http_thread: 1, ingest_thread: 1 });
});

void test('the ingest thread starts with the first body sent to it, from the catalog as it is then', async (t) => {
  const { s } = await sluiceWith(t, 0);
  const thread = new IngestThread(s.sluice.store.catalog, { maxEventsPerRequest: 1000, maxDepth: 32 }, s.sluice.logger);
  t.after(() => thread.close());
  assert.equal(thread.started, false);
  assert.equal(thread.takes(10_000), true);
  assert.equal(thread.started, false, 'asking whether it takes a body does not start it');

  const body = Buffer.from(
    JSON.stringify([
      { type: 'orders', data: { order_id: 'o-1', amount: 1 } },
      { type: 'orders', data: { order_id: 'o-2' } },
    ]),
  );
  const packed = await thread.prepare('acme', { 'content-type': 'application/json' }, body);
  assert.equal(thread.started, true);
  // Item kinds as packed-ingest.ts numbers them: 0 accepted, 2 rejected (o-2 has no amount).
  assert.deepEqual([...packed.kinds], [0, 2]);
  assert.equal(packed.deadLetters, 1);

  await thread.close();
  assert.equal(thread.takes(10_000), false);
  await assert.rejects(thread.prepare('acme', { 'content-type': 'application/json' }, body), /the ingest thread is not running/);
});

void test('many large requests at once are all stored once, whichever thread prepares each', async (t) => {
  const { s, key } = await sluiceWith(t, 1);
  const requests = Array.from({ length: 24 }, (_, r) =>
    s.call('POST', '/v1/events', {
      token: key,
      body: Array.from({ length: 50 }, (_, i) => ({ type: 'orders', id: `r${r}-e${i}`, data: { order_id: `r${r}-e${i}`, amount: i } })),
    }),
  );
  const answers = await Promise.all(requests);
  assert.deepEqual(
    answers.map((answer) => [answer.status, answer.body.accepted]),
    answers.map(() => [200, 50]),
  );
  const counts = await preparedOn(s);
  assert.equal((counts.ingest_thread ?? 0) + (counts.http_thread ?? 0), 24);
  const info = await s.call('GET', '/v1/streams/acme.orders', { token: key });
  const stored = (info.body.endOffsets as number[]).reduce((sum, end) => sum + end, 0);
  assert.equal(stored, 24 * 50);
});

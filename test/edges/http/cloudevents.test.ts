import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSluice, type TestSluice } from '../../helpers/sluice.ts';

const orderSchema = { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer' } }, required: ['sku'] };

async function setup(t: Parameters<typeof startSluice>[0]): Promise<{ s: TestSluice; key: string }> {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const created = await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: orderSchema, partitions: 1 } });
  assert.equal(created.status, 201);
  return { s, key };
}

async function records(s: TestSluice, key: string): Promise<any[]> {
  const page = await s.call('GET', '/v1/streams/acme.orders/events?partition=0', { token: key });
  assert.equal(page.status, 200);
  return page.body.items;
}

void test('a structured CloudEvent is stored with its id, source, subject and time', async (t) => {
  const { s, key } = await setup(t);
  const event = {
    specversion: '1.0',
    id: 'ce-1',
    source: 'https://shop.example/checkout',
    type: 'orders',
    subject: 'order/991',
    time: '2026-03-01T10:15:00Z',
    datacontenttype: 'application/json',
    data: { sku: 'A-1', qty: 2 },
  };
  const response = await s.call('POST', '/v1/events', { token: key, body: event, contentType: 'application/cloudevents+json; charset=utf-8' });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.equal(response.body.results[0].id, 'ce-1');

  const [record] = await records(s, key);
  assert.equal(record.id, 'ce-1');
  assert.equal(record.source, 'https://shop.example/checkout');
  assert.equal(record.type, 'orders');
  assert.equal(record.subject, 'order/991');
  assert.equal(record.time, '2026-03-01T10:15:00Z');
  assert.deepEqual(record.data, { sku: 'A-1', qty: 2 });
});

void test('a CloudEvents batch gives one result per event', async (t) => {
  const { s, key } = await setup(t);
  const batch = [
    { specversion: '1.0', id: 'b-1', source: '/pos/1', type: 'orders', data: { sku: 'X' } },
    { specversion: '1.0', id: 'b-2', source: '/pos/1', type: 'orders', data: { qty: 1 } },
    { specversion: '1.0', id: 'b-3', source: '/pos/2', type: 'orders', subject: 's-3', data: { sku: 'Y' } },
  ];
  const response = await s.call('POST', '/v1/events', { token: key, raw: JSON.stringify(batch), contentType: 'application/cloudevents-batch+json' });
  assert.equal(response.status, 207);
  assert.equal(response.body.accepted, 2);
  assert.equal(response.body.results[0].id, 'b-1');
  assert.equal(response.body.results[1].error.code, 'schema_validation_failed');
  assert.equal(response.body.results[1].id, 'b-2');
  assert.equal(response.body.results[2].id, 'b-3');

  const stored = await records(s, key);
  assert.deepEqual(
    stored.map((r) => [r.id, r.source, r.subject]),
    [
      ['b-1', '/pos/1', undefined],
      ['b-3', '/pos/2', 's-3'],
    ],
  );

  const notArray = await s.call('POST', '/v1/events', { token: key, raw: JSON.stringify(batch[0]), contentType: 'application/cloudevents-batch+json' });
  assert.equal(notArray.status, 400);
  assert.equal(notArray.body.error.code, 'invalid_request');
});

void test('a binary-mode CloudEvent takes its attributes from ce-* headers', async (t) => {
  const { s, key } = await setup(t);
  const response = await s.call('POST', '/v1/events', {
    token: key,
    raw: JSON.stringify({ sku: 'B-7', qty: 3 }),
    contentType: 'application/json',
    headers: {
      'ce-specversion': '1.0',
      'ce-id': 'bin-1',
      'ce-source': 'urn:shop:pos',
      'ce-type': 'orders',
      'ce-subject': 'till-4',
      'ce-time': '2026-03-02T08:00:00.5+01:00',
      'ce-partitionkey': 'till-4',
    },
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.equal(response.body.results[0].id, 'bin-1');
  const [record] = await records(s, key);
  assert.equal(record.id, 'bin-1');
  assert.equal(record.source, 'urn:shop:pos');
  assert.equal(record.subject, 'till-4');
  assert.equal(record.time, '2026-03-02T08:00:00.5+01:00');
  assert.equal(record.key, 'till-4');
  assert.deepEqual(record.data, { sku: 'B-7', qty: 3 });
});

void test('a CloudEvent missing a required attribute is refused with invalid_event', async (t) => {
  const { s, key } = await setup(t);
  const structured = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { specversion: '1.0', source: '/x', type: 'orders', data: { sku: 'a' } },
      { specversion: '1.0', id: 'no-source', type: 'orders', data: { sku: 'a' } },
      { specversion: '1.0', id: 'no-type', source: '/x', data: { sku: 'a' } },
      { specversion: '0.3', id: 'old', source: '/x', type: 'orders', data: { sku: 'a' } },
      { specversion: '1.0', id: 'BadExt', source: '/x', type: 'orders', Bad_Name: 1, data: { sku: 'a' } },
    ],
    contentType: 'application/cloudevents-batch+json',
  });
  assert.equal(structured.status, 400);
  const codes = structured.body.results.map((r: { error: { code: string } }) => r.error.code);
  assert.deepEqual(codes, ['invalid_event', 'invalid_event', 'invalid_event', 'invalid_event', 'invalid_event']);
  const paths = structured.body.results.map((r: { error: { details: { path: string }[] } }) => r.error.details.map((d) => d.path));
  assert.deepEqual(paths, [['/id'], ['/source'], ['/type'], ['/specversion'], ['/Bad_Name']]);

  const binary = await s.call('POST', '/v1/events', {
    token: key,
    raw: '{"sku":"a"}',
    contentType: 'application/json',
    headers: { 'ce-specversion': '1.0', 'ce-source': '/x', 'ce-type': 'orders' },
  });
  assert.equal(binary.status, 400);
  assert.equal(binary.body.results[0].error.code, 'invalid_event');
  assert.deepEqual(binary.body.results[0].error.details, [{ path: '/id', reason: 'required' }]);

  assert.deepEqual(await records(s, key), []);
  const dead = await s.call('GET', '/v1/dead-letters', { token: key });
  assert.equal(dead.body.items.length, 6);
  assert.ok(dead.body.items.every((d: { code: string }) => d.code === 'invalid_event'));
});

void test('binary mode needs JSON data, and structured data_base64 must decode to JSON', async (t) => {
  const { s, key } = await setup(t);
  const xml = await s.call('POST', '/v1/events', {
    token: key,
    raw: '<order/>',
    contentType: 'application/xml',
    headers: { 'ce-specversion': '1.0', 'ce-id': 'x', 'ce-source': '/x', 'ce-type': 'orders' },
  });
  assert.equal(xml.status, 415);
  assert.equal(xml.body.error.code, 'unsupported_media_type');

  const base64 = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { specversion: '1.0', id: 'b64-ok', source: '/x', type: 'orders', data_base64: Buffer.from('{"sku":"Z"}').toString('base64') },
      { specversion: '1.0', id: 'b64-bad', source: '/x', type: 'orders', data_base64: Buffer.from('not json').toString('base64') },
    ],
  });
  assert.equal(base64.status, 207);
  assert.equal(base64.body.results[0].id, 'b64-ok');
  assert.equal(base64.body.results[1].error.code, 'invalid_event');
  const [record] = await records(s, key);
  assert.deepEqual(record.data, { sku: 'Z' });
});

void test('a body sent as application/cloudevents+json or cloudevents-batch+json without specversion is not taken for a Sluice event', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  assert.equal((await s.call('PUT', '/v1/types/clicks', { token: key, body: { schema: { type: 'object' } } })).status, 201);
  const native = { type: 'clicks', data: { x: 1 } };
  const single = await s.call('POST', '/v1/events', { token: key, raw: JSON.stringify(native), contentType: 'application/cloudevents+json' });
  assert.equal(single.status, 400);
  assert.equal(single.body.results[0].error.code, 'invalid_event');
  assert.equal(single.body.results[0].error.details[0].path, '/specversion');
  const batch = await s.call('POST', '/v1/events', {
    token: key,
    raw: JSON.stringify([native, { specversion: '1.0', id: 'c-1', source: '/web', type: 'clicks', data: { x: 2 } }]),
    contentType: 'application/cloudevents-batch+json',
  });
  assert.equal(batch.status, 207);
  assert.equal(batch.body.results[0].error.code, 'invalid_event');
  assert.equal(batch.body.results[1].id, 'c-1');
  // The same native event as application/json is Sluice's own shape, as before.
  assert.equal((await s.call('POST', '/v1/events', { token: key, body: native })).status, 200);
});

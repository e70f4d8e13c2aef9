import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startSluice, type ApiResponse, type TestSluice } from '../../helpers/sluice.ts';
import type { ConfigInput } from '../../../src/edges/config/config.ts';

type Call = TestSluice['call'];

interface Harness {
  s: TestSluice;
  key: string;
  /** Like `s.call`, but every answer must be a 4xx or better with the one error shape for errors. */
  call: Call;
  /** POSTs to /v1/events with the tenant's key. */
  send: (raw: string | Buffer, contentType?: string, headers?: Record<string, string>) => Promise<ApiResponse>;
}

/**
 * A server with a tenant and a type `fruits`; after the test it must still be healthy, and
 * no answer it gave may have been a 5xx.
 */
async function harness(t: TestContext, overrides: ConfigInput = {}): Promise<Harness> {
  const s = await startSluice(t, overrides);
  const key = await s.tenantWithKey('acme');
  const created = await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: { type: 'object', properties: { name: { type: 'string' } } } } });
  assert.equal(created.status, 201);
  const call: Call = async (method, path, options) => {
    const response = await s.call(method, path, options);
    assert.ok(response.status < 500, `${method} ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
    if (response.status >= 400 && typeof response.body === 'object' && response.body !== null && 'error' in response.body) {
      const error = (response.body as { error: Record<string, unknown> }).error;
      assert.equal(typeof error.code, 'string');
      assert.equal(typeof error.message, 'string');
      assert.equal(typeof error.fix, 'string');
    }
    return response as any;
  };
  const send: Harness['send'] = (raw, contentType = 'application/json', headers = {}) => call('POST', '/v1/events', { token: key, raw, contentType, headers });
  return { s, key, call, send };
}

async function assertStillHealthy(h: Harness): Promise<void> {
  const health = await h.call('GET', '/healthz', { token: null });
  assert.equal(health.status, 200);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched');
  const ok = await h.call('POST', '/v1/events', { token: h.key, body: { type: 'fruits', data: { name: 'still fine' } } });
  assert.equal(ok.status, 200);
}

void test('malformed JSON is refused with 400 malformed_json and nothing is stored', async (t) => {
  const h = await harness(t);
  for (const raw of ['{"type":"fruits",', '{type: "fruits"}', '[1,2,]', '{"a":1}{"b":2}', 'nul', '\u0000']) {
    const response = await h.send(raw);
    assert.equal(response.status, 400, JSON.stringify(raw));
    assert.equal(response.body.error.code, 'malformed_json', JSON.stringify(raw));
  }
  const batch = await h.send('{"specversion":', 'application/cloudevents-batch+json');
  assert.equal(batch.body.error.code, 'malformed_json');
  const binary = await h.send('{oops', 'application/json', { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-source': '/s', 'ce-type': 'fruits' });
  assert.equal(binary.status, 400);
  assert.equal(binary.body.error.code, 'malformed_json');
  const tenantBody = await h.call('POST', '/v1/tenants', { raw: '{"id":' });
  assert.equal(tenantBody.status, 400);
  assert.equal(tenantBody.body.error.code, 'malformed_json');

  const streams = await h.call('GET', '/v1/streams', { token: h.key });
  assert.ok(streams.body.items.every((stream: { endOffsets: number[] }) => stream.endOffsets.every((n) => n === 0)));
  await assertStillHealthy(h);
});

void test('bytes that are not UTF-8 are refused with 400 invalid_utf8', async (t) => {
  const h = await harness(t);
  const invalid = Buffer.concat([Buffer.from('{"type":"fruits","data":{"name":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}}')]);
  const json = await h.send(invalid);
  assert.equal(json.status, 400);
  assert.equal(json.body.error.code, 'invalid_utf8');
  const ndjson = await h.send(invalid, 'application/x-ndjson');
  assert.equal(ndjson.body.error.code, 'invalid_utf8');
  // Gzip is not decoded: compressed bytes are just bytes that are not UTF-8.
  const gzipped = await h.send(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]), 'application/json', { 'content-encoding': 'gzip' });
  assert.equal(gzipped.status, 400);
  // Every route's JSON body, not only ingest: no U+FFFD stored in place of the bytes sent.
  const badName = Buffer.concat([Buffer.from('{"id":"ac'), Buffer.from([0xff]), Buffer.from('me"}')]);
  const tenant = await h.call('POST', '/v1/tenants', { raw: badName, contentType: 'application/json' });
  assert.equal(tenant.status, 400);
  assert.equal(tenant.body.error.code, 'invalid_utf8');
  const schema = Buffer.concat([Buffer.from('{"schema":{"type":"object","description":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}')]);
  const type = await h.call('PUT', '/v1/types/cafe', { token: h.key, raw: schema, contentType: 'application/json' });
  assert.equal(type.status, 400);
  assert.equal(type.body.error.code, 'invalid_utf8');
  const registry = await h.s.call('POST', '/registry/subjects/cafe-value/versions', {
    token: h.key,
    raw: Buffer.concat([Buffer.from('{"schema":"\\"str'), Buffer.from([0xff]), Buffer.from('\\""}')]),
    contentType: 'application/vnd.schemaregistry.v1+json',
  });
  assert.equal(registry.status, 400, JSON.stringify(registry.body));
  assert.match(registry.body.message, /not valid UTF-8/);
  await assertStillHealthy(h);
});

void test('application/json-seq (RFC 7464) bodies are read record by record', async (t) => {
  const h = await harness(t);
  const response = await h.send('\u001e{"type":"fruits","data":{"name":"a"}}\n\u001e{"type":"fruits","data":{"name":"b"}}\n', 'application/json-seq');
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.equal(response.body.accepted, 2);
});

void test('a body over limits.maxBodyBytes is refused with 413 payload_too_large', async (t) => {
  const h = await harness(t, { limits: { maxBodyBytes: 2048 } });
  const big = JSON.stringify({ type: 'fruits', data: { name: 'x'.repeat(3000) } });
  const response = await h.send(big);
  assert.equal(response.status, 413);
  assert.equal(response.body.error.code, 'payload_too_large');
  assert.match(response.body.error.message, /larger than 2048 bytes, the ingest limit \(limits\.maxBodyBytes, SLUICE_MAX_BODY_BYTES\)/);
  const ndjson = await h.send(`${big}\n`, 'application/x-ndjson');
  assert.equal(ndjson.status, 413);
  // Just under the limit is fine.
  const fits = await h.send(JSON.stringify({ type: 'fruits', data: { name: 'x'.repeat(1900) } }));
  assert.equal(fits.status, 200);
  await assertStillHealthy(h);
});

void test('more events than limits.maxEventsPerRequest are refused with 413 too_many_events', async (t) => {
  const h = await harness(t, { limits: { maxEventsPerRequest: 5 } });
  const events = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'fruits', data: { name: `f${i}` } }));
  const array = await h.send(JSON.stringify(events(6)));
  assert.equal(array.status, 413);
  assert.equal(array.body.error.code, 'too_many_events');
  const ndjson = await h.send(
    events(6)
      .map((e) => JSON.stringify(e))
      .join('\n'),
    'application/x-ndjson',
  );
  assert.equal(ndjson.status, 413);
  assert.equal(ndjson.body.error.code, 'too_many_events');
  const ceBatch = await h.send(
    JSON.stringify(events(6).map((e, i) => ({ specversion: '1.0', id: `c${i}`, source: '/s', ...e }))),
    'application/cloudevents-batch+json',
  );
  assert.equal(ceBatch.body.error.code, 'too_many_events');
  // Nothing of the refused requests was stored; exactly the limit is accepted.
  const five = await h.send(JSON.stringify(events(5)));
  assert.equal(five.status, 200);
  assert.equal(five.body.accepted, 5);
  const stream = await h.call('GET', '/v1/streams/acme.fruits', { token: h.key });
  assert.equal(
    stream.body.endOffsets.reduce((sum: number, n: number) => sum + n, 0),
    5,
  );
});

void test('nesting deeper than limits.maxDepth is refused with nesting_too_deep, however deep', async (t) => {
  const h = await harness(t, { limits: { maxDepth: 8 } });
  const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { a: nested(depth - 1) });
  const ok = await h.send(JSON.stringify({ type: 'fruits', data: { name: 'n', deep: nested(5) } }));
  assert.equal(ok.status, 200);
  const deep = await h.send(JSON.stringify({ type: 'fruits', data: { name: 'n', deep: nested(20) } }));
  assert.equal(deep.status, 400);
  assert.equal(deep.body.results[0].error.code, 'nesting_too_deep');
  assert.match(deep.body.results[0].error.details[0].path, /^\/data\/deep\/a\/a/);
  const dead = await h.call('GET', '/v1/dead-letters?code=nesting_too_deep', { token: h.key });
  assert.equal(dead.body.items.length, 1);

  // Regression: a body nested far deeper than the limit made re-serialising it for the dead
  // letter overflow the stack, and the server answered 500. Its dead letter keeps the bytes sent.
  const hostileObject = `{"type":"fruits","data":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
  const object = await h.send(hostileObject);
  assert.equal(object.status, 400);
  assert.equal(object.body.results[0].error.code, 'nesting_too_deep');
  const hostileArray = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
  const array = await h.send(hostileArray);
  assert.equal(array.status, 400);
  assert.equal(array.body.results[0].error.code, 'nesting_too_deep');
  const ndjson = await h.send(hostileObject, 'application/x-ndjson');
  assert.equal(ndjson.status, 400);
  assert.equal(ndjson.body.results[0].error.code, 'nesting_too_deep');
  const binary = await h.send(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'application/json', {
    'ce-specversion': '1.0',
    'ce-id': 'deep',
    'ce-source': '/s',
    'ce-type': 'fruits',
  });
  assert.equal(binary.status, 400);
  assert.equal(binary.body.results[0].error.code, 'nesting_too_deep');
  await assertStillHealthy(h);
});

void test('one event nested too deep in a JSON array does not refuse its siblings; its dead letter keeps the bytes sent', async (t) => {
  const h = await harness(t);
  const hostile = `{"type":"fruits","data":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  const body = `[{"type":"fruits","data":{"name":"before"}}, ${hostile} ,{"type":"fruits","data":{"name":"after"}}]`;
  const answer = await h.send(body);
  assert.equal(answer.status, 207);
  assert.deepEqual([answer.body.accepted, answer.body.rejected], [2, 1]);
  assert.equal(answer.body.results[1].error.code, 'nesting_too_deep');
  const dead = await h.call('GET', '/v1/dead-letters?code=nesting_too_deep', { token: h.key });
  assert.equal(dead.body.items.length, 1);
  assert.equal(dead.body.items[0].original, hostile);
  await assertStillHealthy(h);
});

void test('__proto__, constructor and prototype keys are refused with forbidden_key and pollute nothing', async (t) => {
  const h = await harness(t);
  const bodies = [
    '{"type":"fruits","data":{"name":"x","__proto__":{"polluted":"yes"}}}',
    '{"type":"fruits","data":{"list":[{"__proto__":{"polluted":"yes"}}]}}',
    '{"type":"fruits","data":{"constructor":{"prototype":{"polluted":"yes"}}}}',
    '{"type":"fruits","data":{"nested":{"prototype":1}}}',
    '{"type":"fruits","__proto__":{"polluted":"yes"},"data":{}}',
  ];
  for (const raw of bodies) {
    const response = await h.send(raw);
    assert.equal(response.status, 400, raw);
    assert.equal(response.body.results[0].error.code, 'forbidden_key', raw);
    assert.ok(response.body.results[0].deadLetter, 'the event is kept as a dead letter');
  }
  const ndjson = await h.send(`{"type":"fruits","data":{"name":"ok"}}\n${bodies[0]!}`, 'application/x-ndjson');
  assert.equal(ndjson.status, 207);
  assert.equal(ndjson.body.results[1].error.code, 'forbidden_key');
  const binary = await h.send('{"__proto__":{"polluted":"yes"}}', 'application/json', {
    'ce-specversion': '1.0',
    'ce-id': 'p',
    'ce-source': '/s',
    'ce-type': 'fruits',
  });
  assert.equal(binary.body.results[0].error.code, 'forbidden_key');
  // Other routes refuse such bodies as well (Fastify's parser).
  const schema = await h.call('PUT', '/v1/types/evil', { token: h.key, raw: '{"schema":{"__proto__":{"polluted":"yes"}}}' });
  assert.equal(schema.status, 400);
  assert.ok(['malformed_json', 'forbidden_key'].includes(schema.body.error.code));

  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
  const dead = await h.call('GET', '/v1/dead-letters?code=forbidden_key', { token: h.key });
  assert.equal(dead.body.items.length, 7);
  await assertStillHealthy(h);
});

void test('content types other than JSON, NDJSON and CloudEvents are refused with 415', async (t) => {
  const h = await harness(t);
  for (const contentType of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']) {
    const response = await h.send('{"type":"fruits","data":{}}', contentType);
    assert.equal(response.status, 415, contentType);
    assert.equal(response.body.error.code, 'unsupported_media_type', contentType);
  }
  const tenants = await h.call('POST', '/v1/tenants', { raw: '<tenant id="x"/>', contentType: 'application/xml' });
  assert.equal(tenants.status, 415);
  assert.equal(tenants.body.error.code, 'unsupported_media_type');
  assert.equal(tenants.body.error.message, 'content type "application/xml" is not accepted by POST /v1/tenants');
  // A Content-Type header that names no media type is refused too, and the answer says so.
  for (const contentType of ['', '; charset=utf-8']) {
    const response = await h.send('{"type":"fruits","data":{}}', contentType);
    assert.equal(response.status, 415, contentType);
    assert.equal(response.body.error.message, 'the Content-Type header of POST /v1/events names no media type', contentType);
  }
  // Fastify reads text/plain as a string, which the body schema then refuses.
  const plain = await h.call('POST', '/v1/tenants', { raw: 'id=x', contentType: 'text/plain' });
  assert.equal(plain.status, 400);
  assert.equal(plain.body.error.code, 'invalid_request');
  assert.equal((await h.call('GET', '/v1/tenants')).body.items.length, 1);
  await assertStillHealthy(h);
});

void test('an empty body, an empty array or blank NDJSON is refused with 400 empty_batch', async (t) => {
  const h = await harness(t);
  for (const [raw, contentType] of [
    ['', 'application/json'],
    ['   \n ', 'application/json'],
    ['[]', 'application/json'],
    ['\n\n', 'application/x-ndjson'],
    ['[]', 'application/cloudevents-batch+json'],
  ] as const) {
    const response = await h.send(raw, contentType);
    assert.equal(response.status, 400, `${contentType} ${JSON.stringify(raw)}`);
    assert.equal(response.body.error.code, 'empty_batch', `${contentType} ${JSON.stringify(raw)}`);
  }
  const noBody = await h.call('POST', '/v1/events', { token: h.key });
  assert.equal(noBody.status, 400);
  assert.equal(noBody.body.error.code, 'empty_batch');
  await assertStillHealthy(h);
});

void test('a missing or garbage Authorization header is 401', async (t) => {
  const h = await harness(t);
  const headers = [
    '',
    'Bearer',
    'Bearer ',
    'Bearer sk.',
    'Bearer sk.k0.x',
    'Bearer sk...',
    `Bearer ${'a'.repeat(4000)}`,
    'Basic !!!',
    `Basic ${Buffer.from('nobody:secret').toString('base64')}`,
    'Token abc',
    'bearer\tabc',
  ];
  for (const authorization of headers) {
    const options = authorization === '' ? { token: null } : { token: null, headers: { authorization } };
    const response = await h.call('GET', '/v1/streams', options);
    assert.equal(response.status, 401, JSON.stringify(authorization));
    assert.equal(response.body.error.code, 'unauthorized');
  }
  // A real key with a wrong secret is no key at all.
  const [, keyId] = h.key.split('.');
  const wrongSecret = await h.call('GET', '/v1/streams', { token: `sk.${keyId!}.${'A'.repeat(43)}` });
  assert.equal(wrongSecret.status, 401);
  const produce = await h.call('POST', '/v1/events', { token: null, body: { type: 'fruits', data: {} } });
  assert.equal(produce.status, 401);
  await assertStillHealthy(h);
});

void test('unknown routes and bad URLs answer 4xx with the error body', async (t) => {
  const h = await harness(t);
  const unknown = await h.call('GET', '/v2/everything', { token: h.key });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'not_found');
  const wrongMethod = await h.call('DELETE', '/v1/events', { token: h.key });
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.body.error.code, 'method_not_allowed');
  assert.equal(wrongMethod.headers.get('allow'), 'POST');
  const patchType = await h.call('PATCH', '/v1/types/fruits/', { token: h.key });
  assert.equal(patchType.status, 405);
  assert.equal(patchType.headers.get('allow'), 'DELETE, GET, HEAD, PUT');
  // Regression: a bad percent-encoding and an over-long path parameter were answered by
  // Fastify's own body ({"error":"Bad Request","code":"FST_ERR_BAD_URL",...}), not ours.
  const badEncoding = await h.call('GET', '/v1/streams/%E0%A4%A', { token: h.key });
  assert.equal(badEncoding.status, 400);
  assert.equal(badEncoding.body.error.code, 'invalid_request');
  const overLong = await h.call('GET', `/v1/streams/acme.${'x'.repeat(400)}`, { token: h.key });
  assert.equal(overLong.status, 400);
  assert.equal(overLong.body.error.code, 'invalid_request');
  await assertStillHealthy(h);
});

void test('request bodies are taken as sent, never coerced: {"id":false} is not the tenant "false"', async (t) => {
  const h = await harness(t);
  const tenant = await h.call('POST', '/v1/tenants', { body: { id: false, name: 'x' } });
  assert.equal(tenant.status, 400);
  assert.deepEqual(tenant.body.error.details, [{ path: 'body/id', reason: 'must be string' }]);
  assert.equal((await h.call('GET', '/v1/tenants/false')).status, 404);
  const partitions = await h.call('PUT', '/v1/types/plums', { token: h.key, body: { schema: { type: 'object' }, partitions: '3' } });
  assert.equal(partitions.status, 400);
  // Query strings are text, and are still read as the numbers their routes expect.
  assert.equal((await h.call('GET', '/v1/streams/acme.fruits/events?partition=0&limit=2', { token: h.key })).status, 200);
});

void test('JSON that is not an event object is refused per event with invalid_event', async (t) => {
  const h = await harness(t);
  for (const raw of ['"hello"', '42', 'true', 'null']) {
    const response = await h.send(raw);
    assert.equal(response.status, 400, raw);
    assert.equal(response.body.results[0].error.code, 'invalid_event', raw);
  }
  const mixed = await h.send('[1, "x", null, [], {"type":"fruits","data":{}}]');
  assert.equal(mixed.status, 207);
  assert.deepEqual(
    mixed.body.results.map((r: { error?: { code: string } }) => r.error?.code ?? 'accepted'),
    ['invalid_event', 'invalid_event', 'invalid_event', 'invalid_event', 'accepted'],
  );
  await assertStillHealthy(h);
});

void test('a malformed event says which fields are wrong', async (t) => {
  const h = await harness(t);
  const unknownField = await h.send('{"type":"fruits","data":{},"colour":"red","payload":1}');
  assert.equal(unknownField.status, 400);
  const error = unknownField.body.results[0].error;
  assert.equal(error.code, 'invalid_event');
  assert.deepEqual(error.details.map((d: { path: string }) => d.path).sort(), ['/colour', '/payload']);
  const missing = await h.send('{"data":{}}');
  assert.deepEqual(missing.body.results[0].error.details, [{ path: '/type', reason: 'required' }]);
  const noData = await h.send('{"type":"fruits"}');
  assert.deepEqual(noData.body.results[0].error.details, [{ path: '/data', reason: 'required' }]);
  const wrongTypes = await h.send('{"type":7,"data":{},"id":"","subject":[],"schemaVersion":0}');
  assert.deepEqual(wrongTypes.body.results[0].error.details.map((d: { path: string }) => d.path).sort(), ['/id', '/schemaVersion', '/subject', '/type']);
  await assertStillHealthy(h);
});

void test('over-long keys, ids and attributes are refused, not stored', async (t) => {
  const h = await harness(t);
  const longKey = await h.send(JSON.stringify({ type: 'fruits', key: 'k'.repeat(1025), data: {} }));
  assert.equal(longKey.status, 400);
  assert.equal(longKey.body.results[0].error.code, 'invalid_event');
  assert.equal(longKey.body.results[0].error.details[0].path, '/key');
  const atLimit = await h.send(JSON.stringify({ type: 'fruits', key: 'k'.repeat(1024), data: {} }));
  assert.equal(atLimit.status, 200);
  const longId = await h.send(JSON.stringify({ type: 'fruits', id: 'i'.repeat(5000), data: {} }));
  assert.equal(longId.body.results[0].error.details[0].path, '/id');
  const longType = await h.send(JSON.stringify({ type: 't'.repeat(5000), data: {} }));
  assert.equal(longType.body.results[0].error.code, 'invalid_event');
  const ceKey = await h.send(
    JSON.stringify({ specversion: '1.0', id: 'c', source: '/s', type: 'fruits', partitionkey: 'p'.repeat(2000), data: {} }),
    'application/cloudevents+json',
  );
  assert.equal(ceKey.body.results[0].error.code, 'invalid_event');
  assert.equal(ceKey.body.results[0].error.details[0].path, '/partitionkey');

  // Regression: a partition key taken from the data had no length bound (explicit keys did).
  await h.call('PUT', '/v1/types/users', { token: h.key, body: { schema: true, partitionKey: '/user' } });
  const derived = await h.send(JSON.stringify({ type: 'users', data: { user: 'u'.repeat(5000) } }));
  assert.equal(derived.status, 400);
  assert.equal(derived.body.results[0].error.code, 'invalid_key');
  assert.equal(derived.body.results[0].error.details[0].path, '/user');
  await assertStillHealthy(h);
});

void test('bad query strings, names and bodies on other routes answer 4xx, never 500', async (t) => {
  const h = await harness(t);
  const { key } = h;
  const requests: [string, string, Parameters<Call>[2]][] = [
    ['GET', '/v1/streams/acme.fruits/events?partition=-1', { token: key }],
    ['GET', '/v1/streams/acme.fruits/events?partition=abc', { token: key }],
    ['GET', '/v1/streams/acme.fruits/events?limit=0', { token: key }],
    ['GET', '/v1/streams/acme.fruits/events?waitMs=999999', { token: key }],
    ['GET', '/v1/streams/acme.fruits/events?from=not-a-time', { token: key }],
    ['GET', '/v1/streams/acme.fruits/events?surprise=1', { token: key }],
    ['GET', '/v1/streams/acme.fruits/tail', { token: key, headers: { 'last-event-id': '0:99999999999999999999999' } }],
    ['GET', '/v1/streams/acme.fruits/tail', { token: key, headers: { 'last-event-id': '0:1,0:1,0:1,0:1' } }],
    ['GET', '/v1/streams/..%2F..%2Fetc', { token: key }],
    ['GET', '/v1/streams/acme.fruits%00', { token: key }],
    ['GET', '/v1/dead-letters?status=everything', { token: key }],
    ['GET', '/v1/dead-letters?limit=-5', { token: key }],
    ['POST', '/v1/dead-letters/redrive', { token: key, body: { offsets: ['a'] } }],
    ['POST', '/v1/dead-letters/redrive', { token: key, raw: '[]' }],
    ['PUT', '/v1/types/fruits', { token: key, body: { schema: true, partitions: 'many' } }],
    ['PUT', '/v1/types/fruits', { token: key, body: { schema: true, partitionKey: 12 } }],
    ['PUT', '/v1/types/fruits', { token: key, body: {} }],
    ['PUT', '/v1/types/fruits', { token: key, raw: '"schema"' }],
    ['PUT', '/v1/types/a%20b', { token: key, body: { schema: true } }],
    ['GET', '/v1/types/fruits/versions/-1', { token: key }],
    ['GET', '/v1/types/fruits/versions/99999999999999999999', { token: key }],
    ['POST', '/v1/groups/g/poll', { token: key, body: { streams: [7, {}] } }],
    ['POST', '/v1/groups/g/poll', { token: key, body: { streams: ['acme.fruits'], max: 0 } }],
    ['POST', '/v1/groups/g/poll', { token: key, body: { streams: ['acme.fruits'], waitMs: -1 } }],
    ['POST', '/v1/groups/g/poll', { token: key, body: { streams: ['acme._dead', 'acme.nope'] } }],
    ['POST', '/v1/groups/g%2Fx/poll', { token: key, body: { streams: ['acme.fruits'] } }],
    ['POST', '/v1/groups/g/commit', { token: key, body: {} }],
    ['POST', '/v1/groups/g/commit', { token: key, body: { member: 'm', offsets: [{ stream: 'acme.fruits', partition: 0, offset: 1e300 }] } }],
    ['POST', '/v1/groups/g/commit', { token: key, body: { member: 'm', offsets: [{ stream: 'acme.fruits', partition: 0.5, offset: 1 }] } }],
    ['POST', '/v1/tenants', { body: { id: { name: 'a' } } }],
    ['POST', '/v1/tenants', { body: { id: 'ok-id', name: 'n'.repeat(500) } }],
    ['POST', '/v1/tenants/acme/keys', { body: { scopes: { produce: true } } }],
    ['POST', '/v1/tenants/acme/keys', { body: { scopes: ['produce', 'consume', 'manage', 'produce'] } }],
    ['DELETE', '/v1/tenants/acme/keys/not-a-key', {}],
  ];
  for (const [method, path, options] of requests) {
    const response = await h.call(method, path, options);
    assert.ok(response.status >= 400 && response.status < 500, `${method} ${path} answered ${response.status}`);
    assert.equal(typeof response.body.error.code, 'string', `${method} ${path}`);
  }
  await assertStillHealthy(h);
});

void test('a number a 64-bit float cannot keep exactly is refused per event with inexact_number, never stored changed', async (t) => {
  const h = await harness(t);
  const cases: [string, string][] = [
    ['{"type":"fruits","data":{"qty":1e400}}', '/data/qty'],
    ['{"type":"fruits","data":{"qty":-1E+400}}', '/data/qty'],
    ['{"type":"fruits","data":{"id":12345678901234567890123}}', '/data/id'],
    ['{"type":"fruits","data":{"list":[1,9007199254740993]}}', '/data/list/1'],
    ['{"type":"fruits","data":{"zero":-0}}', '/data/zero'],
    ['{"type":"fruits","data":{"tiny":1e-400}}', '/data/tiny'],
    ['{"type":"fruits","key":"k","data":{"n":-0.0}}', '/data/n'],
  ];
  for (const [raw, path] of cases) {
    const response = await h.send(raw);
    assert.equal(response.status, 400, raw);
    const error = response.body.results[0].error;
    assert.equal(error.code, 'inexact_number', raw);
    assert.equal(error.details[0].path, path, raw);
    assert.ok(response.body.results[0].deadLetter, 'kept as a dead letter');
  }
  // The dead letter keeps the number as it was sent.
  const dead = await h.call('GET', '/v1/dead-letters?code=inexact_number', { token: h.key });
  assert.equal(dead.body.items.length, cases.length);
  assert.ok(
    dead.body.items.some((item: { original: string }) => item.original.includes('12345678901234567890123')),
    JSON.stringify(dead.body.items.map((i: { original: string }) => i.original)),
  );

  // One bad event in a batch: the others are stored. NDJSON, arrays and base64 data alike.
  const ndjson = await h.send('{"type":"fruits","data":{"name":"ok"}}\n{"type":"fruits","data":{"big":18446744073709551615}}', 'application/x-ndjson');
  assert.equal(ndjson.status, 207);
  assert.equal(ndjson.body.results[0].error, undefined);
  assert.equal(typeof ndjson.body.results[0].offset, 'number');
  assert.equal(ndjson.body.results[1].error.code, 'inexact_number');
  const array = await h.send('[{"type":"fruits","data":{"qty":1e400}},{"type":"fruits","data":{"name":"fine"}}]');
  assert.equal(array.status, 207);
  assert.equal(array.body.results[0].error.code, 'inexact_number');
  const base64 = await h.send(
    JSON.stringify({
      specversion: '1.0',
      id: 'b64',
      source: '/s',
      type: 'fruits',
      datacontenttype: 'application/json',
      data_base64: Buffer.from('{"id":9007199254740993}').toString('base64'),
    }),
    'application/cloudevents+json',
  );
  assert.equal(base64.body.results[0].error.code, 'inexact_number');

  // What is exact is stored exactly: the largest safe integer, big numbers in strings, dates, exponents in range.
  const exact =
    '{"type":"fruits","data":{"max":9007199254740991,"min":-9007199254740991,"id":"12345678901234567890123","day":"2026-05-01","x":-0.5,"e":1.5e300,"small":2.5e-300,"zero":0}}';
  const stored = await h.send(exact);
  assert.equal(stored.status, 200, JSON.stringify(stored.body));
  const { partition, offset } = stored.body.results[0];
  const read = await h.call('GET', `/v1/streams/acme.fruits/events?partition=${partition}&from=${offset}&limit=1`, { token: h.key });
  assert.deepEqual(read.body.items[0].data, JSON.parse(exact).data);
  await assertStillHealthy(h);
});

void test('deep nesting in schemas, the registry, pipelines, subscriptions and correlations answers 4xx, never 500', async (t) => {
  const h = await harness(t);
  const deepObject = (n: number): string => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  const deepArray = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
  for (const n of [100, 5000, 60_000]) {
    const probes: [string, string, string, string?][] = [
      ['PUT', '/v1/types/deep', `{"schema":${deepObject(n)}}`],
      ['PUT', '/v1/types/deep', `{"schema":{"type":"object","properties":{"x":${deepObject(n)}}}}`],
      ['PUT', '/v1/types/fruits', `{"schema":{"type":"object"},"pipeline":${deepObject(n)}}`],
      ['PUT', '/v1/subscriptions/deep', `{"types":["fruits"],"filter":${deepObject(n)},"destination":{"kind":"webhook","url":"https://example.com"}}`],
      [
        'PUT',
        '/v1/correlations/deep',
        `{"types":["fruits","fruits"],"key":"/a","timeout":"1s","emit":{"complete":"fruits","expired":"fruits"},"completion":${deepObject(n)}}`,
      ],
      ['POST', '/registry/subjects/acme.deep-value/versions', JSON.stringify({ schema: deepObject(n) }), 'application/vnd.schemaregistry.v1+json'],
      ['POST', '/registry/subjects/acme.deep-value/versions', JSON.stringify({ schema: deepArray(n) }), 'application/vnd.schemaregistry.v1+json'],
    ];
    for (const [method, path, raw, contentType] of probes) {
      const response = await h.s.call(method, path, { token: h.key, raw, contentType: contentType ?? 'application/json' });
      assert.ok(
        response.status >= 400 && response.status < 500,
        `${n} levels, ${method} ${path}: ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`,
      );
    }
  }
  await assertStillHealthy(h);
});

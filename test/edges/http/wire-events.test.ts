import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import protobuf from 'protobufjs';
import { encodeFrame } from '../../../src/domain/wire-format.ts';
import { startSluice, type TestSluice } from '../../helpers/sluice.ts';

const wire = 'application/vnd.confluent.wire';
const loginAvro = {
  type: 'record',
  name: 'Login',
  fields: [
    { name: 'user_id', type: 'string' },
    { name: 'attempts', type: 'long' },
  ],
};
const orderProto = 'syntax = "proto3";\nmessage Order { string id = 1; int32 cents = 2; }\nmessage Refund { string order_id = 1; }';

async function setUp(t: Parameters<typeof startSluice>[0]): Promise<{ server: TestSluice; key: string; avroId: number; protoId: number }> {
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  const logins = await server.call('PUT', '/v1/types/logins', { token: key, body: { schema: loginAvro, schemaType: 'AVRO', partitions: 1 } });
  assert.equal(logins.status, 201, JSON.stringify(logins.body));
  const orders = await server.call('PUT', '/v1/types/orders', { token: key, body: { schema: orderProto, schemaType: 'PROTOBUF', partitions: 1 } });
  assert.equal(orders.status, 201, JSON.stringify(orders.body));
  return { server, key, avroId: logins.body.schemaId as number, protoId: orders.body.schemaId as number };
}

async function stored(server: TestSluice, key: string, stream: string): Promise<{ data: unknown; id: string }[]> {
  const answer = await server.call('GET', `/v1/streams/${stream}/events?partition=0&from=earliest&limit=10`, { token: key });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.items as { data: unknown; id: string }[];
}

void test('an Avro record in the wire format is decoded with its schema id and stored as JSON', async (t) => {
  const { server, key, avroId } = await setUp(t);
  const payload = avro.Type.forSchema(loginAvro as avro.Schema).toBuffer({ user_id: 'u1', attempts: 2 });
  const answer = await server.call('POST', '/v1/events', {
    token: key,
    raw: encodeFrame(avroId, undefined, payload),
    contentType: wire,
    headers: { 'ce-type': 'logins', 'ce-id': 'login-1' },
  });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.body.accepted, 1);
  assert.equal(answer.body.results[0].id, 'login-1');
  const items = await stored(server, key, 'acme.logins');
  assert.equal(items.length, 1);
  assert.deepEqual(items[0]!.data, { user_id: 'u1', attempts: 2 });
});

void test('a Protobuf record names its message with message indexes; the type may come from the query', async (t) => {
  const { server, key, protoId } = await setUp(t);
  const root = protobuf.parse(orderProto, { keepCase: true }).root;
  const Order = root.lookupType('Order');
  const payload = Order.encode(Order.create({ id: 'o1', cents: 250 })).finish();
  const answer = await server.call('POST', '/v1/events?type=orders', { token: key, raw: encodeFrame(protoId, [0], payload), contentType: wire });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.deepEqual(
    (await stored(server, key, 'acme.orders')).map((item) => item.data),
    [{ id: 'o1', cents: 250 }],
  );
});

void test('JSON bodies on POST /v1/events still reach the JSON route next to the wire route', async (t) => {
  const { server, key } = await setUp(t);
  const answer = await server.call('POST', '/v1/events', { token: key, body: { type: 'logins', data: { user_id: 'u2', attempts: 1 } } });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.deepEqual(
    (await stored(server, key, 'acme.logins')).map((item) => item.data),
    [{ user_id: 'u2', attempts: 1 }],
  );
});

void test('bad frames, foreign schema ids and a missing type answer clear 400s and store nothing', async (t) => {
  const { server, key, avroId, protoId } = await setUp(t);
  const payload = avro.Type.forSchema(loginAvro as avro.Schema).toBuffer({ user_id: 'u1', attempts: 2 });
  const send = (raw: Buffer, headers: Record<string, string> = { 'ce-type': 'logins' }, path = '/v1/events') =>
    server.call('POST', path, { token: key, raw, contentType: wire, headers });

  const magic = await send(Buffer.concat([Buffer.from([1]), encodeFrame(avroId, undefined, payload).subarray(1)]));
  assert.equal(magic.status, 400);
  assert.equal(magic.body.error.code, 'invalid_wire_format');
  assert.match(magic.body.error.message, /not the magic byte 0/);

  const short = await send(Buffer.from([0, 0, 0]));
  assert.equal(short.body.error.code, 'invalid_wire_format');

  // The Protobuf type's schema id on the Avro type: the id must be a version of that type.
  const foreign = await send(encodeFrame(protoId, undefined, payload));
  assert.equal(foreign.status, 400);
  assert.equal(foreign.body.error.code, 'unknown_version');
  assert.match(foreign.body.error.message, new RegExp(`schema id ${protoId} is not a version of event type "logins"`));

  const noType = await send(encodeFrame(avroId, undefined, payload), {});
  assert.equal(noType.status, 400);
  assert.equal(noType.body.error.code, 'invalid_request');

  const truncated = await send(encodeFrame(avroId, undefined, payload.subarray(0, 2)));
  assert.equal(truncated.body.error.code, 'invalid_wire_format');
  assert.match(truncated.body.error.message, /not Avro binary/);

  const unknownType = await send(encodeFrame(avroId, undefined, payload), { 'ce-type': 'nope' });
  assert.equal(unknownType.status, 404);

  assert.deepEqual(await stored(server, key, 'acme.logins'), []);
});

void test('another tenant cannot use a schema id it does not own', async (t) => {
  const { server, avroId } = await setUp(t);
  const other = await server.tenantWithKey('globex');
  const registered = await server.call('PUT', '/v1/types/logins', {
    token: other,
    body: { schema: { type: 'record', name: 'Other', fields: [{ name: 'x', type: 'int' }] }, schemaType: 'AVRO', partitions: 1 },
  });
  assert.equal(registered.status, 201);
  assert.notEqual(registered.body.schemaId, avroId);
  const payload = avro.Type.forSchema(loginAvro as avro.Schema).toBuffer({ user_id: 'u1', attempts: 2 });
  const answer = await server.call('POST', '/v1/events', {
    token: other,
    raw: encodeFrame(avroId, undefined, payload),
    contentType: wire,
    headers: { 'ce-type': 'logins' },
  });
  assert.equal(answer.status, 400);
  assert.equal(answer.body.error.code, 'unknown_version');
});

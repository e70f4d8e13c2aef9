import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import protobuf from 'protobufjs';
import { SluiceError } from '../../src/domain/errors.ts';
import { decodeFrame, encodeFrame } from '../../src/domain/wire-format.ts';
import { SchemaCompiler } from '../../src/services/schemas/schema-compiler.ts';
import { createSerializer, type StoredSchema } from '../../src/services/schemas/serializers.ts';

const compiler = new SchemaCompiler();
/** The schema as the registry stores it, so the tests use the text the server would. */
const stored = (format: StoredSchema['format'], schema: unknown): StoredSchema => ({ format, schema: compiler.normalize(format, schema) });
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function assertSluiceError(run: () => unknown, code: string, message?: RegExp): SluiceError {
  let caught: SluiceError | undefined;
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof SluiceError, `expected a SluiceError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message !== undefined) assert.match(error.message, message);
    caught = error;
    return true;
  });
  return caught!;
}

const loginSchema = {
  type: 'record',
  name: 'Login',
  fields: [
    { name: 'user_id', type: 'string' },
    { name: 'attempts', type: 'long' },
    { name: 'country', type: ['null', 'string'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
  ],
};

void test('Avro: encodes the JSON shape as avsc binary and decodes it back to plain JSON', () => {
  const serializer = createSerializer(stored('AVRO', loginSchema));
  assert.equal(serializer.format, 'AVRO');
  assert.equal(serializer.messageIndexes, undefined);
  const value = { user_id: 'ab', attempts: 3, country: 'NL', tags: ['x'] };
  const bytes = serializer.encode(value);
  // string "ab" = 04 61 62, long 3 = 06, union branch 1 = 02 then "NL" = 04 4e 4c, array of 1 = 02 "x" = 02 78, end 00.
  assert.equal(hex(bytes), '046162' + '06' + '02044e4c' + '02027800');
  const decoded = serializer.decode(bytes);
  assert.deepEqual(decoded, value);
  assert.equal(Object.getPrototypeOf(decoded), Object.prototype, 'decoded records are plain objects');
});

void test('Avro: a missing field with a default is written with its default', () => {
  const serializer = createSerializer(stored('AVRO', loginSchema));
  const bytes = serializer.encode({ user_id: 'ab', attempts: 1 });
  assert.deepEqual(serializer.decode(bytes), { user_id: 'ab', attempts: 1, country: null, tags: [] });
});

void test('Avro: bytes written by a stock avsc writer decode the same (what a Kafka producer sends)', () => {
  const writer = avro.Type.forSchema(loginSchema as avro.Schema);
  const bytes = writer.toBuffer({ user_id: 'zed', attempts: 9, country: null, tags: [] });
  assert.deepEqual(createSerializer(stored('AVRO', loginSchema)).decode(bytes), { user_id: 'zed', attempts: 9, country: null, tags: [] });
});

void test('Avro: a value that does not fit the schema is refused with the path', () => {
  const serializer = createSerializer(stored('AVRO', loginSchema));
  const error = assertSluiceError(() => serializer.encode({ user_id: 7, attempts: 1 }), 'schema_validation_failed', /\/user_id/);
  assert.deepEqual(error.details?.[0]?.path, '/user_id');
  assertSluiceError(() => serializer.encode({ attempts: 1 }), 'schema_validation_failed', /user_id/);
});

void test('Avro: truncated or trailing bytes are not a payload of the schema', () => {
  const serializer = createSerializer(stored('AVRO', loginSchema));
  const bytes = serializer.encode({ user_id: 'ab', attempts: 3 });
  assertSluiceError(() => serializer.decode(bytes.subarray(0, 2)), 'invalid_wire_format', /not Avro binary/);
  assertSluiceError(() => serializer.decode(Buffer.concat([bytes, Buffer.from([1, 2])])), 'invalid_wire_format', /not Avro binary/);
});

void test('Avro: bytes fields decode to ISO-8859-1 strings', () => {
  const serializer = createSerializer(stored('AVRO', { type: 'record', name: 'Blob', fields: [{ name: 'b', type: 'bytes' }] }));
  const writer = avro.Type.forSchema({ type: 'record', name: 'Blob', fields: [{ name: 'b', type: 'bytes' }] });
  assert.deepEqual(serializer.decode(writer.toBuffer({ b: Buffer.from([0x41, 0xe9]) })), { b: 'Aé' });
});

const orderProto = `syntax = "proto3";
package shop.v1;
enum Status { NEW = 0; PAID = 1; }
message Order {
  string id = 1;
  int64 amount_cents = 2;
  Status status = 3;
  message Line { string sku = 1; int32 quantity = 2; }
  repeated Line lines = 4;
}
message Refund { string order_id = 1; bytes note = 2; }`;

void test('Protobuf: encodes the first message with message indexes [0], as protobufjs would', () => {
  const serializer = createSerializer(stored('PROTOBUF', orderProto));
  assert.deepEqual(serializer.messageIndexes, [0]);
  const value = { id: 'o1', amount_cents: 1250, status: 1, lines: [{ sku: 'a', quantity: 2 }] };
  const bytes = serializer.encode(value);
  // field 1 (0a) len 2 "o1"; field 2 (10) varint 1250 = e2 09; field 3 (18) 1; field 4 (22) len 5: 0a 01 61 10 02.
  assert.equal(hex(bytes), '0a026f31' + '10e209' + '1801' + '22050a01611002');
  assert.deepEqual(serializer.decode(bytes), value);
});

void test('Protobuf: fields at their default are left out when decoding (proto3 does not send them)', () => {
  const serializer = createSerializer(stored('PROTOBUF', orderProto));
  const bytes = serializer.encode({ id: 'o2', amount_cents: 0, status: 0 });
  assert.equal(hex(bytes), '0a026f32');
  assert.deepEqual(serializer.decode(bytes), { id: 'o2' });
});

void test("Protobuf: decoded data passes the registry's own validator for the type", () => {
  const serializer = createSerializer(stored('PROTOBUF', orderProto));
  const validate = compiler.compile('PROTOBUF', stored('PROTOBUF', orderProto).schema);
  const decoded = serializer.decode(serializer.encode({ id: 'o3', amount_cents: 9_007_199_254_740_991, status: 1 }));
  assert.deepEqual(decoded, { id: 'o3', amount_cents: 9_007_199_254_740_991, status: 1 });
  assert.equal(validate(decoded), undefined);
});

void test('Protobuf: message indexes choose a later or a nested message', () => {
  const refund = createSerializer(stored('PROTOBUF', orderProto), { messageIndexes: [1] });
  assert.deepEqual(refund.messageIndexes, [1]);
  const bytes = refund.encode({ order_id: 'o1', note: 'AAE=' });
  assert.equal(hex(bytes), '0a026f3112020001');
  assert.deepEqual(refund.decode(bytes), { order_id: 'o1', note: 'AAE=' });

  const line = createSerializer(stored('PROTOBUF', orderProto), { messageIndexes: [0, 0] });
  assert.deepEqual(line.decode(line.encode({ sku: 'q', quantity: 3 })), { sku: 'q', quantity: 3 });
  assertSluiceError(() => line.encode({ sku: 5 }), 'schema_validation_failed', /sku/);
});

void test('Protobuf: message indexes that name no message are refused', () => {
  assertSluiceError(
    () => createSerializer(stored('PROTOBUF', orderProto), { messageIndexes: [2] }),
    'invalid_wire_format',
    /name no message: the file has 2 messages/,
  );
  assertSluiceError(() => createSerializer(stored('PROTOBUF', orderProto), { messageIndexes: [1, 0] }), 'invalid_wire_format', /message 1 has 0 messages/);
});

void test('Protobuf: bytes from a stock protobufjs writer decode the same', () => {
  const root = protobuf.parse(orderProto, { keepCase: true }).root;
  const Order = root.lookupType('shop.v1.Order');
  const bytes = Order.encode(Order.create({ id: 'k', amount_cents: 5 })).finish();
  assert.deepEqual(createSerializer(stored('PROTOBUF', orderProto)).decode(bytes), { id: 'k', amount_cents: 5 });
});

void test('Protobuf: a value that does not fit the message is refused; garbage bytes do not decode', () => {
  const serializer = createSerializer(stored('PROTOBUF', orderProto));
  assertSluiceError(() => serializer.encode({ id: 5 }), 'schema_validation_failed', /id/);
  assertSluiceError(() => serializer.encode('text'), 'schema_validation_failed');
  // Field 1 as length-delimited, length 10, with 1 byte after it.
  assertSluiceError(() => serializer.decode(Buffer.from('0a0a61', 'hex')), 'invalid_wire_format', /not a Protobuf Order message/);
});

void test('JSON: UTF-8 JSON text both ways; bad bytes get the ingest error codes', () => {
  const serializer = createSerializer(stored('JSON', { type: 'object' }));
  assert.equal(serializer.messageIndexes, undefined);
  const bytes = serializer.encode({ name: 'Zoë', n: [1, 2] });
  assert.equal(Buffer.from(bytes).toString('utf8'), '{"name":"Zoë","n":[1,2]}');
  assert.deepEqual(serializer.decode(bytes), { name: 'Zoë', n: [1, 2] });
  assertSluiceError(() => serializer.decode(Buffer.from([0x7b, 0xff, 0x7d])), 'invalid_utf8');
  assertSluiceError(() => serializer.decode(Buffer.from('{"a":')), 'malformed_json');
  assertSluiceError(() => serializer.encode(undefined), 'schema_validation_failed', /no JSON form/);
});

void test('a serializer and the wire format round-trip a framed record', () => {
  const serializer = createSerializer(stored('PROTOBUF', orderProto), { messageIndexes: [1] });
  const frame = encodeFrame(12, serializer.messageIndexes, serializer.encode({ order_id: 'r9' }));
  assert.equal(hex(frame), '000000000c' + '0202' + '0a027239');
  const read = decodeFrame(frame, { messageIndexes: true });
  assert.equal(read.schemaId, 12);
  const reader = createSerializer(stored('PROTOBUF', orderProto), { messageIndexes: read.messageIndexes! });
  assert.deepEqual(reader.decode(read.payload), { order_id: 'r9' });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileProtobuf } from '../../src/services/schemas/protobuf-schema.ts';

const shop = `
syntax = "proto3";
package shop;
enum Status { UNKNOWN = 0; PAID = 1; SHIPPED = 2; }
message Order {
  string order_id = 1;
  int64 total_cents = 2;
  Status status = 3;
  repeated string skus = 4;
  Address ship_to = 5;
  map<int32, string> notes = 6;
  oneof payment { string card = 7; string voucher = 8; }
  repeated Address stops = 9;
  bytes receipt = 10;
  map<string, Status> by_carrier = 11;
}
message Address { string city = 1; uint64 zip = 2; }
`;

const validate = compileProtobuf(shop);

void test('an order in the canonical JSON mapping is valid, unknown fields included', () => {
  const order = {
    order_id: 'o-1',
    total_cents: '12345678901234',
    status: 'PAID',
    skus: ['a', 'b'],
    ship_to: { city: 'Oslo', zip: '0150' },
    notes: { '1': 'fragile', '-2': 'late' },
    card: 'visa',
    stops: [{ city: 'Bergen', zip: 5003 }],
    receipt: 'aGVsbG8=',
    by_carrier: { dhl: 'SHIPPED', ups: 2 },
    coupon: 'not in the schema',
  };
  assert.equal(validate(order), undefined);
  assert.equal(validate({}), undefined, 'proto3 fields are all optional');
  assert.equal(validate({ order_id: null, status: null }), undefined, 'null means absent');
});

void test('the first failing field is reported with its JSON path and protobufjs reason', () => {
  const cases: [unknown, string, string][] = [
    [{ order_id: 5 }, '/order_id', 'string expected'],
    [{ total_cents: '12.5' }, '/total_cents', 'integer|Long expected'],
    [{ total_cents: '9'.repeat(400) }, '/total_cents', 'integer|Long expected'],
    [{ total_cents: 1.5 }, '/total_cents', 'integer|Long expected'],
    [{ status: 'LOST' }, '/status', 'enum value expected'],
    [{ status: 1.5 }, '/status', 'enum value expected'],
    [{ skus: 'a' }, '/skus', 'array expected'],
    [{ skus: ['a', 2] }, '/skus', 'string[] expected'],
    [{ ship_to: { city: 7 } }, '/ship_to/city', 'string expected'],
    [{ ship_to: { zip: 'ten' } }, '/ship_to/zip', 'integer|Long expected'],
    [{ stops: [{ city: 'x' }, { zip: '1x' }] }, '/stops/zip', 'integer|Long expected'],
    [{ notes: { one: 'x' } }, '/notes', 'integer key{k:int32} expected'],
    [{ notes: { '1': 2 } }, '/notes', 'string{k:int32} expected'],
    [{ notes: 'x' }, '/notes', 'object expected'],
    [{ by_carrier: { dhl: 'LOST' } }, '/by_carrier', 'enum value{k:string} expected'],
    [{ card: 'visa', voucher: 'v-1' }, '/payment', 'multiple values'],
    [{ receipt: 12 }, '/receipt', 'buffer expected'],
    // Fields are checked in the order the .proto declares them, not the order they arrive in.
    [{ receipt: 12, order_id: 5 }, '/order_id', 'string expected'],
  ];
  for (const [data, path, reason] of cases) assert.deepEqual(validate(data), [{ path, reason }], JSON.stringify(data));
});

void test('a message that is not an object is reported as protobufjs words it', () => {
  assert.deepEqual(validate(['o-1']), [{ path: '', reason: 'must be a Order message (an object)' }]);
  assert.deepEqual(validate('o-1'), [{ path: '', reason: 'must be a Order message (an object)' }]);
  assert.deepEqual(validate({ ship_to: 'Oslo' }), [{ path: '', reason: 'ship_to.object expected' }]);
});

void test('proto2: required fields must be present, and closed enums take only their declared numbers', () => {
  const legacy = compileProtobuf('syntax = "proto2"; enum Level { LOW = 1; HIGH = 2; } message Legacy { required string id = 1; optional Level level = 2; }');
  assert.equal(validate({}), undefined);
  assert.equal(legacy({ id: 'x', level: 'HIGH' }), undefined);
  assert.equal(legacy({ id: 'x', level: 2 }), undefined);
  assert.deepEqual(legacy({ level: 'LOW' }), [{ path: '/id', reason: 'string expected' }]);
  assert.deepEqual(legacy({ id: 'x', level: 3 }), [{ path: '/level', reason: 'enum value expected' }]);
  // proto3 enums are open: any int32 is a value.
  assert.equal(validate({ status: 42 }), undefined);
});

void test('the message named is validated, not the first one', () => {
  const address = compileProtobuf(shop, 'shop.Address');
  assert.equal(address({ city: 'Oslo', zip: '1' }), undefined);
  assert.deepEqual(address({ order_id: 'o-1', city: 3 }), [{ path: '/city', reason: 'string expected' }]);
});

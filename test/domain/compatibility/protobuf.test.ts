import assert from 'node:assert/strict';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { checkCompatibility } from '../../../src/domain/compatibility/index.ts';
import { assertRow, type Row } from './table.ts';

/** The descriptor a service would store: protobufjs's JSON of the parsed .proto text. */
const proto = (text: string): unknown => protobuf.parse(text).root.toJSON();
const p3 = (body: string): unknown => proto(`syntax = "proto3";\n${body}`);
const p2 = (body: string): unknown => proto(`syntax = "proto2";\n${body}`);

interface ProtoRow extends Omit<Row, 'old' | 'new'> {
  old: string;
  new: string;
  syntax?: 2 | 3;
}

const rows: ProtoRow[] = [
  { name: 'a field added', old: 'message M { string a = 1; }', new: 'message M { string a = 1; string b = 2; }', backward: true, forward: true },
  { name: 'a field removed', old: 'message M { string a = 1; string b = 2; }', new: 'message M { string a = 1; }', backward: true, forward: true },
  { name: 'a field renamed', old: 'message M { string a = 1; }', new: 'message M { string b = 1; }', backward: true, forward: true },
  {
    name: 'a field renumbered is a removal and an addition',
    old: 'message M { string a = 1; }',
    new: 'message M { string a = 2; }',
    backward: true,
    forward: true,
  },
  { name: 'int32 widened to int64', old: 'message M { int32 a = 1; }', new: 'message M { int64 a = 1; }', backward: true, forward: true },
  { name: 'uint64 to bool shares the varint group', old: 'message M { uint64 a = 1; }', new: 'message M { bool a = 1; }', backward: true, forward: true },
  { name: 'string to bytes', old: 'message M { string a = 1; }', new: 'message M { bytes a = 1; }', backward: true, forward: true },
  { name: 'fixed32 to sfixed32', old: 'message M { fixed32 a = 1; }', new: 'message M { sfixed32 a = 1; }', backward: true, forward: true },
  { name: 'sint32 to sint64', old: 'message M { sint32 a = 1; }', new: 'message M { sint64 a = 1; }', backward: true, forward: true },
  {
    name: 'int32 to an enum',
    old: 'message M { int32 a = 1; }',
    new: 'message M { Status a = 1; } enum Status { A = 0; B = 1; }',
    backward: true,
    forward: true,
  },
  {
    name: 'int32 to sint32 changes the encoding',
    old: 'message M { int32 a = 1; }',
    new: 'message M { sint32 a = 1; }',
    backward: false,
    forward: false,
    kinds: ['FIELD_SCALAR_KIND_CHANGED'],
    paths: ['#/M/1'],
  },
  {
    name: 'float to double changes the encoding',
    old: 'message M { float a = 1; }',
    new: 'message M { double a = 1; }',
    backward: false,
    kinds: ['FIELD_SCALAR_KIND_CHANGED'],
  },
  {
    name: 'int32 to string',
    old: 'message M { int32 a = 1; }',
    new: 'message M { string a = 1; }',
    backward: false,
    forward: false,
    kinds: ['FIELD_SCALAR_KIND_CHANGED'],
  },
  {
    name: 'a map value type changes',
    old: 'message M { map<string, int32> m = 2; }',
    new: 'message M { map<string, string> m2 = 2; }',
    backward: false,
    kinds: ['FIELD_SCALAR_KIND_CHANGED'],
  },
  {
    name: 'a scalar becomes a message',
    old: 'message M { int32 a = 1; }',
    new: 'message M { Other a = 1; } message Other { string s = 1; }',
    backward: false,
    forward: false,
    kinds: ['FIELD_KIND_CHANGED'],
    forwardKinds: ['FIELD_KIND_CHANGED', 'MESSAGE_REMOVED'],
  },
  {
    name: 'a field switches to a differently named message',
    old: 'message M { A a = 1; } message A { string s = 1; }',
    new: 'message M { B a = 1; } message B { string s = 1; }',
    backward: false,
    kinds: ['FIELD_NAMED_TYPE_CHANGED', 'MESSAGE_REMOVED'],
  },
  {
    name: 'a nested message changes incompatibly',
    old: 'message Order { string id = 1; repeated Item items = 2; message Item { string sku = 1; } }',
    new: 'message Order { string id = 1; repeated Item items = 2; message Item { int32 sku = 1; } }',
    backward: false,
    kinds: ['FIELD_SCALAR_KIND_CHANGED', 'FIELD_NAMED_TYPE_CHANGED'],
    paths: ['#/Order/Item/1', '#/Order/2'],
  },
  {
    name: 'a nested message gains a field',
    old: 'message Order { Item item = 2; message Item { string sku = 1; } }',
    new: 'message Order { Item item = 2; message Item { string sku = 1; int32 qty = 2; } }',
    backward: true,
    forward: true,
  },
  {
    name: 'a type name written with or without qualification is the same type',
    old: 'package foo; message M { Status s = 2; message Status { string a = 1; } }',
    new: 'package foo; message M { .foo.M.Status s = 2; message Status { string a = 1; } }',
    backward: true,
    forward: true,
  },
  {
    name: 'the package changes',
    old: 'package foo; message M { string a = 1; }',
    new: 'package bar; message M { string a = 1; }',
    backward: true,
    forward: true,
  },
  {
    name: 'optional int32 becomes repeated',
    old: 'message M { optional int32 a = 1; }',
    new: 'message M { repeated int32 a = 1; }',
    backward: false,
    forward: false,
    kinds: ['FIELD_NUMERIC_LABEL_CHANGED'],
  },
  {
    name: 'optional string becomes repeated',
    old: 'message M { optional string a = 1; }',
    new: 'message M { repeated string a = 1; }',
    backward: true,
    forward: true,
  },
  {
    name: 'a message field becomes repeated',
    old: 'message M { optional S s = 2; message S { string a = 1; } }',
    new: 'message M { repeated S s = 2; message S { string a = 1; } }',
    backward: true,
    forward: true,
  },
  {
    name: 'a plain field becomes proto3 optional',
    old: 'message M { int32 a = 1; }',
    new: 'message M { optional int32 a = 1; }',
    backward: true,
    forward: true,
  },
  {
    name: 'a message type added',
    old: 'message M { string a = 1; }',
    new: 'message M { string a = 1; } message N { string b = 1; }',
    backward: true,
    forward: false,
    forwardKinds: ['MESSAGE_REMOVED'],
  },
  {
    name: 'a message type removed',
    old: 'message M { string a = 1; } message N { string b = 1; }',
    new: 'message M { string a = 1; }',
    backward: false,
    forward: true,
    kinds: ['MESSAGE_REMOVED'],
    paths: ['#/N'],
  },
  {
    name: 'message types reordered',
    old: 'message M { string a = 1; } message N { string b = 1; }',
    new: 'message N { string b = 1; } message M { string a = 1; }',
    backward: true,
    forward: true,
  },
  {
    name: 'an enum value added',
    old: 'message M { E e = 1; } enum E { A = 0; }',
    new: 'message M { E e = 1; } enum E { A = 0; B = 1; }',
    backward: true,
    forward: true,
  },
  {
    name: 'an enum value removed',
    old: 'message M { E e = 1; } enum E { A = 0; B = 1; }',
    new: 'message M { E e = 1; } enum E { A = 0; }',
    backward: true,
    forward: true,
  },
  {
    name: 'an enum value renamed',
    old: 'message M { E e = 1; } enum E { A = 0; B = 1; }',
    new: 'message M { E e = 1; } enum E { A = 0; C = 1; }',
    backward: true,
    forward: true,
  },
  {
    name: 'one field moved into a new oneof',
    old: 'message M { string a = 1; string b = 2; }',
    new: 'message M { string a = 1; oneof o { string b = 2; int32 c = 3; } }',
    backward: true,
    forward: true,
  },
  {
    name: 'two fields moved into one oneof',
    old: 'message M { string a = 1; string b = 2; }',
    new: 'message M { oneof o { string a = 1; string b = 2; int32 c = 3; } }',
    backward: false,
    forward: true,
    kinds: ['MULTIPLE_FIELDS_MOVED_TO_ONEOF'],
    paths: ['#/M/o'],
  },
  {
    name: 'a field added to a oneof',
    old: 'message M { oneof o { string a = 1; string b = 2; } }',
    new: 'message M { oneof o { string a = 1; string b = 2; int32 c = 3; } }',
    backward: true,
    forward: false,
    forwardKinds: ['ONEOF_FIELD_REMOVED'],
  },
  {
    name: 'a field removed from a oneof',
    old: 'message M { oneof o { string a = 1; int32 c = 3; } }',
    new: 'message M { oneof o { string a = 1; } }',
    backward: false,
    forward: true,
    kinds: ['ONEOF_FIELD_REMOVED'],
    paths: ['#/M/o/3'],
  },
  {
    name: 'a field moved into an existing oneof',
    old: 'message M { string a = 1; oneof o { string b = 2; string c = 3; } }',
    new: 'message M { oneof o { string a = 1; string b = 2; string c = 3; } }',
    backward: false,
    forward: true,
    kinds: ['FIELD_MOVED_TO_EXISTING_ONEOF'],
  },
  {
    name: 'a field moved out of a oneof',
    old: 'message M { oneof o { string a = 1; string b = 2; } }',
    new: 'message M { string a = 1; oneof o { string b = 2; } }',
    backward: true,
  },
  {
    name: 'a field moved into a oneof keeps its type check',
    old: 'message M { string a = 1; }',
    new: 'message M { oneof o { int32 a = 1; } }',
    backward: false,
    kinds: ['FIELD_SCALAR_KIND_CHANGED'],
  },
  {
    name: 'a whole oneof removed',
    old: 'message M { string x = 9; oneof o { string a = 1; string b = 2; } }',
    new: 'message M { string x = 9; }',
    backward: true,
    forward: true,
  },
  {
    name: 'a removed field number reserved',
    old: 'message M { string a = 1; string b = 2; }',
    new: 'message M { string a = 1; reserved 2; reserved "b"; }',
    backward: true,
    forward: true,
  },
  {
    name: 'a reserved number reused (Confluent default: allowed)',
    old: 'message M { string a = 1; reserved 2; }',
    new: 'message M { string a = 1; int64 b = 2; }',
    backward: true,
    forward: true,
  },
  {
    name: 'a reserved number reused, with reserved numbers enforced',
    old: 'message M { string a = 1; reserved 2 to 4; }',
    new: 'message M { string a = 1; int64 b = 3; }',
    backward: false,
    forward: false,
    kinds: ['RESERVED_NUMBER_REUSED'],
    paths: ['#/M/3'],
    options: { protobufReservedNumbers: 'enforce' },
  },
  {
    name: 'reserving a removed number passes with reserved numbers enforced',
    old: 'message M { string a = 1; string b = 2; }',
    new: 'message M { string a = 1; reserved 2; }',
    backward: true,
    forward: true,
    options: { protobufReservedNumbers: 'enforce' },
  },
  {
    name: 'a reserved enum number reused, with reserved numbers enforced',
    old: 'message M { E e = 1; } enum E { A = 0; reserved 1; }',
    new: 'message M { E e = 1; } enum E { A = 0; B = 1; }',
    backward: false,
    kinds: ['RESERVED_NUMBER_REUSED'],
    paths: ['#/E/1'],
    options: { protobufReservedNumbers: 'enforce' },
  },
];

const proto2Rows: ProtoRow[] = [
  {
    name: 'a required field added',
    old: 'message M { optional string a = 1; }',
    new: 'message M { optional string a = 1; required string b = 2; }',
    backward: false,
    forward: false,
    kinds: ['REQUIRED_FIELD_ADDED'],
    forwardKinds: ['REQUIRED_FIELD_REMOVED'],
  },
  {
    name: 'a required field removed',
    old: 'message M { optional string a = 1; required string b = 2; }',
    new: 'message M { optional string a = 1; }',
    backward: false,
    kinds: ['REQUIRED_FIELD_REMOVED'],
    paths: ['#/M/2'],
  },
  {
    name: 'an optional field added',
    old: 'message M { optional string a = 1; }',
    new: 'message M { optional string a = 1; optional int32 b = 2; }',
    backward: true,
    forward: true,
  },
];

for (const row of rows) {
  void test(`Protobuf: ${row.name}`, () => assertRow('PROTOBUF', { ...row, old: p3(row.old), new: p3(row.new) }));
}
for (const row of proto2Rows) {
  void test(`Protobuf proto2: ${row.name}`, () => assertRow('PROTOBUF', { ...row, old: p2(row.old), new: p2(row.new) }));
}

void test('recursive Protobuf messages compare without looping', () => {
  const tree = (valueType: string): unknown => p3(`message Node { ${valueType} value = 1; repeated Node children = 2; Node parent = 3; }`);
  assert.equal(checkCompatibility('PROTOBUF', 'FULL', tree('int32'), [tree('int32')]).compatible, true);
  const result = checkCompatibility('PROTOBUF', 'BACKWARD', tree('string'), [tree('int32')]);
  assert.deepEqual(
    result.messages.map((m) => `${m.kind} ${m.path}`),
    ['FIELD_SCALAR_KIND_CHANGED #/Node/1'],
  );
});

void test('a Protobuf message names the field, both types and the fix', () => {
  const [message] = checkCompatibility('PROTOBUF', 'BACKWARD', p3('message M { string s = 1; }'), [p3('message M { int32 s = 1; }')]).messages;
  assert.match(message?.message ?? '', /"s" \(number 1\)/);
  assert.match(message?.message ?? '', /int32 in the previous schema but string in the new schema/);
  assert.match(message?.message ?? '', /new number/);
});

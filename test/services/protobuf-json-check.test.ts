import assert from 'node:assert/strict';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { compileProtobufJsonCheck } from '../../src/services/schemas/protobuf-json-check.ts';
import { Random } from '../helpers/random.ts';

/*
 * The checker reads canonical JSON in place. Before it, events were copied with their
 * canonical forms turned into numbers and then given to protobufjs verify(); these tests
 * keep that copy-and-verify as the reference, so the checker is held to every answer it
 * gave, first problem and wording included.
 */

const proto3 = `
syntax = "proto3";
package t;
enum Color { RED = 0; GREEN = 1; BLUE = 5; }
message All {
  int32 i32 = 1; uint32 u32 = 2; sint32 s32 = 3; fixed32 f32 = 4; sfixed32 sf32 = 5;
  int64 i64 = 6; uint64 u64 = 7; sint64 s64 = 8; fixed64 f64 = 9; sfixed64 sf64 = 10;
  float fl = 11; double db = 12; bool b = 13; string s = 14; bytes by = 15;
  Color color = 16; repeated Color colors = 17; repeated int64 longs = 18;
  map<string, Color> by_name = 19; map<int32, int64> by_int = 20; map<int64, Inner> by_long = 21; map<bool, string> by_bool = 22;
  Inner inner = 23; repeated Inner inners = 24;
  oneof choice { string text = 25; Inner nested = 26; Color tint = 27; }
  optional int64 maybe = 28;
  All self = 29;
  map<uint32, Color> tints = 30;
}
message Inner { string name = 1; Color color = 2; sint64 count = 3; repeated Inner children = 4; bytes raw = 5; }
`;

const proto2 = `
syntax = "proto2";
package legacy;
enum Level { LOW = 1; HIGH = 2; }
message Legacy {
  required string id = 1;
  required Level level = 2;
  optional int64 n = 3;
  optional Legacy next = 4;
  required Part part = 5;
  repeated Level levels = 6;
  map<string, Level> by_name = 7;
}
message Part { optional Level level = 1; optional fixed64 size = 2; }
`;

const edition2023 = `
edition = "2023";
package ed;
enum Closed { option features.enum_type = CLOSED; ONE = 1; TWO = 2; }
enum Open { ZERO = 0; THREE = 3; }
message Mixed { Closed closed = 1; Open open = 2; repeated Closed many = 3; int64 count = 4; Mixed next = 5; }
`;

function message(text: string, name: string): protobuf.Type {
  const root = protobuf.parse(text, { keepCase: true }).root;
  root.resolveAll();
  return root.lookupType(name);
}

/** The former way: enums by name and 64-bit decimal strings read as numbers on a copy, then verify(). */
function referenceProblem(type: protobuf.Type, data: Record<string, unknown>): string | null {
  return type.verify(canonicalAsNumbers(type, data, 0));
}

const longTypes = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function canonicalAsNumbers(type: protobuf.Type, value: Record<string, unknown>, depth: number): Record<string, unknown> {
  if (depth > 64) return value;
  let copy: Record<string, unknown> | undefined;
  for (const field of type.fieldsArray) {
    const raw = value[field.name];
    if (raw === undefined || raw === null) continue;
    const convert = (item: unknown): unknown => {
      const resolved = field.resolvedType;
      if (resolved instanceof protobuf.Enum && typeof item === 'string' && Object.hasOwn(resolved.values, item)) return resolved.values[item];
      if (longTypes.has(field.type) && typeof item === 'string' && /^-?\d+$/.test(item)) return Number(item);
      if (resolved instanceof protobuf.Type && typeof item === 'object' && item !== null && !Array.isArray(item))
        return canonicalAsNumbers(resolved, item as Record<string, unknown>, depth + 1);
      return item;
    };
    let converted: unknown;
    if (field.map && typeof raw === 'object' && !Array.isArray(raw))
      converted = Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([key, item]) => [key, convert(item)]));
    else if (field.repeated && Array.isArray(raw)) converted = raw.map(convert);
    else converted = convert(raw);
    if (converted !== raw) {
      copy ??= { ...value };
      copy[field.name] = converted;
    }
  }
  return copy ?? value;
}

/**
 * Events of every shape a JSON event (and a few a caller in-process) could take. Each event
 * has its own rate of mistakes, from none to many, so valid and invalid events both abound.
 */
class EventMaker {
  readonly #random: Random;
  #mistakes = 0;

  constructor(seed: number) {
    this.#random = new Random(seed);
  }

  event(type: protobuf.Type): Record<string, unknown> {
    this.#mistakes = this.#random.pick([0, 0, 0.003, 0.02, 0.1]);
    return this.message(type, 0);
  }

  message(type: protobuf.Type, depth: number): Record<string, unknown> {
    const value: Record<string, unknown> = {};
    for (const field of type.fieldsArray) {
      // Deep values thin out; a required field is left out only by mistake.
      const present = field.required ? !this.#mistaken() : this.#random.chance(depth === 0 ? 0.4 : 0.12);
      if (present) value[field.name] = this.field(field, depth);
    }
    if (this.#random.chance(0.2)) value[this.#random.pick(['unknown', 'extra_field', 'Color'])] = this.#random.pick(oddValues);
    return value;
  }

  field(field: protobuf.Field, depth: number): unknown {
    if (this.#mistaken()) return this.#random.pick(oddValues);
    if (field.map) {
      if (this.#mistaken()) return this.list(() => this.single(field, depth));
      const keys = this.#mistaken() ? anyKeys : (validKeys[(field as unknown as protobuf.MapField).keyType] ?? anyKeys);
      const map: Record<string, unknown> = {};
      for (let i = this.#random.int(4); i > 0; i--) map[this.#random.pick(keys)] = this.single(field, depth);
      return map;
    }
    if (field.repeated) return this.list(() => this.single(field, depth));
    if (field.partOf !== null && this.#random.chance(0.5)) return null;
    return this.single(field, depth);
  }

  single(field: protobuf.Field, depth: number): unknown {
    const mistaken = this.#mistaken();
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) {
      if (mistaken) return this.#random.pick([...oddValues, ['x'], []]);
      return this.message(resolved, depth + 1);
    }
    if (resolved instanceof protobuf.Enum) {
      if (mistaken) return this.#random.pick(['NOPE', 99, -1, 1.5, '1', 'toString', 2 ** 31, null]);
      return this.#random.pick([...Object.keys(resolved.values), ...Object.values(resolved.values)]);
    }
    const values = longTypes.has(field.type) ? longValues : scalarValues[field.type];
    assert.ok(values !== undefined, field.type);
    return this.#random.pick(mistaken ? values.bad : values.good);
  }

  list(make: () => unknown): unknown[] {
    return Array.from({ length: this.#random.int(4) }, make);
  }

  #mistaken(): boolean {
    return this.#mistakes > 0 && this.#random.chance(this.#mistakes);
  }
}

const anyKeys = ['a', '1', '-1', '0', '01', 'true', 'false', '12345678901', '-0', '', '0x1'];
const validKeys: Record<string, string[]> = {
  string: anyKeys,
  int32: ['1', '-1', '0', '-0', '2147483648'],
  uint32: ['1', '0', '42'],
  int64: ['1', '-1', '12345678901', '12345678'],
  bool: ['true', 'false', '0', '1'],
};
const longValues = {
  good: ['123', '-9007199254740993', '0', '-0', '007', '1'.repeat(299), 12, -5, 2 ** 60, { low: 1, high: 0 }] as unknown[],
  bad: ['1'.repeat(400), '12.5', '1e3', '0x10', '', '-', ' 1', '1 ', '١٢', 1.5, Number.NaN, { low: '1', high: 0 }, true] as unknown[],
};
const scalarValues: Record<string, { good: unknown[]; bad: unknown[] }> = {
  int32: { good: [0, 7, -3, -0, 2 ** 31], bad: [1.5, '5', Number.NaN] },
  uint32: { good: [0, 7, 2 ** 33], bad: ['5', 0.5] },
  sint32: { good: [0, -7, 1e300], bad: [Number.POSITIVE_INFINITY, '0'] },
  fixed32: { good: [0, 7], bad: ['RED', null] },
  sfixed32: { good: [0, -7], bad: [Number.POSITIVE_INFINITY] },
  float: { good: [1.5, 0, Number.NaN], bad: ['1.5', 'NaN'] },
  double: { good: [1.5, -0, 1e308], bad: ['Infinity', false] },
  bool: { good: [true, false], bad: ['true', 0] },
  string: { good: ['x', '', new String('s')], bad: [5, ['x']] },
  bytes: { good: ['aGk=', '!!', '', [1, 2], { length: 3 }], bad: [5, { length: '3' }, true] },
};
const oddValues: unknown[] = [null, 0, '', 'x', true, [], {}, [1], -1, 1.5, '12', 'RED', 'LOW', { length: 1 }];

for (const [label, text, name] of [
  ['proto3, every field kind', proto3, 't.All'],
  ['proto2, required fields and closed enums', proto2, 'legacy.Legacy'],
  ['edition 2023, open and closed enums', edition2023, 'ed.Mixed'],
] as const) {
  void test(`${label}: the checker answers as copy-and-verify did, for 20,000 random events`, () => {
    const type = message(text, name);
    const check = compileProtobufJsonCheck(type);
    const maker = new EventMaker(label.length * 7919);
    let failing = 0;
    for (let i = 0; i < 20_000; i++) {
      const data = maker.event(type);
      const expected = referenceProblem(type, data);
      const actual = check(data);
      if (actual !== expected) assert.fail(`${JSON.stringify(data)}: ${actual} where copy-and-verify said ${expected}`);
      if (expected !== null) failing++;
    }
    // Both outcomes must be well represented for the comparison to mean something.
    assert.ok(failing > 1_000 && failing < 19_000, `${failing} of 20,000 failing`);
  });
}

/** `levels` messages nested in `next`, the innermost holding `leaf`. */
function chain(levels: number, leaf: Record<string, unknown>): Record<string, unknown> {
  let value = leaf;
  for (let i = 1; i < levels; i++) value = { next: value };
  return value;
}

void test('deep values: canonical forms are read down to depth 64, and protobufjs stops at its recursion limit', () => {
  const type = message(edition2023, 'ed.Mixed');
  const check = compileProtobufJsonCheck(type);
  for (const levels of [1, 2, 63, 64, 65, 66, 67, 99, 100, 101, 102, 103]) {
    for (const leaf of [{ closed: 'TWO' }, { count: '42' }, { closed: 2 }, { open: 'THREE' }, { closed: 3 }, {}]) {
      const data = chain(levels, leaf);
      assert.equal(check(data), referenceProblem(type, data), `${levels} levels, ${JSON.stringify(leaf)}`);
    }
  }
  assert.equal(check(chain(65, { count: '42' })), null);
  assert.match(check(chain(66, { count: '42' })) ?? '', /^(next\.){65}count: integer\|Long expected$/);
});

void test('an array standing for a message or a map is read as protobufjs reads it, without canonical forms', () => {
  const type = message(proto3, 't.All');
  const check = compileProtobufJsonCheck(type);
  const cases: Record<string, unknown>[] = [
    { inner: ['x'] },
    { by_name: ['RED'] },
    { by_name: [0, 5] },
    { by_long: [{ color: 'RED' }] },
    { by_long: [{ color: 1 }] },
    { by_int: ['12'] },
    { by_int: [12] },
    { inners: [[], { children: [{ color: 'BLUE' }] }] },
  ];
  for (const data of cases) assert.equal(check(data), referenceProblem(type, data), JSON.stringify(data));
  assert.equal(check({ by_name: ['RED'] }), 'by_name: enum value{k:string} expected');
  assert.equal(check({ by_long: [{ color: 'RED' }] }), 'by_long.color: enum value expected');
});

void test('field names are data, not code: any name compiles and is reported as written', () => {
  const type = new protobuf.Type('Odd').add(new protobuf.Field('a"b\\c\u2028', 1, 'string')).add(new protobuf.Field('constructor', 2, 'int64'));
  new protobuf.Root().add(type).resolveAll();
  const check = compileProtobufJsonCheck(type);
  assert.equal(check({ 'a"b\\c\u2028': 5 }), 'a"b\\c\u2028: string expected');
  assert.equal(check({ constructor: '7' }), null);
  assert.equal(check({}), null, 'an inherited property is not a field value');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import { checkCompatibility } from '../../../src/domain/compatibility/index.ts';
import { assertRow, type Row } from './table.ts';
import { Random } from '../../helpers/random.ts';

const record = (name: string, fields: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({ type: 'record', name, fields, ...extra });
const field = (name: string, type: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name, type, ...extra });
const one = (type: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => record('R', [field('a', type, extra)]);
const colour = (symbols: string[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({ type: 'enum', name: 'Colour', symbols, ...extra });

const fields: Row[] = [
  {
    name: 'a field added with a default',
    old: record('R', [field('a', 'int')]),
    new: record('R', [field('a', 'int'), field('b', 'string', { default: 'x' })]),
    backward: true,
    forward: true,
  },
  {
    name: 'a field added without a default',
    old: record('R', [field('a', 'int')]),
    new: record('R', [field('a', 'int'), field('b', 'string')]),
    backward: false,
    forward: true,
    kinds: ['READER_FIELD_MISSING_DEFAULT_VALUE'],
    paths: ['/fields/1'],
  },
  {
    name: 'an optional field added with a null default',
    old: record('R', [field('a', 'int')]),
    new: record('R', [field('a', 'int'), field('b', ['null', 'string'], { default: null })]),
    backward: true,
    forward: true,
  },
  {
    name: 'a field with a default removed',
    old: record('R', [field('a', 'int'), field('b', 'string', { default: 'x' })]),
    new: record('R', [field('a', 'int')]),
    backward: true,
    forward: true,
  },
  {
    name: 'a field without a default removed',
    old: record('R', [field('a', 'int'), field('b', 'string')]),
    new: record('R', [field('a', 'int')]),
    backward: true,
    forward: false,
    forwardKinds: ['READER_FIELD_MISSING_DEFAULT_VALUE'],
  },
  {
    name: 'a field renamed with the old name as an alias',
    old: record('R', [field('a', 'int')]),
    new: record('R', [field('x', 'int', { aliases: ['a'] })]),
    backward: true,
    forward: false,
  },
  {
    name: 'a field renamed without an alias',
    old: record('R', [field('a', 'int')]),
    new: record('R', [field('x', 'int')]),
    backward: false,
    kinds: ['READER_FIELD_MISSING_DEFAULT_VALUE'],
  },
];

const promotions: Row[] = [
  { name: 'int promoted to long', old: one('int'), new: one('long'), backward: true, forward: false, forwardKinds: ['TYPE_MISMATCH'] },
  { name: 'long narrowed to int', old: one('long'), new: one('int'), backward: false, forward: true, kinds: ['TYPE_MISMATCH'], paths: ['/fields/0/type'] },
  { name: 'int promoted to float', old: one('int'), new: one('float'), backward: true },
  { name: 'int promoted to double', old: one('int'), new: one('double'), backward: true },
  { name: 'long promoted to float', old: one('long'), new: one('float'), backward: true },
  { name: 'long promoted to double', old: one('long'), new: one('double'), backward: true },
  { name: 'float promoted to double', old: one('float'), new: one('double'), backward: true, forward: false },
  { name: 'string and bytes read each other', old: one('string'), new: one('bytes'), backward: true, forward: true },
  { name: 'int is not a string', old: one('int'), new: one('string'), backward: false, forward: false, kinds: ['TYPE_MISMATCH'] },
  { name: 'boolean is not an int', old: one('boolean'), new: one('int'), backward: false, kinds: ['TYPE_MISMATCH'] },
  {
    name: 'logical types resolve as their underlying type',
    old: one({ type: 'int', logicalType: 'date' }),
    new: one({ type: 'long', logicalType: 'timestamp-millis' }),
    backward: true,
  },
];

const enums: Row[] = [
  {
    name: 'an enum symbol added',
    old: one(colour(['RED'])),
    new: one(colour(['RED', 'BLUE'])),
    backward: true,
    forward: false,
    forwardKinds: ['MISSING_ENUM_SYMBOLS'],
  },
  {
    name: 'an enum symbol removed',
    old: one(colour(['RED', 'BLUE'])),
    new: one(colour(['RED'])),
    backward: false,
    forward: true,
    kinds: ['MISSING_ENUM_SYMBOLS'],
    paths: ['/fields/0/type/symbols'],
  },
  {
    name: 'an enum symbol removed where the reader enum has a default',
    old: one(colour(['RED', 'BLUE'])),
    new: one(colour(['RED'], { default: 'RED' })),
    backward: true,
  },
  {
    name: 'an enum renamed',
    old: one(colour(['RED'])),
    new: one({ type: 'enum', name: 'Hue', symbols: ['RED'] }),
    backward: false,
    kinds: ['NAME_MISMATCH'],
    paths: ['/fields/0/type/name'],
  },
];

const unions: Row[] = [
  {
    name: 'a type widened to a union with null',
    old: one('int'),
    new: one(['null', 'int'], { default: null }),
    backward: true,
    forward: false,
    forwardKinds: ['TYPE_MISMATCH'],
  },
  { name: 'a union narrowed to one of its types', old: one(['null', 'int']), new: one('int'), backward: false, kinds: ['TYPE_MISMATCH'] },
  {
    name: 'a union gains a branch',
    old: one(['null', 'int']),
    new: one(['null', 'int', 'string']),
    backward: true,
    forward: false,
    forwardKinds: ['MISSING_UNION_BRANCH'],
  },
  {
    name: 'a union loses a branch',
    old: one(['null', 'int', 'string']),
    new: one(['null', 'int']),
    backward: false,
    kinds: ['MISSING_UNION_BRANCH'],
    paths: ['/fields/0/type/2'],
  },
  { name: 'a union branch promoted', old: one(['null', 'int']), new: one(['null', 'long']), backward: true, forward: false },
  {
    name: 'a reader union without a branch for the writer type',
    old: one('string'),
    new: one(['null', 'int']),
    backward: false,
    kinds: ['MISSING_UNION_BRANCH'],
    paths: ['/fields/0/type'],
  },
];

const named: Row[] = [
  {
    name: 'a fixed size changed',
    old: one({ type: 'fixed', name: 'F', size: 4 }),
    new: one({ type: 'fixed', name: 'F', size: 8 }),
    backward: false,
    forward: false,
    kinds: ['FIXED_SIZE_MISMATCH'],
    paths: ['/fields/0/type/size'],
  },
  {
    name: 'a fixed renamed',
    old: one({ type: 'fixed', name: 'F', size: 4 }),
    new: one({ type: 'fixed', name: 'G', size: 4 }),
    backward: false,
    kinds: ['NAME_MISMATCH'],
  },
  {
    name: 'a record renamed without an alias',
    old: record('R', [field('a', 'int')]),
    new: record('S', [field('a', 'int')]),
    backward: false,
    kinds: ['NAME_MISMATCH'],
    paths: ['/name'],
  },
  {
    name: 'a record renamed with the old name as an alias',
    old: record('R', [field('a', 'int')]),
    new: record('S', [field('a', 'int')], { aliases: ['R'] }),
    backward: true,
    forward: false,
  },
  {
    name: 'a namespace alias is qualified by the new namespace',
    old: record('R', [field('a', 'int')], { namespace: 'old' }),
    new: record('S', [field('a', 'int')], { namespace: 'new', aliases: ['old.R'] }),
    backward: true,
  },
  // Avro's Java checker (which Confluent uses) compares unqualified names.
  {
    name: 'a namespace change keeps the name',
    old: record('R', [field('a', 'int')], { namespace: 'a' }),
    new: record('R', [field('a', 'int')], { namespace: 'b' }),
    backward: true,
    forward: true,
  },
  {
    name: 'a nested record gains a field without a default',
    old: record('Order', [field('customer', record('Customer', [field('id', 'long')]))]),
    new: record('Order', [field('customer', record('Customer', [field('id', 'long'), field('email', 'string')]))]),
    backward: false,
    kinds: ['READER_FIELD_MISSING_DEFAULT_VALUE'],
    paths: ['/fields/0/type/fields/1'],
  },
  {
    name: 'array items are promoted',
    old: one({ type: 'array', items: 'int' }),
    new: one({ type: 'array', items: 'long' }),
    backward: true,
    forward: false,
    forwardKinds: ['TYPE_MISMATCH'],
  },
  {
    name: 'map values change type',
    old: one({ type: 'map', values: 'string' }),
    new: one({ type: 'map', values: 'int' }),
    backward: false,
    kinds: ['TYPE_MISMATCH'],
    paths: ['/fields/0/type/values'],
  },
  {
    name: 'an array becomes a map',
    old: one({ type: 'array', items: 'int' }),
    new: one({ type: 'map', values: 'int' }),
    backward: false,
    kinds: ['TYPE_MISMATCH'],
  },
  {
    name: 'a named type used again by reference',
    old: record('R', [field('a', colour(['RED'])), field('b', 'Colour')]),
    new: record('R', [field('a', colour(['RED', 'BLUE'])), field('b', 'Colour')]),
    backward: true,
    forward: false,
    forwardKinds: ['MISSING_ENUM_SYMBOLS'],
  },
];

const groups = { fields, promotions, enums, unions, named };
for (const [group, rows] of Object.entries(groups)) {
  for (const row of rows) {
    void test(`Avro ${group}: ${row.name}`, () => assertRow('AVRO', row));
  }
}

const list = (valueType: string, extra: unknown[] = []): unknown => ({
  type: 'record',
  name: 'Node',
  fields: [field('value', valueType), field('next', ['null', 'Node'], { default: null }), ...extra],
});

void test('recursive Avro types resolve without looping', () => {
  assert.equal(checkCompatibility('AVRO', 'FULL', list('int'), [list('int')]).compatible, true);
  assert.equal(checkCompatibility('AVRO', 'BACKWARD', list('long'), [list('int')]).compatible, true);
  const result = checkCompatibility('AVRO', 'BACKWARD', list('int', [field('extra', 'string')]), [list('int')]);
  assert.deepEqual(
    result.messages.map((m) => `${m.kind} ${m.path}`),
    ['READER_FIELD_MISSING_DEFAULT_VALUE /fields/2'],
  );
  const narrowed = checkCompatibility('AVRO', 'BACKWARD', list('int'), [list('long')]);
  assert.deepEqual(
    narrowed.messages.map((m) => `${m.kind} ${m.path}`),
    ['TYPE_MISMATCH /fields/0/type'],
  );
});

// ---- Randomised agreement with avsc's own schema resolution ----

type Schema = any;
const primitives = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'];
const symbolPool = ['A', 'B', 'C', 'D'];

class SchemaGenerator {
  private names = 0;
  private readonly random: Random;

  constructor(random: Random) {
    this.random = random;
  }

  fresh(prefix: string): string {
    this.names += 1;
    return `${prefix}${this.names}`;
  }

  type(depth: number): Schema {
    const r = this.random;
    const roll = r.int(depth > 2 ? 3 : 10);
    if (roll < 3) return r.pick(primitives.slice(1));
    if (roll === 3) return { type: 'enum', name: this.fresh('E'), symbols: symbolPool.slice(0, 1 + r.int(3)) };
    if (roll === 4) return { type: 'fixed', name: this.fresh('F'), size: 1 + r.int(3) };
    if (roll === 5) return { type: 'array', items: this.type(depth + 1) };
    if (roll === 6) return { type: 'map', values: this.type(depth + 1) };
    if (roll === 7) return ['null', r.pick(['int', 'long', 'string', 'double'])];
    return this.record(depth + 1);
  }

  record(depth: number): Schema {
    const fields = Array.from({ length: 1 + this.random.int(3) }, (_, i) => this.field(`f${i}`, depth));
    return { type: 'record', name: this.fresh('R'), fields };
  }

  field(name: string, depth: number): Schema {
    const type = this.type(depth);
    const result: Schema = { name, type };
    if (this.random.chance(0.4)) {
      const fallback = defaultFor(type);
      if (fallback !== undefined) result.default = fallback.value;
    }
    return result;
  }
}

/** A valid default for a type (the first branch of a union), or none for records and fixed. */
function defaultFor(type: Schema): { value: unknown } | undefined {
  if (Array.isArray(type)) return defaultFor(type[0]);
  const name = typeof type === 'string' ? type : type.type;
  switch (name) {
    case 'null':
      return { value: null };
    case 'boolean':
      return { value: false };
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return { value: 0 };
    case 'bytes':
    case 'string':
      return { value: '' };
    case 'enum':
      return { value: type.symbols[0] };
    case 'array':
      return { value: [] };
    case 'map':
      return { value: {} };
    default:
      return undefined;
  }
}

/** Every place in a schema where a type sits, with a way to replace it. */
function typeSlots(schema: Schema): { get: () => Schema; set: (next: Schema) => void }[] {
  const slots: { get: () => Schema; set: (next: Schema) => void }[] = [];
  const visit = (holder: Schema, key: string | number): void => {
    const value = holder[key];
    slots.push({
      get: () => holder[key],
      set: (next) => {
        holder[key] = next;
      },
    });
    if (Array.isArray(value)) value.forEach((_, i) => visit(value, i));
    else if (typeof value === 'object' && value !== null) {
      if (value.type === 'array') visit(value, 'items');
      if (value.type === 'map') visit(value, 'values');
      if (value.type === 'record') value.fields.forEach((f: Schema) => visit(f, 'type'));
    }
  };
  visit({ root: schema }, 'root');
  return slots;
}

function records(schema: Schema): Schema[] {
  return typeSlots(schema)
    .map((slot) => slot.get())
    .filter((type) => typeof type === 'object' && type !== null && !Array.isArray(type) && type.type === 'record');
}

/** One random evolution step, of the kinds the resolution rules care about. */
function mutate(schema: Schema, random: Random, generator: SchemaGenerator): void {
  const slots = typeSlots(schema).slice(1);
  const recs = records(schema);
  switch (random.int(9)) {
    case 0: {
      const target = random.pick(recs);
      target.fields.push(generator.field(generator.fresh('n'), 2));
      return;
    }
    case 1: {
      const target = random.pick(recs);
      if (target.fields.length > 1) target.fields.splice(random.int(target.fields.length), 1);
      return;
    }
    case 2:
    case 3: {
      const primitiveSlots = slots.filter((slot) => typeof slot.get() === 'string' && slot.get() !== 'null');
      if (primitiveSlots.length > 0) random.pick(primitiveSlots).set(random.pick(primitives.slice(1)));
      return;
    }
    case 4: {
      const enums = slots.map((slot) => slot.get()).filter((type) => type?.type === 'enum');
      if (enums.length === 0) return;
      const target = random.pick(enums);
      if (random.chance(0.5) && target.symbols.length < symbolPool.length) target.symbols.push(symbolPool.find((s) => !target.symbols.includes(s)));
      else if (target.symbols.length > 1) target.symbols.pop();
      if (random.chance(0.3)) target.default = target.symbols[0];
      return;
    }
    case 5: {
      const plain = slots.filter((slot) => typeof slot.get() === 'string' && slot.get() !== 'null');
      if (plain.length > 0) {
        const slot = random.pick(plain);
        slot.set(['null', slot.get()]);
      }
      return;
    }
    case 6: {
      const unions = slots.filter((slot) => Array.isArray(slot.get()));
      if (unions.length > 0) {
        const slot = random.pick(unions);
        slot.set(random.chance(0.5) ? slot.get()[1] : [...slot.get(), slot.get().includes('boolean') ? 'bytes' : 'boolean']);
      }
      return;
    }
    case 7: {
      const fixed = slots.map((slot) => slot.get()).filter((type) => type?.type === 'fixed');
      if (fixed.length > 0) random.pick(fixed).size += 1;
      return;
    }
    default: {
      const target = random.pick(recs);
      if (random.chance(0.5)) target.name = generator.fresh('Renamed');
      else for (const f of target.fields) if (random.chance(0.5)) delete f.default;
    }
  }
}

/** avsc's verdict: can `reader` read what `writer` wrote? */
function avscReads(reader: Schema, writer: Schema): boolean {
  try {
    avro.Type.forSchema(reader).createResolver(avro.Type.forSchema(writer));
    return true;
  } catch {
    return false;
  }
}

function parses(schema: Schema): boolean {
  try {
    avro.Type.forSchema(schema);
    return true;
  } catch {
    return false;
  }
}

void test('Avro verdicts agree with avsc schema resolution on generated schema pairs', () => {
  const random = new Random(20_240_611);
  let compared = 0;
  let incompatible = 0;
  const disagreements: string[] = [];
  for (let i = 0; i < 400; i++) {
    const generator = new SchemaGenerator(random);
    const older = generator.record(0);
    const newer = structuredClone(older);
    for (let step = 1 + random.int(3); step > 0; step--) mutate(newer, random, generator);
    if (!parses(older) || !parses(newer)) continue;
    for (const [reader, writer, level] of [
      [newer, older, 'BACKWARD'],
      [older, newer, 'FORWARD'],
    ] as const) {
      const expected = avscReads(reader, writer);
      const actual = checkCompatibility('AVRO', level, newer, [older]).compatible;
      compared++;
      if (!expected) incompatible++;
      if (actual !== expected) disagreements.push(`${level} avsc=${expected} ours=${actual}\nold: ${JSON.stringify(older)}\nnew: ${JSON.stringify(newer)}`);
    }
  }
  assert.deepEqual(disagreements.slice(0, 3), []);
  // Both verdicts occur often enough for the agreement to mean something.
  assert.ok(compared >= 600, `compared ${compared}`);
  assert.ok(incompatible > compared / 5 && incompatible < (compared * 4) / 5, `incompatible ${incompatible} of ${compared}`);
});

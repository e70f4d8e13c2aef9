import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCompatibility } from '../../../src/domain/compatibility/index.ts';
import { assertRow, type Row } from './table.ts';

const str = { type: 'string' };
const num = { type: 'number' };
const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ type: 'object', properties, ...extra });
const closed = { additionalProperties: false };

// Each row is a schema change and the verdicts Confluent Schema Registry gives for it.
const contentModel: Row[] = [
  {
    name: 'adding an optional property to an open content model is not backward compatible',
    old: obj({ a: str }),
    new: obj({ a: str, b: num }),
    backward: false,
    forward: true,
    kinds: ['PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL'],
    paths: ['#/properties/b'],
  },
  {
    name: 'adding an optional property to a closed content model is backward compatible',
    old: obj({ a: str }, closed),
    new: obj({ a: str, b: num }, closed),
    backward: true,
    forward: false,
    forwardKinds: ['PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL'],
  },
  {
    name: 'adding a required property to a closed content model is not',
    old: obj({ a: str }, closed),
    new: obj({ a: str, b: num }, { ...closed, required: ['b'] }),
    backward: false,
    forward: false,
    kinds: ['REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL'],
  },
  {
    name: 'a required property with a default may be added to a closed content model',
    old: obj({ a: str }, closed),
    new: obj({ a: str, b: { type: 'number', default: 0 } }, { ...closed, required: ['b'] }),
    backward: true,
    forward: false,
  },
  {
    name: 'removing a property from an open content model is backward but not forward compatible',
    old: obj({ a: str, b: num }),
    new: obj({ a: str }),
    backward: true,
    forward: false,
    forwardKinds: ['PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL'],
  },
  {
    name: 'removing a property from a closed content model is forward but not backward compatible',
    old: obj({ a: str, b: num }, closed),
    new: obj({ a: str }, closed),
    backward: false,
    forward: true,
    kinds: ['PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL'],
    paths: ['#/properties/b'],
  },
  {
    name: 'a property with an empty schema may join an open content model',
    old: { additionalProperties: true },
    new: { additionalProperties: true, properties: { foo: true } },
    backward: true,
    forward: true,
  },
  {
    name: 'a property false may leave a closed content model',
    old: { additionalProperties: false, properties: { foo: false } },
    new: { additionalProperties: false },
    backward: true,
  },
  {
    name: 'a new property covered by the additionalProperties schema is compatible',
    old: obj({ foo: str }, { additionalProperties: str }),
    new: obj({ foo: str, bar: str }, { additionalProperties: str }),
    backward: true,
    forward: true,
  },
  {
    name: 'a new property the additionalProperties schema does not cover is not',
    old: obj({ foo: str }, { additionalProperties: str }),
    new: obj({ foo: str, bar: num }, { additionalProperties: str }),
    backward: false,
    forward: false,
    kinds: ['TYPE_CHANGED', 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'],
  },
  {
    name: 'a new required property covered by a partially open model is still a new requirement',
    old: obj({ foo: str }, { additionalProperties: str }),
    new: obj({ foo: str, bar: str }, { additionalProperties: str, required: ['bar'] }),
    backward: false,
    kinds: ['REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL'],
  },
  {
    name: 'patternProperties cover a new property whose schema they accept (integer widened to number)',
    old: obj({ foo: str }, { additionalProperties: false, patternProperties: { '^S_': str, '^I_': { type: 'integer' } } }),
    new: obj({ foo: str, I_123: num }, { additionalProperties: false, patternProperties: { '^S_': str, '^I_': { type: 'integer' } } }),
    backward: true,
  },
  {
    name: 'a property removed from a closed model is covered by a new additionalProperties schema',
    old: obj({ foo: str, bar: str }, closed),
    new: obj({ foo: str }, { additionalProperties: { oneOf: [{ type: 'null' }, str] } }),
    backward: true,
  },
  {
    name: 'closing an open content model is not backward compatible',
    old: { additionalProperties: true },
    new: { additionalProperties: false },
    backward: false,
    forward: true,
    kinds: ['ADDITIONAL_PROPERTIES_REMOVED'],
    paths: ['#/additionalProperties'],
  },
  {
    name: 'opening a closed content model is backward compatible',
    old: { properties: {}, additionalProperties: false },
    new: { properties: {} },
    backward: true,
    forward: false,
  },
  {
    name: 'giving additional properties a schema narrows an open model',
    old: { additionalProperties: true },
    new: { additionalProperties: num },
    backward: false,
    forward: true,
    kinds: ['ADDITIONAL_PROPERTIES_NARROWED'],
  },
  {
    name: 'changing the additionalProperties schema compares the schemas',
    old: { additionalProperties: str },
    new: { additionalProperties: num },
    backward: false,
    kinds: ['TYPE_CHANGED'],
    paths: ['#/additionalProperties'],
  },
  {
    name: 'an added property deep inside a nested open object is reported at its path',
    old: obj({ address: obj({ street: str }) }),
    new: obj({ address: obj({ street: str, zip: str }) }),
    backward: false,
    paths: ['#/properties/address/properties/zip'],
  },
];

const required: Row[] = [
  {
    name: 'making an optional property required is not backward compatible',
    old: obj({ foo: str }),
    new: obj({ foo: str }, { required: ['foo'] }),
    backward: false,
    forward: true,
    kinds: ['REQUIRED_ATTRIBUTE_ADDED'],
    paths: ['#/required/foo'],
  },
  {
    name: 'making a property required is fine when it has a default',
    old: obj({ foo: str }),
    new: obj({ foo: { type: 'string', default: 'x' } }, { required: ['foo'] }),
    backward: true,
  },
  {
    name: 'making a required property optional is backward but not forward compatible',
    old: obj({ foo: str }, { required: ['foo'] }),
    new: obj({ foo: str }),
    backward: true,
    forward: false,
    forwardKinds: ['REQUIRED_ATTRIBUTE_ADDED'],
  },
];

const types: Row[] = [
  { name: 'integer widened to number', old: { type: 'integer' }, new: num, backward: true, forward: false, forwardKinds: ['TYPE_NARROWED'] },
  { name: 'number narrowed to integer', old: num, new: { type: 'integer' }, backward: false, forward: true, kinds: ['TYPE_NARROWED'], paths: ['#/'] },
  { name: 'string changed to number', old: str, new: num, backward: false, forward: false, kinds: ['TYPE_CHANGED'] },
  { name: 'object changed to array', old: { type: 'object' }, new: { type: 'array' }, backward: false, kinds: ['TYPE_CHANGED'] },
  {
    name: 'a property changes type',
    old: obj({ foo: str }),
    new: obj({ foo: num }),
    backward: false,
    forward: false,
    kinds: ['TYPE_CHANGED'],
    paths: ['#/properties/foo'],
  },
  { name: 'a type widened to a type array that contains it', old: str, new: { type: ['string', 'null'] }, backward: true, forward: false },
  { name: 'a type array grows', old: { type: ['object'] }, new: { type: ['object', 'array'] }, backward: true },
  { name: 'anything may become the empty schema', old: { properties: {} }, new: {}, backward: true, forward: false },
  { name: 'the empty schema may not become a type', old: {}, new: str, backward: false, kinds: ['TYPE_CHANGED'] },
  { name: 'false may become anything', old: false, new: str, backward: true },
  {
    name: 'titles, descriptions and defaults may change',
    old: { type: 'string', title: 'a', description: 'b', default: 'c' },
    new: { type: 'string', title: 'x', description: 'y', default: 'z' },
    backward: true,
    forward: true,
  },
];

const enums: Row[] = [
  {
    name: 'an enum gains a value',
    old: { type: 'string', enum: ['red'] },
    new: { type: 'string', enum: ['red', 'blue'] },
    backward: true,
    forward: false,
    forwardKinds: ['ENUM_ARRAY_NARROWED'],
  },
  {
    name: 'an enum loses a value',
    old: { type: 'string', enum: ['red', 'blue'] },
    new: { type: 'string', enum: ['red'] },
    backward: false,
    forward: true,
    kinds: ['ENUM_ARRAY_NARROWED'],
    paths: ['#/enum'],
  },
  { name: 'an enum changes a value', old: { enum: ['red'] }, new: { enum: ['blue'] }, backward: false, forward: false, kinds: ['ENUM_ARRAY_CHANGED'] },
  { name: 'an enum dropped from a typed string only loosens it', old: { type: 'string', enum: ['red'] }, new: str, backward: true, forward: false },
  { name: 'an enum added to a typed string narrows it', old: str, new: { type: 'string', enum: ['red'] }, backward: false },
  {
    name: 'an explicit allOf with an enum gains a value',
    old: { allOf: [str, { enum: ['red'] }] },
    new: { allOf: [{ enum: ['red', 'blue'] }, str] },
    backward: true,
  },
  {
    name: 'an explicit allOf with an enum changes a value',
    old: { allOf: [str, { enum: ['red'] }] },
    new: { allOf: [str, { enum: ['blue'] }] },
    backward: false,
    kinds: ['ENUM_ARRAY_CHANGED'],
    paths: ['#/allOf/1/enum'],
  },
  {
    name: 'a const changes',
    old: { properties: { foo: { const: 'red' } } },
    new: { properties: { foo: { const: 'blue' } } },
    backward: false,
    kinds: ['ENUM_ARRAY_CHANGED'],
    paths: ['#/properties/foo/const'],
  },
];

const ranges: Row[] = [
  {
    name: 'maxLength decreased',
    old: { type: 'string', maxLength: 12 },
    new: { type: 'string', maxLength: 10 },
    backward: false,
    forward: true,
    kinds: ['MAX_LENGTH_DECREASED'],
    paths: ['#/maxLength'],
  },
  {
    name: 'maxLength increased',
    old: { type: 'string', maxLength: 10 },
    new: { type: 'string', maxLength: 12 },
    backward: true,
    forward: false,
    forwardKinds: ['MAX_LENGTH_DECREASED'],
  },
  { name: 'maxLength added', old: str, new: { type: 'string', maxLength: 3 }, backward: false, forward: true, kinds: ['MAX_LENGTH_ADDED'] },
  {
    name: 'minLength increased',
    old: { type: 'string', minLength: 10 },
    new: { type: 'string', minLength: 11 },
    backward: false,
    forward: true,
    kinds: ['MIN_LENGTH_INCREASED'],
  },
  { name: 'minLength decreased', old: { type: 'string', minLength: 11 }, new: { type: 'string', minLength: 10 }, backward: true },
  { name: 'pattern added', old: str, new: { type: 'string', pattern: '^a' }, backward: false, forward: true, kinds: ['PATTERN_ADDED'] },
  { name: 'pattern removed', old: { type: 'string', pattern: '^a' }, new: str, backward: true, forward: false },
  {
    name: 'pattern changed',
    old: { type: 'string', pattern: '^a' },
    new: { type: 'string', pattern: '^b' },
    backward: false,
    forward: false,
    kinds: ['PATTERN_CHANGED'],
  },
  {
    name: 'maximum decreased',
    old: { type: 'number', maximum: 11 },
    new: { type: 'number', maximum: 10 },
    backward: false,
    forward: true,
    kinds: ['MAXIMUM_DECREASED'],
  },
  { name: 'maximum increased', old: { type: 'number', maximum: 10 }, new: { type: 'number', maximum: 11 }, backward: true, forward: false },
  { name: 'maximum removed', old: { type: 'number', maximum: 10 }, new: num, backward: true },
  { name: 'minimum increased', old: { type: 'number', minimum: 10 }, new: { type: 'number', minimum: 11 }, backward: false, kinds: ['MINIMUM_INCREASED'] },
  { name: 'minimum decreased', old: { type: 'number', minimum: 11 }, new: { type: 'number', minimum: 10 }, backward: true, forward: false },
  { name: 'exclusiveMinimum added', old: num, new: { type: 'number', exclusiveMinimum: 0 }, backward: false, kinds: ['EXCLUSIVE_MINIMUM_ADDED'] },
  {
    name: 'exclusiveMaximum decreased',
    old: { type: 'number', exclusiveMaximum: 10 },
    new: { type: 'number', exclusiveMaximum: 5 },
    backward: false,
    forward: true,
    kinds: ['EXCLUSIVE_MAXIMUM_DECREASED'],
  },
  { name: 'exclusiveMaximum increased', old: { type: 'number', exclusiveMaximum: 5 }, new: { type: 'number', exclusiveMaximum: 10 }, backward: true },
  {
    name: 'multipleOf reduced to a divisor',
    old: { type: 'number', multipleOf: 10 },
    new: { type: 'number', multipleOf: 2 },
    backward: true,
    forward: false,
    forwardKinds: ['MULTIPLE_OF_EXPANDED'],
  },
  {
    name: 'multipleOf expanded to a multiple',
    old: { type: 'number', multipleOf: 10 },
    new: { type: 'number', multipleOf: 20 },
    backward: false,
    kinds: ['MULTIPLE_OF_EXPANDED'],
  },
  {
    name: 'multipleOf changed to an unrelated number',
    old: { type: 'number', multipleOf: 10 },
    new: { type: 'number', multipleOf: 11 },
    backward: false,
    forward: false,
    kinds: ['MULTIPLE_OF_CHANGED'],
  },
  {
    name: 'a fractional multipleOf reduced',
    old: { type: 'number', multipleOf: 0.5 },
    new: { type: 'number', multipleOf: 0.1 },
    backward: true,
    forward: false,
  },
  { name: 'multipleOf added', old: num, new: { type: 'number', multipleOf: 5 }, backward: false, forward: true, kinds: ['MULTIPLE_OF_ADDED'] },
  { name: 'maxProperties decreased', old: { maxProperties: 2 }, new: { maxProperties: 1 }, backward: false, kinds: ['MAX_PROPERTIES_DECREASED'] },
  { name: 'minProperties decreased', old: { minProperties: 2 }, new: { minProperties: 1 }, backward: true },
];

const arrays: Row[] = [
  {
    name: 'array items change type',
    old: { type: 'array', items: str },
    new: { type: 'array', items: num },
    backward: false,
    kinds: ['TYPE_CHANGED'],
    paths: ['#/items'],
  },
  { name: 'array items widen', old: { type: 'array', items: { type: 'integer' } }, new: { type: 'array', items: num }, backward: true, forward: false },
  { name: 'an items schema is added', old: { type: 'array' }, new: { type: 'array', items: str }, backward: false, forward: true, kinds: ['SCHEMA_ADDED'] },
  { name: 'an items schema is removed', old: { type: 'array', items: str }, new: { type: 'array' }, backward: true, forward: false },
  { name: 'minItems increased', old: { type: 'array', minItems: 1 }, new: { type: 'array', minItems: 2 }, backward: false, kinds: ['MIN_ITEMS_INCREASED'] },
  {
    name: 'maxItems decreased',
    old: { type: 'array', maxItems: 2 },
    new: { type: 'array', maxItems: 1 },
    backward: false,
    forward: true,
    kinds: ['MAX_ITEMS_DECREASED'],
  },
  {
    name: 'uniqueItems added',
    old: { type: 'array' },
    new: { type: 'array', uniqueItems: true },
    backward: false,
    forward: true,
    kinds: ['UNIQUE_ITEMS_ADDED'],
  },
  {
    name: 'a tuple item is added to a closed tuple',
    old: { type: 'array', items: [str], additionalItems: false },
    new: { type: 'array', items: [str, num], additionalItems: false },
    backward: true,
    forward: false,
    forwardKinds: ['ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL'],
  },
  {
    name: 'a tuple item is added to an open tuple',
    old: { type: 'array', items: [str] },
    new: { type: 'array', items: [str, num] },
    backward: false,
    forward: true,
    kinds: ['ITEM_ADDED_TO_OPEN_CONTENT_MODEL'],
    paths: ['#/items/1'],
  },
  {
    name: 'a tuple item covered by additionalItems',
    old: { type: 'array', items: [str, num], additionalItems: str },
    new: { type: 'array', items: [str, num, str], additionalItems: str },
    backward: true,
  },
  {
    name: 'a tuple item not covered by additionalItems',
    old: { type: 'array', items: [str, num], additionalItems: str },
    new: { type: 'array', items: [str, num, num], additionalItems: str },
    backward: false,
    kinds: ['TYPE_CHANGED', 'ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'],
  },
  {
    name: 'a tuple item changes type',
    old: { type: 'array', items: [str] },
    new: { type: 'array', items: [num] },
    backward: false,
    kinds: ['TYPE_CHANGED'],
    paths: ['#/items/0'],
  },
  { name: 'additionalItems closed', old: { additionalItems: true }, new: { additionalItems: false }, backward: false, kinds: ['ADDITIONAL_ITEMS_REMOVED'] },
  {
    name: 'draft 2020-12 prefixItems grow a closed tuple',
    old: { type: 'array', prefixItems: [str], items: false },
    new: { type: 'array', prefixItems: [str, num], items: false },
    backward: true,
    forward: false,
  },
];

const references: Row[] = [
  {
    name: 'a referenced definition changes type',
    old: { type: 'array', items: { $ref: '#/definitions/someRef' }, definitions: { someRef: str } },
    new: { type: 'array', items: { $ref: '#/definitions/someRef' }, definitions: { someRef: num } },
    backward: false,
    kinds: ['TYPE_CHANGED'],
    paths: ['#/items'],
  },
  {
    name: 'moving a schema into $defs changes nothing',
    old: obj({ name: str }),
    new: { $ref: '#/$defs/person', $defs: { person: obj({ name: str }) } },
    backward: true,
    forward: true,
  },
  {
    name: 'a referenced definition gains a property on an open model',
    old: obj({ owner: { $ref: '#/$defs/person' } }, { $defs: { person: obj({ name: str }) } }),
    new: obj({ owner: { $ref: '#/$defs/person' } }, { $defs: { person: obj({ name: str, age: num }) } }),
    backward: false,
    kinds: ['PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL'],
    paths: ['#/properties/owner/properties/age'],
  },
];

const combined: Row[] = [
  { name: 'a type widened to a oneOf that contains it', old: str, new: { oneOf: [num, str] }, backward: true, forward: false },
  { name: 'a oneOf gains a branch', old: { oneOf: [num] }, new: { oneOf: [str, num] }, backward: true, forward: false, forwardKinds: ['SUM_TYPE_NARROWED'] },
  { name: 'a oneOf loses a branch', old: { oneOf: [num, str] }, new: { oneOf: [str] }, backward: false, kinds: ['SUM_TYPE_NARROWED'] },
  { name: 'a oneOf branch changes', old: { oneOf: [str] }, new: { oneOf: [num] }, backward: false, kinds: ['COMBINED_TYPE_SUBSCHEMAS_CHANGED'] },
  { name: 'oneOf becomes anyOf', old: { oneOf: [str] }, new: { anyOf: [str] }, backward: true },
  { name: 'anyOf of two becomes a oneOf', old: { anyOf: [num, str] }, new: { oneOf: [str] }, backward: false, kinds: ['COMBINED_TYPE_CHANGED'] },
  { name: 'allOf gains a part', old: { allOf: [str] }, new: { allOf: [{ enum: ['one', 'two'] }, str] }, backward: false, kinds: ['PRODUCT_TYPE_EXTENDED'] },
  { name: 'allOf loses a part', old: { allOf: [{ enum: ['one', 'two'] }, str] }, new: { allOf: [str] }, backward: true, forward: false },
  { name: 'duplicate subschemas count once', old: { allOf: [str, str] }, new: { allOf: [str] }, backward: true, forward: true },
  { name: 'not forbids less', old: { not: num }, new: { not: { type: 'integer' } }, backward: true, forward: false },
  { name: 'not forbids more', old: { not: { type: 'integer' } }, new: { not: num }, backward: false, kinds: ['NOT_TYPE_EXTENDED'] },
];

const dependencies: Row[] = [
  {
    name: 'a dependency array is added',
    old: obj({ foo: num, bar: str }),
    new: obj({ foo: num, bar: str }, { dependencies: { foo: ['bar'] } }),
    backward: false,
    kinds: ['DEPENDENCY_ARRAY_ADDED'],
  },
  {
    name: 'a dependency schema is removed',
    old: { dependencies: { foo: str, bar: str } },
    new: { dependencies: { foo: str } },
    backward: true,
    forward: false,
  },
  {
    name: 'a dependency schema changes type',
    old: { dependencies: { foo: str } },
    new: { dependencies: { foo: num } },
    backward: false,
    kinds: ['TYPE_CHANGED'],
    paths: ['#/dependencies/foo'],
  },
];

const groups = { contentModel, required, types, enums, ranges, arrays, references, combined, dependencies };
for (const [group, rows] of Object.entries(groups)) {
  for (const row of rows) {
    void test(`JSON ${group}: ${row.name}`, () => assertRow('JSON', row));
  }
}

void test('the open content model complaint: BACKWARD and FULL reject, FORWARD and NONE accept, and the message says how to evolve', () => {
  const v1 = { type: 'object', properties: { name: str } };
  const v2 = { type: 'object', properties: { name: str, age: { type: 'integer' } } };
  const verdicts = Object.fromEntries(
    (['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'] as const).map((level) => [
      level,
      checkCompatibility('JSON', level, v2, [v1]).compatible,
    ]),
  );
  assert.deepEqual(verdicts, {
    BACKWARD: false,
    BACKWARD_TRANSITIVE: false,
    FORWARD: true,
    FORWARD_TRANSITIVE: true,
    FULL: false,
    FULL_TRANSITIVE: false,
    NONE: true,
  });
  const [message] = checkCompatibility('JSON', 'BACKWARD', v2, [v1]).messages;
  assert.equal(message?.path, '#/properties/age');
  assert.match(message?.message ?? '', /"additionalProperties": false/);
  assert.match(message?.message ?? '', /FORWARD/);
  // The advice works: the same change on a model closed from the start is accepted.
  const closedV1 = { ...v1, additionalProperties: false };
  const closedV2 = { ...v2, additionalProperties: false };
  assert.equal(checkCompatibility('JSON', 'BACKWARD', closedV2, [closedV1]).compatible, true);
  // And so is declaring the new property with an empty schema.
  assert.equal(checkCompatibility('JSON', 'BACKWARD', { ...v1, properties: { name: str, age: {} } }, [v1]).compatible, true);
});

void test('recursive schemas compare without looping and find changes deep inside', () => {
  const tree = (valueType: string): unknown => ({
    $ref: '#/$defs/node',
    $defs: {
      node: {
        type: 'object',
        properties: { value: { type: valueType }, children: { type: 'array', items: { $ref: '#/$defs/node' } } },
        additionalProperties: false,
      },
    },
  });
  assert.equal(checkCompatibility('JSON', 'FULL', tree('string'), [tree('string')]).compatible, true);
  assert.equal(checkCompatibility('JSON', 'BACKWARD', tree('number'), [tree('integer')]).compatible, true);
  const result = checkCompatibility('JSON', 'BACKWARD', tree('integer'), [tree('number')]);
  assert.equal(result.compatible, false);
  assert.deepEqual(
    result.messages.map((m) => `${m.kind} ${m.path}`),
    ['TYPE_NARROWED #/properties/value'],
  );
  const selfRef = { type: 'object', properties: { next: { $ref: '#' }, n: num } };
  assert.equal(checkCompatibility('JSON', 'FULL', selfRef, [selfRef]).compatible, true);
});

void test('references outside the document are compared by name', () => {
  const external = (ref: string): unknown => obj({ a: { $ref: ref } });
  assert.equal(checkCompatibility('JSON', 'BACKWARD', external('other.json#/x'), [external('other.json#/x')]).compatible, true);
  assert.equal(checkCompatibility('JSON', 'BACKWARD', external('other.json#/y'), [external('other.json#/x')]).compatible, false);
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { checkCompatibility } from '../../../src/domain/compatibility/index.ts';

// Protects the worked examples in docs/schemas.md: each failing change and each suggested way
// to evolve instead gives the verdict the page promises.

const doc = readFileSync(new URL('../../../docs/schemas.md', import.meta.url), 'utf8');

/** Whether the page quotes the start of a message, as it appears inside a JSON string. */
const quoted = (message: string, length: number): boolean => doc.includes(JSON.stringify(message).slice(1, length + 1));

void test('docs/schemas.md: the Avro field example and its fix', () => {
  const v1 = { type: 'record', name: 'User', fields: [{ name: 'id', type: 'long' }] };
  const broken = { ...v1, fields: [...v1.fields, { name: 'email', type: 'string' }] };
  const fixed = { ...v1, fields: [...v1.fields, { name: 'email', type: ['null', 'string'], default: null }] };
  const [message] = checkCompatibility('AVRO', 'BACKWARD', broken, [v1]).messages;
  assert.equal(message?.path, '/fields/1');
  assert.equal(message?.kind, 'READER_FIELD_MISSING_DEFAULT_VALUE');
  assert.ok(quoted(message.message, 120), 'the page quotes the real message');
  assert.equal(checkCompatibility('AVRO', 'FULL', fixed, [v1]).compatible, true);
});

void test('docs/schemas.md: the open content model example, its verdict per level and each way out', () => {
  const name = { type: 'string' };
  const v1 = { type: 'object', properties: { name } };
  const v2 = { type: 'object', properties: { name, age: { type: 'integer' } } };
  const result = checkCompatibility('JSON', 'BACKWARD', v2, [v1]);
  const [message] = result.messages;
  assert.equal(result.compatible, false);
  assert.equal(message?.kind, 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL');
  assert.ok(quoted(message.message, 200), 'the page quotes the real message');
  // 1. closed from the first version
  const closed = (schema: object): object => ({ ...schema, additionalProperties: false });
  assert.equal(checkCompatibility('JSON', 'BACKWARD', closed(v2), [closed(v1)]).compatible, true);
  assert.equal(checkCompatibility('JSON', 'BACKWARD', closed(v1), [v1]).compatible, false, 'closing an open model later is incompatible');
  // 2. partially open from the start
  const partial = (schema: object): object => ({ ...schema, additionalProperties: { type: 'integer' } });
  assert.equal(checkCompatibility('JSON', 'BACKWARD', partial(v2), [partial(v1)]).compatible, true);
  // 3. the empty schema now, tightened later only under FORWARD
  const loose = { type: 'object', properties: { name, age: {} } };
  assert.equal(checkCompatibility('JSON', 'BACKWARD', loose, [v1]).compatible, true);
  assert.equal(checkCompatibility('JSON', 'BACKWARD', v2, [loose]).compatible, false);
  assert.equal(checkCompatibility('JSON', 'FORWARD', v2, [loose]).compatible, true);
  // 4. FORWARD accepts the change, FULL does not
  assert.equal(checkCompatibility('JSON', 'FORWARD', v2, [v1]).compatible, true);
  assert.equal(checkCompatibility('JSON', 'FULL', v2, [v1]).compatible, false);
  // 5. a default does not help an open model
  const withDefault = { type: 'object', properties: { name, age: { type: 'integer', default: 0 } } };
  assert.equal(checkCompatibility('JSON', 'BACKWARD', withDefault, [v1]).compatible, false);
});

void test('docs/schemas.md: the Protobuf type change example and its fix', () => {
  const parse = (text: string): unknown => protobuf.parse(`syntax = "proto3"; ${text}`).root.toJSON();
  const v1 = parse('message Order { string id = 1; int32 qty = 2; }');
  const broken = parse('message Order { string id = 1; string qty = 2; }');
  const fixed = parse('message Order { string id = 1; reserved 2; string qty_text = 3; }');
  const [message] = checkCompatibility('PROTOBUF', 'BACKWARD', broken, [v1]).messages;
  assert.equal(message?.kind, 'FIELD_SCALAR_KIND_CHANGED');
  assert.ok(quoted(message.message, 120), 'the page quotes the real message');
  assert.equal(checkCompatibility('PROTOBUF', 'FULL', fixed, [v1], { protobufReservedNumbers: 'enforce' }).compatible, true);
});

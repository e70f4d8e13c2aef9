/**
 * Avro schemas (without references) used to be stored in avsc's form; they are now stored as
 * written. A schema registered again must still match the version an earlier release stored,
 * with its id, so upgrading changes no ids and makes no new versions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameSchema } from '../../src/services/registry.ts';
import { SchemaCompiler } from '../../src/services/schemas/schema-compiler.ts';
import type { SchemaDoc } from '../../src/domain/catalog-docs.ts';

void test('an Avro schema matches the version an earlier release stored in avsc form, and only that one', () => {
  const compiler = new SchemaCompiler();
  const fruit = {
    type: 'record',
    name: 'Fruit',
    fields: [
      { name: 'name', type: 'string', doc: 'its name' },
      { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    ],
  };
  const { text, former } = compiler.stored('AVRO', JSON.stringify(fruit));
  assert.ok(former !== undefined && former !== text, 'the two forms differ');
  const storedBefore: SchemaDoc = { id: 7, tenant: 'acme', format: 'AVRO', schema: former, fingerprint: 'f' };
  assert.equal(sameSchema(storedBefore, text, [], former), true, 'registered again: the old version matches');
  assert.equal(sameSchema(storedBefore, text, []), false, 'without the former form it would not');
  const other = { ...fruit, fields: [fruit.fields[0]] };
  const otherStored = compiler.stored('AVRO', JSON.stringify(other));
  assert.equal(sameSchema(storedBefore, otherStored.text, [], otherStored.former), false);
  assert.equal(compiler.stored('JSON', { type: 'object' }).former, undefined, 'JSON Schema was always stored as written');
});

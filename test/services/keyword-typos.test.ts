import assert from 'node:assert/strict';
import { test } from 'node:test';
import { misspelledKeywords } from '../../src/services/schemas/keyword-typos.ts';

void test('misspelled keywords are found where schemas are, with what was meant', () => {
  const found = misspelledKeywords({
    type: 'object',
    propertes: { a: { type: 'string' } },
    properties: { name: { type: 'string', maxLenght: 5 }, list: { type: 'array', itmes: { type: 'integer' } } },
    allOf: [{ requird: ['name'] }],
  });
  assert.deepEqual(
    found.map((f) => f.path),
    ['/propertes', '/properties/name/maxLenght', '/properties/list/itmes', '/allOf/0/requird'],
  );
  assert.match(found[0]!.reason, /did you mean "properties"/);
  assert.match(found[1]!.reason, /did you mean "maxLength"/);
});

void test('property names, values and other vocabularies are not keywords', () => {
  assert.deepEqual(
    misspelledKeywords({
      type: 'object',
      // Property names that look like keywords are property names.
      properties: { propertes: { type: 'string' }, itmes: { type: 'array' } },
      required: ['propertes'],
      enum: [{ propertes: 1 }],
      default: { requird: true },
      example: { a: 1 },
      nullable: true,
      'x-propertes': 1,
      javaType: 'com.example.A',
      'connect.type': 'int8',
    }),
    [],
  );
});

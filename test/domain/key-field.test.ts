import assert from 'node:assert/strict';
import { test } from 'node:test';
import { optionalKeySegment } from '../../src/domain/key-field.ts';

const nested = {
  type: 'object',
  required: ['user'],
  properties: { user: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, 'a/b': { type: 'string' } } } },
};

void test('a key field required at every level is carried by every event', () => {
  assert.equal(optionalKeySegment(nested, '/user/id'), undefined);
  assert.equal(optionalKeySegment({ type: 'object', required: ['name'], properties: { name: {} } }, '/name'), undefined);
});

void test('the first level that does not require the key field is named', () => {
  assert.equal(optionalKeySegment({ type: 'object', properties: { name: {} } }, '/name'), 'name');
  assert.equal(optionalKeySegment(nested, '/user/a~1b'), 'a/b');
  assert.equal(optionalKeySegment({ ...nested, required: [] }, '/user/id'), 'user');
});

void test('a schema whose shape is not written out plainly is given the benefit of the doubt', () => {
  assert.equal(optionalKeySegment({ allOf: [{ $ref: '#/$defs/x' }] }, '/name'), undefined);
  assert.equal(optionalKeySegment(true, '/name'), undefined);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnswerContentTypes, answerType } from '../../../src/edges/http/routes/confluent-accept.ts';

const vnd = 'application/vnd.schemaregistry.v1+json; charset=utf-8';

void test('the remembered Content-Type is answerType with the charset, the same for a header seen before, and none when neither type is accepted', () => {
  const types = new AnswerContentTypes();
  const accepts = [
    undefined,
    '',
    '*/*',
    'application/json',
    'application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json',
    'application/json;q=0, */*;q=0.1',
    'text/plain;q=1, application/json;q=0.2',
    'text/html',
  ];
  for (let round = 0; round < 2; round++) {
    for (const accept of accepts) {
      const type = answerType(accept);
      assert.equal(types.of(accept), type === undefined ? undefined : `${type}; charset=utf-8`, `round ${round}: ${String(accept)}`);
    }
  }
  assert.equal(types.of(undefined), vnd);
  assert.equal(types.of('text/html'), undefined);
});

void test('past the headers it remembers, each Accept is still negotiated', () => {
  const types = new AnswerContentTypes();
  for (let i = 0; i < 1000; i++) assert.equal(types.of(`application/x-${i}, application/json`), 'application/json; charset=utf-8');
  assert.equal(types.of('text/html'), undefined);
  assert.equal(types.of('application/vnd.schemaregistry+json'), vnd);
});

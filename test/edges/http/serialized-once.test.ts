import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SerializedOnce } from '../../../src/edges/http/serialized-once.ts';

void test('an answer is serialised once: the same bytes for the same object, its own bytes for another', () => {
  const bytes = new SerializedOnce();
  const answer = Object.freeze({ schema: '{"type":"string"}', schemaType: 'JSON' });
  const first = bytes.of(answer);
  assert.equal(first.toString('utf8'), JSON.stringify(answer));
  assert.equal(bytes.of(answer), first, 'the same Buffer, not a new one');
  const other = Object.freeze({ schema: '"string"' });
  assert.equal(bytes.of(other).toString('utf8'), '{"schema":"\\"string\\""}');
  assert.equal(bytes.of({ ...answer }).toString('utf8'), first.toString('utf8'));
  assert.notEqual(bytes.of({ ...answer }), first, 'an equal object is another answer');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deserializeError, serializeError } from '../../../src/adapters/sqlite/thread/protocol.ts';
import { SluiceError } from '../../../src/domain/errors.ts';
import { CatalogConflict } from '../../../src/ports/catalog.ts';
import { StoreUnavailable } from '../../../src/ports/errors.ts';

/** What the main thread sees of an error thrown in the store thread (the message is cloned in between). */
const across = (error: unknown): Error => deserializeError(structuredClone(serializeError(error)));

void test('errors callers test by class cross the store thread as that class, with their fields', () => {
  const sluice = across(new SluiceError('overloaded', 'busy', { retryAfter: 2, details: [{ path: '/a', reason: 'b' }] }));
  assert.ok(sluice instanceof SluiceError);
  assert.deepEqual([sluice.code, sluice.message, sluice.retryAfter, sluice.details], ['overloaded', 'busy', 2, [{ path: '/a', reason: 'b' }]]);

  const conflict = across(new CatalogConflict('schema', 'acme/fruits/1'));
  assert.ok(conflict instanceof CatalogConflict);
  assert.deepEqual([conflict.kind, conflict.key, conflict.message], ['schema', 'acme/fruits/1', 'catalog entry schema/acme/fruits/1 already exists']);

  assert.ok(across(new StoreUnavailable('disk gone')) instanceof StoreUnavailable);
});

void test('any other error arrives as a plain Error with its name and message', () => {
  const other = across(new RangeError('out of range'));
  assert.equal(other.constructor, Error);
  assert.deepEqual([other.name, other.message], ['RangeError', 'out of range']);
  assert.equal(across('a string').message, 'a string');
});

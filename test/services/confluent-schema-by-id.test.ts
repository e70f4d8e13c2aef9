/**
 * ConfluentRegistry.schemaById keeps one answer per stored schema document, which the HTTP
 * route turns into bytes once. The answer must follow the catalog: a document written again
 * (another process replaying the catalog) or removed is never answered from what was kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openInProcessStore } from '../../src/adapters/sqlite/store.ts';
import { ConfluentRegistry } from '../../src/services/confluent/schema-registry.ts';
import { ConfluentError } from '../../src/services/confluent/errors.ts';
import { TypeRegistry } from '../../src/services/registry.ts';
import { TenantService } from '../../src/services/tenants.ts';
import { tempDataDir } from '../adapters/sqlite/sqlite-harness.ts';

const notFound = (error: unknown): boolean => error instanceof ConfluentError && error.errorCode === 40403;

void test('schemaById answers the same frozen object while the stored schema stays, and follows the catalog when it changes or goes', async (t) => {
  const store = openInProcessStore(tempDataDir(t));
  t.after(() => store.close());
  const types = new TypeRegistry(store.catalog, store.log);
  const registry = new ConfluentRegistry(store.catalog, store.log, types);
  const tenants = new TenantService(store.catalog, store.log, 'admin-token');
  await tenants.createTenant('acme', undefined);
  await tenants.createTenant('globex', undefined);
  const { schemaId } = await types.putType('acme', 'fruits', { schema: { type: 'object', properties: { name: { type: 'string' } } } });
  const id = String(schemaId);

  const first = registry.schemaById('acme', id);
  assert.equal(registry.schemaById('acme', id), first, 'the same answer while the schema is stored');
  assert.ok(Object.isFrozen(first));
  assert.deepEqual(first, { schemaType: 'JSON', schema: '{"properties":{"name":{"type":"string"}},"type":"object"}' });
  assert.throws(() => registry.schemaById('globex', id), notFound, 'another tenant learns nothing');

  const stored = store.catalog.get('schema', id)!.value;
  await store.catalog.put('schema', id, { ...stored, metadata: { properties: { owner: 'team-a' } } });
  const rewritten = registry.schemaById('acme', id);
  assert.notEqual(rewritten, first, 'a document written again is answered anew');
  assert.deepEqual(rewritten.metadata, { properties: { owner: 'team-a' } });

  await store.catalog.put('schema', id, { ...stored, tenant: 'globex' });
  assert.throws(() => registry.schemaById('acme', id), notFound, 'a document now of another tenant is not answered to the first');
  assert.deepEqual(registry.schemaById('globex', id).schema, first.schema);

  await store.catalog.delete('schema', id);
  assert.throws(() => registry.schemaById('acme', id), notFound, 'a removed document is not answered from what was kept');
  assert.throws(() => registry.schemaById('globex', id), notFound);
});

/**
 * TenantService remembers verified keys by the whole token as sent, so a known token costs
 * one lookup. What it remembers must never outlive the key or stand for another secret.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openInProcessStore } from '../../src/adapters/sqlite/store.ts';
import { TenantService } from '../../src/services/tenants.ts';
import { tempDataDir } from '../adapters/sqlite/sqlite-harness.ts';

void test('a remembered token answers its key until the key is revoked or changed, and only its own secret does', async (t) => {
  const store = openInProcessStore(tempDataDir(t));
  t.after(() => store.close());
  const tenants = new TenantService(store.catalog, store.log, 'admin-token');
  await tenants.createTenant('acme', undefined);
  const created = await tenants.createKey('acme', ['consume']);
  const [, keyId, secret] = created.key.split('.') as [string, string, string];
  const expected = { kind: 'key', tenant: 'acme', keyId, scopes: ['consume'] };
  for (let i = 0; i < 3; i++) assert.deepEqual(tenants.authenticate(created.key), expected);
  assert.deepEqual(tenants.authenticateKey(keyId, secret), expected, 'HTTP Basic: the same key');
  assert.equal(tenants.authenticate(`${created.key}x`), undefined, 'another secret of the same key id');
  assert.equal(tenants.authenticate(`sk.${keyId}.${secret}.x`), undefined, 'more segments is not a key');
  assert.deepEqual(tenants.authenticate('admin-token'), { kind: 'admin' });

  // A changed key (its scopes) is read again on the next call.
  const doc = store.catalog.get('api-key', keyId)!.value;
  await store.catalog.put('api-key', keyId, { ...doc, scopes: ['consume', 'produce'] });
  assert.deepEqual(tenants.authenticate(created.key), { ...expected, scopes: ['consume', 'produce'] });

  await tenants.revokeKey('acme', keyId);
  assert.equal(tenants.authenticate(created.key), undefined, 'revoked: the remembered token answers nobody');
  assert.equal(tenants.authenticateKey(keyId, secret), undefined);
});

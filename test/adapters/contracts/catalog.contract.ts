import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TenantDoc } from '../../../src/domain/catalog-docs.ts';
import type { Catalog, CatalogChange } from '../../../src/ports/catalog.ts';
import { CatalogConflict } from '../../../src/ports/catalog.ts';
import { uniquePrefix, type OpenPort } from './harness.ts';

function tenant(id: string, name = id): TenantDoc {
  return { id, name, createdAt: '2026-01-31T12:00:00.000Z' };
}

/** What every Catalog adapter must do. Each test uses keys under its own prefix. */
export function catalogContract(name: string, open: OpenPort<Catalog>): void {
  void describe(`Catalog contract: ${name}`, () => {
    void test('put then get returns the entry with its revision', async (t) => {
      const { port: catalog } = await open(t);
      const key = `${uniquePrefix()}-acme`;
      assert.equal(catalog.get('tenant', key), undefined);
      const entry = await catalog.put('tenant', key, tenant(key, 'Acme'));
      assert.equal(entry.kind, 'tenant');
      assert.equal(entry.key, key);
      assert.deepEqual(entry.value, tenant(key, 'Acme'));
      assert.ok(Number.isInteger(entry.revision) && entry.revision > 0);
      assert.deepEqual(catalog.get('tenant', key), entry);
    });

    void test('kinds are separate namespaces', async (t) => {
      const { port: catalog } = await open(t);
      const key = `${uniquePrefix()}/1`;
      await catalog.put('schema-fingerprint', key, { id: 1 });
      assert.equal(catalog.get('tenant', key), undefined);
      assert.deepEqual(catalog.list('tenant', key), []);
      assert.deepEqual(catalog.get('schema-fingerprint', key)?.value, { id: 1 });
    });

    void test('put replaces the value and raises the revision', async (t) => {
      const { port: catalog } = await open(t);
      const prefix = uniquePrefix();
      const first = await catalog.put('tenant', `${prefix}-a`, tenant('a', 'one'));
      const other = await catalog.put('tenant', `${prefix}-b`, tenant('b'));
      const second = await catalog.put('tenant', `${prefix}-a`, tenant('a', 'two'));
      assert.ok(other.revision > first.revision, 'revisions increase across keys');
      assert.ok(second.revision > other.revision, 'an update gets a newer revision than anything before');
      assert.equal(catalog.get('tenant', `${prefix}-a`)?.value.name, 'two');
      assert.equal(catalog.get('tenant', `${prefix}-a`)?.revision, second.revision);
    });

    void test('list filters by key prefix', async (t) => {
      const { port: catalog } = await open(t);
      const prefix = uniquePrefix();
      for (const key of [`${prefix}/acme/b`, `${prefix}/acme/a`, `${prefix}/acme-2/a`, `${prefix}/other/a`]) await catalog.put('tenant', key, tenant(key));
      const keys = (prefixed: string): string[] =>
        catalog
          .list('tenant', prefixed)
          .map((entry) => entry.key)
          .sort();
      assert.deepEqual(keys(`${prefix}/acme/`), [`${prefix}/acme/a`, `${prefix}/acme/b`]);
      assert.deepEqual(keys(`${prefix}/acme`), [`${prefix}/acme-2/a`, `${prefix}/acme/a`, `${prefix}/acme/b`]);
      assert.deepEqual(keys(`${prefix}/nobody/`), []);
      assert.ok(keys('').length >= 4, 'no prefix lists everything');
      assert.deepEqual(catalog.list('tenant', `${prefix}/acme/a`)[0]?.value, tenant(`${prefix}/acme/a`));
    });

    void test('delete removes the entry; deleting a missing entry is fine', async (t) => {
      const { port: catalog } = await open(t);
      const key = `${uniquePrefix()}-gone`;
      await catalog.put('tenant', key, tenant(key));
      await catalog.delete('tenant', key);
      assert.equal(catalog.get('tenant', key), undefined);
      assert.deepEqual(catalog.list('tenant', key), []);
      await catalog.delete('tenant', key);
      await catalog.delete('api-key', `${key}-never-existed`);
    });

    void test('put with ifAbsent refuses an existing entry with CatalogConflict and changes nothing', async (t) => {
      const { port: catalog } = await open(t);
      const key = `${uniquePrefix()}-once`;
      const created = await catalog.put('tenant', key, tenant(key, 'first'), { ifAbsent: true });
      await assert.rejects(
        catalog.put('tenant', key, tenant(key, 'second'), { ifAbsent: true }),
        (error) => error instanceof CatalogConflict && error.message.includes(key),
      );
      assert.deepEqual(catalog.get('tenant', key), created);
      await catalog.delete('tenant', key);
      const again = await catalog.put('tenant', key, tenant(key, 'third'), { ifAbsent: true });
      assert.equal(again.value.name, 'third', 'after a delete the key is free again');
    });

    void test('concurrent ifAbsent puts of one key: exactly one wins', async (t) => {
      const { port: catalog } = await open(t);
      const key = `${uniquePrefix()}-race`;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) => catalog.put('tenant', key, tenant(key, `writer-${i}`), { ifAbsent: true })),
      );
      const winners = outcomes.filter((o) => o.status === 'fulfilled');
      assert.equal(winners.length, 1);
      for (const o of outcomes) if (o.status === 'rejected') assert.ok(o.reason instanceof CatalogConflict);
      assert.equal(catalog.get('tenant', key)?.value.name, winners[0]!.value.value.name);
    });

    void test('nextSequence is strictly increasing, also under concurrency, and per name', async (t) => {
      const { port: catalog } = await open(t);
      const name = `${uniquePrefix()}-ids`;
      const first = await catalog.nextSequence(name);
      const second = await catalog.nextSequence(name);
      assert.ok(second > first);
      const burst = await Promise.all(Array.from({ length: 50 }, () => catalog.nextSequence(name)));
      assert.equal(new Set(burst).size, 50, 'no number is handed out twice');
      assert.ok(Math.min(...burst) > second);
      const other = await catalog.nextSequence(`${name}-other`);
      assert.ok(Number.isInteger(other));
    });

    void test('onChange reports puts and deletes until unsubscribed', async (t) => {
      const { port: catalog } = await open(t);
      const key = `${uniquePrefix()}-watched`;
      const seen: CatalogChange[] = [];
      const unsubscribe = catalog.onChange((change) => {
        if (change.key.startsWith(key)) seen.push(change);
      });
      await catalog.put('tenant', key, tenant(key));
      await catalog.put('tenant', key, tenant(key, 'renamed'));
      await catalog.delete('tenant', key);
      assert.deepEqual(seen, [
        { kind: 'tenant', key, deleted: false },
        { kind: 'tenant', key, deleted: false },
        { kind: 'tenant', key, deleted: true },
      ]);
      unsubscribe();
      await catalog.put('tenant', `${key}-later`, tenant(key));
      assert.equal(seen.length, 3);
    });

    void test('a refused ifAbsent put reports no change', async (t) => {
      const { port: catalog } = await open(t);
      const key = `${uniquePrefix()}-quiet`;
      await catalog.put('tenant', key, tenant(key));
      let changes = 0;
      catalog.onChange(() => changes++);
      await assert.rejects(catalog.put('tenant', key, tenant(key), { ifAbsent: true }), CatalogConflict);
      assert.equal(changes, 0);
    });

    void test('entries and sequences survive a restart; revisions and sequences keep increasing', async (t) => {
      const opened = await open(t);
      const prefix = uniquePrefix();
      const kept = await opened.port.put('tenant', `${prefix}-kept`, tenant('kept'));
      await opened.port.put('api-key', `${prefix}-key`, { id: 'k1', tenant: 'kept', scopes: ['produce'], hash: 'ab', createdAt: '2026-01-31T12:00:00.000Z' });
      const last = await opened.port.nextSequence(`${prefix}-seq`);

      const catalog = await opened.reopen();
      assert.deepEqual(catalog.get('tenant', `${prefix}-kept`), kept);
      assert.deepEqual(catalog.get('api-key', `${prefix}-key`)?.value.scopes, ['produce']);
      assert.ok((await catalog.nextSequence(`${prefix}-seq`)) > last);
      const later = await catalog.put('tenant', `${prefix}-new`, tenant('new'));
      assert.ok(later.revision > kept.revision);
    });

    // Regression: the SQLite catalog recomputed its revision counter as the largest stored
    // revision, so deleting the newest entry and restarting handed that revision out again.
    void test('revisions never go back after the newest entry is deleted and the store restarts', async (t) => {
      const opened = await open(t);
      const prefix = uniquePrefix();
      await opened.port.put('tenant', `${prefix}-old`, tenant('old'));
      const newest = await opened.port.put('tenant', `${prefix}-newest`, tenant('newest'));
      await opened.port.delete('tenant', `${prefix}-newest`);

      const catalog = await opened.reopen();
      const next = await catalog.put('tenant', `${prefix}-after`, tenant('after'));
      assert.ok(next.revision > newest.revision, `revision ${next.revision} was already used by ${prefix}-newest (${newest.revision})`);
    });
  });
}

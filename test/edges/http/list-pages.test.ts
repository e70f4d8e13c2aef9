import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageOf } from '../../../src/edges/http/list-page.ts';
import { startSluice } from '../../helpers/sluice.ts';

void test('pageOf answers the items after the cursor in name order, and next until the end', () => {
  const names = ['c', 'a', 'e', 'b', 'd'];
  const first = pageOf(names, (n) => n, { limit: 2 });
  assert.deepEqual(first, { items: ['a', 'b'], next: 'b' });
  const second = pageOf(names, (n) => n, { limit: 2, cursor: first.next ?? undefined });
  assert.deepEqual(second, { items: ['c', 'd'], next: 'd' });
  assert.deepEqual(
    pageOf(names, (n) => n, { limit: 2, cursor: 'd' }),
    { items: ['e'], next: null },
  );
  // An item removed between pages does not shift the next page.
  assert.deepEqual(
    pageOf(['a', 'c', 'd', 'e'], (n) => n, { limit: 2, cursor: 'b' }),
    { items: ['c', 'd'], next: 'd' },
  );
});

void test('the API lists page with limit and cursor, and next is null on the last page', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  for (const name of ['plums', 'apples', 'kiwis', 'figs', 'pears']) {
    assert.equal((await s.call('PUT', `/v1/types/${name}`, { token: key, body: { schema: { type: 'object' } } })).status, 201);
  }
  const names: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: { body: { items: { type: string }[]; next: string | null } } = await s.call(
      'GET',
      `/v1/types?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
      { token: key },
    );
    names.push(...page.body.items.map((item) => item.type));
    cursor = page.body.next;
    pages++;
  } while (cursor !== null && pages < 10);
  assert.deepEqual(names, ['apples', 'figs', 'kiwis', 'pears', 'plums']);
  assert.equal(pages, 3);
  const streams = await s.call('GET', '/v1/streams?limit=1', { token: key });
  assert.equal(streams.body.items.length, 1);
  assert.equal(typeof streams.body.next, 'string');
  assert.equal((await s.call('GET', '/v1/types?limit=0', { token: key })).status, 400);
});

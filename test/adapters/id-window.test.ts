import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdWindow } from '../../src/adapters/id-window.ts';

const now = 1_800_000_000_000;

void test('the window keeps the first position of an id and answers it while the id is within the window', () => {
  const window = new IdWindow({ ms: 60_000, ids: 10 });
  assert.equal(window.add('a', 1, 7, now, now), true);
  assert.equal(window.add('a', 0, 9, now, now), false, 'a repeat does not move the first position');
  assert.deepEqual(window.get('a', now + 1000), { partition: 1, offset: 7 });
  assert.equal(window.get('b', now), undefined);
});

void test('past `ids` entries the oldest is forgotten first', () => {
  const window = new IdWindow({ ms: 60_000, ids: 3 });
  for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) window.add(key, 0, i, now, now);
  assert.equal(window.size, 3);
  assert.equal(window.get('a', now), undefined);
  assert.deepEqual(window.get('b', now), { partition: 0, offset: 1 });
  // Forgotten, an id may be added again; it is then the newest.
  assert.equal(window.add('a', 0, 4, now, now), true);
  assert.equal(window.get('b', now), undefined);
  assert.deepEqual(window.get('a', now), { partition: 0, offset: 4 });
});

void test('an entry is forgotten once its record is `ms` old, also when it is not the oldest', () => {
  const window = new IdWindow({ ms: 1000, ids: 10 });
  window.add('old', 0, 0, now - 900, now);
  window.add('older', 0, 1, now - 950, now); // received earlier, added later
  window.add('new', 0, 2, now, now);
  assert.deepEqual(window.get('old', now + 50), { partition: 0, offset: 0 });
  assert.equal(window.get('older', now + 50), undefined, 'aged out while behind a younger entry');
  assert.equal(window.get('old', now + 100), undefined);
  assert.deepEqual(window.get('new', now + 100), { partition: 0, offset: 2 });
  assert.equal(window.add('stale', 0, 3, now - 5000, now), false, 'a record already too old is not added');
  window.evict(now + 2000);
  assert.equal(window.size, 0);
  // Re-added after ageing out, the key is not forgotten when its old slot is reused.
  window.add('old', 0, 5, now + 2000, now + 2000);
  for (let i = 0; i < 9; i++) window.add(`k${i}`, 0, 6 + i, now + 2000, now + 2000);
  assert.deepEqual(window.get('old', now + 2000), { partition: 0, offset: 5 });
});

void test('growing the ring keeps every entry, in order', () => {
  const window = new IdWindow({ ms: 60_000, ids: 5000 });
  for (let i = 0; i < 4000; i++) window.add(`id-${i}`, i % 4, i, now, now);
  assert.equal(window.size, 4000);
  for (let i = 0; i < 4000; i += 397) assert.deepEqual(window.get(`id-${i}`, now), { partition: i % 4, offset: i });
  for (let i = 4000; i < 6000; i++) window.add(`id-${i}`, 0, i, now, now);
  assert.equal(window.size, 5000);
  assert.equal(window.get('id-999', now), undefined);
  assert.deepEqual(window.get('id-1000', now), { partition: 0, offset: 1000 });
});

void test('moveTo points an id at another copy', () => {
  const window = new IdWindow({ ms: 60_000, ids: 10 });
  window.add('a', 2, 9, now, now);
  window.moveTo('a', 2, 4);
  window.moveTo('missing', 0, 1);
  assert.deepEqual(window.get('a', now), { partition: 2, offset: 4 });
  assert.equal(window.get('missing', now), undefined);
});

void test('ids of any length and script, over many evictions and growths, answer as a plain list of entries would', () => {
  // The model: the entries in the order they were added, and the ids still found.
  const limit = { ms: 10_000, ids: 2500 };
  const ring: { key: string; partition: number; offset: number; time: number; gone: boolean }[] = [];
  const found = new Map<string, (typeof ring)[number]>();
  const modelLookup = (key: string, now: number): (typeof ring)[number] | undefined => {
    const entry = found.get(key);
    if (entry === undefined) return undefined;
    if (entry.time > now - limit.ms) return entry;
    found.delete(key);
    entry.gone = true;
    return undefined;
  };
  const modelAdd = (key: string, partition: number, offset: number, time: number, now: number): boolean => {
    while (ring.length > 0 && ring[0]!.time <= now - limit.ms) {
      const oldest = ring.shift()!;
      if (!oldest.gone) found.delete(oldest.key);
    }
    if (time <= now - limit.ms || modelLookup(key, now) !== undefined) return false;
    if (ring.length >= limit.ids) {
      const oldest = ring.shift()!;
      if (!oldest.gone) found.delete(oldest.key);
    }
    const entry = { key, partition, offset, time, gone: false };
    ring.push(entry);
    found.set(key, entry);
    return true;
  };

  const window = new IdWindow(limit);
  let seed = 42;
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed % n;
  };
  const keyOf = (n: number): string => (n % 7 === 0 ? `ünï-${n}-${'x'.repeat(n % 90)}` : n % 11 === 0 ? `["/src/${n}","id-${n}"]` : `id-${n}`);
  let clock = now;
  for (let step = 0; step < 60_000; step++) {
    clock += random(3);
    const key = keyOf(random(6000));
    if (random(3) === 0) {
      const got = window.get(key, clock);
      const expected = modelLookup(key, clock);
      assert.deepEqual(got, expected === undefined ? undefined : { partition: expected.partition, offset: expected.offset }, `step ${step}: get ${key}`);
    } else {
      const time = clock - random(limit.ms + 2000);
      const partition = random(8);
      assert.equal(window.add(key, partition, step, time, clock), modelAdd(key, partition, step, time, clock), `step ${step}: add ${key}`);
    }
  }
  assert.equal(window.size, found.size);
  assert.ok(found.size > 1024, 'the ring grew past its first size');
});

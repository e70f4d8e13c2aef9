import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commonIsoMillis, isoFromMillis, maxMillis, minMillis } from '../../src/domain/iso-timestamp.ts';

const dayMillis = 86_400_000;

/** mulberry32, so a failure names an instant that fails again. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function assertAsDate(millis: number): void {
  assert.equal(isoFromMillis(millis), new Date(millis).toISOString(), `at ${millis}`);
}

void test('isoFromMillis writes what toISOString writes for instants across the years 0000 to 9999', () => {
  const random = seeded(20261207);
  for (let i = 0; i < 200_000; i++) assertAsDate(Math.floor(minMillis + random() * (maxMillis - minMillis)));
});

void test('isoFromMillis writes the first and last instant of every day around leap days and turns of centuries', () => {
  // Year 0 and 2000 are leap years, 1900 and 2100 are not; 1970 is where the count starts.
  for (const day of [
    '0000-02-28',
    '0000-12-31',
    '1600-02-28',
    '1899-12-31',
    '1900-02-28',
    '1969-12-31',
    '1970-01-01',
    '2000-02-28',
    '2100-02-28',
    '9999-12-30',
  ]) {
    const start = Date.parse(`${day}T00:00:00.000Z`);
    for (let d = 0; d < 3; d++) {
      assertAsDate(start + d * dayMillis);
      assertAsDate(start + (d + 1) * dayMillis - 1);
    }
  }
  for (const millis of [minMillis, maxMillis, 0, -1, 1, 999, 1000, 59_999, 3_599_999]) assertAsDate(millis);
});

void test('isoFromMillis cuts a fraction of a millisecond towards zero, as Date does', () => {
  for (const millis of [0.9, -0.9, -0, 1.5, -1.5, 1_700_000_000_123.9, -1_700_000_000_123.9]) assertAsDate(millis);
});

void test('isoFromMillis answers again right after another instant or another day', () => {
  const a = Date.parse('2026-12-07T04:00:00.001Z');
  const b = Date.parse('2026-12-08T23:59:59.999Z');
  for (const millis of [a, a, b, a, b, b, a + 1, a]) assertAsDate(millis);
});

void test('isoFromMillis leaves instants outside the years 0000 to 9999 to toISOString, which throws for NaN', () => {
  for (const millis of [minMillis - 1, maxMillis + 1, 8.64e15, -8.64e15]) assertAsDate(millis);
  assert.throws(() => isoFromMillis(Number.NaN), RangeError);
  assert.throws(() => isoFromMillis(8.64e15 + 1), RangeError);
});

void test('commonIsoMillis reads back what isoFromMillis writes', () => {
  const random = seeded(7);
  for (let i = 0; i < 20_000; i++) {
    const millis = Math.floor(minMillis + random() * (maxMillis - minMillis));
    assert.equal(commonIsoMillis(isoFromMillis(millis)), millis);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commonIsoMillis, isoFromMillis, isoTextWriter, maxMillis, minMillis } from '../../src/domain/iso-timestamp.ts';
import { Random } from '../helpers/random.ts';

const dayMillis = 86_400_000;

/** Any instant of the years 0000 to 9999: a day, then a millisecond of it. */
function randomInstant(random: Random): number {
  return minMillis + random.int((maxMillis + 1 - minMillis) / dayMillis) * dayMillis + random.int(dayMillis);
}

function assertAsDate(millis: number): void {
  assert.equal(isoFromMillis(millis), new Date(millis).toISOString(), `at ${millis}`);
}

void test('isoFromMillis writes what toISOString writes for instants across the years 0000 to 9999', () => {
  const random = new Random(20261207);
  for (let i = 0; i < 200_000; i++) assertAsDate(randomInstant(random));
});

void test('isoFromMillis writes the turns of every year, month end and leap day from 0000 to 9999', () => {
  // Year 0, 1600 and 2000 are leap years, 1900 and 2100 are not; every year is checked.
  for (let year = 0; year <= 9999; year++) {
    // setUTCFullYear, not Date.UTC, which reads the years 0 to 99 as 1900 to 1999.
    const start = new Date(0);
    start.setUTCFullYear(year, 0, 1);
    assertAsDate(start.getTime());
    if (year > 0) assertAsDate(start.getTime() - 1);
    for (const [month, day] of [
      [1, 28],
      [1, 29],
      [2, 1],
    ] as const) {
      const date = new Date(0);
      date.setUTCFullYear(year, month, day);
      assertAsDate(date.getTime());
      assertAsDate(date.getTime() - 1);
    }
  }
  for (const millis of [minMillis, maxMillis, 0, -1, 1, 999, 1000, 59_999, 3_599_999, 86_399_999, 86_400_000]) assertAsDate(millis);
});

void test('isoFromMillis cuts a fraction of a millisecond towards zero, as Date does', () => {
  for (const millis of [0.9, -0.9, -0, 1.5, -1.5, 1_700_000_000_123.9, -1_700_000_000_123.9]) assertAsDate(millis);
});

void test('isoFromMillis answers again right after another instant or another day', () => {
  const a = Date.parse('2026-12-07T04:00:00.001Z');
  const b = Date.parse('2026-12-08T23:59:59.999Z');
  for (const millis of [a, a, b, a, b, b, a + 1, a]) assertAsDate(millis);
});

void test('isoFromMillis leaves instants outside the years 0000 to 9999 to toISOString, which throws for NaN and infinities', () => {
  for (const millis of [minMillis - 1, maxMillis + 1, minMillis - 0.5, maxMillis + 0.5, 8.64e15, -8.64e15]) assertAsDate(millis);
  for (const millis of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 8.64e15 + 1]) assert.throws(() => isoFromMillis(millis), RangeError);
});

void test('a writer never answers with the text of an earlier instant', () => {
  const write = isoTextWriter();
  const a = Date.parse('2026-12-07T04:00:00.001Z');
  for (const millis of [a, maxMillis + 1, maxMillis + 1, a, -1, -0.5, -0, 0, 0.7, 0.3, a]) {
    assert.equal(write(millis), new Date(millis).toISOString(), `at ${millis}`);
  }
  assert.equal(write(a), new Date(a).toISOString());
  assert.throws(() => write(Number.NaN), RangeError);
  assert.equal(write(a), new Date(a).toISOString());
});

void test('writers keep their last instants apart', () => {
  const first = isoTextWriter();
  const second = isoTextWriter();
  const a = Date.parse('2026-12-07T04:00:00.001Z');
  const b = Date.parse('1999-01-02T03:04:05.678Z');
  for (let i = 0; i < 5; i++) {
    assert.equal(first(a + i), new Date(a + i).toISOString());
    assert.equal(second(b - i * dayMillis), new Date(b - i * dayMillis).toISOString());
  }
});

void test('commonIsoMillis reads back what isoFromMillis writes', () => {
  const random = new Random(7);
  for (let i = 0; i < 20_000; i++) {
    const millis = randomInstant(random);
    assert.equal(commonIsoMillis(isoFromMillis(millis)), millis);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InexactNumber, parseExactJson } from '../../src/domain/exact-json.ts';
import { Random } from '../helpers/random.ts';

void test('numbers JSON.parse would change are marked, with the text they were sent as', () => {
  for (const text of ['1e400', '-1e400', '12345678901234567890', '9007199254740992', '-0', '-0.0e5', '1e-400']) {
    const parsed = parseExactJson(`{"n":${text}}`) as { n: unknown };
    assert.ok(parsed.n instanceof InexactNumber, text);
    assert.equal(JSON.stringify(parsed), `{"n":${text}}`, 'written back as sent');
  }
  for (const text of ['0', '0e999', '9007199254740991', '-9007199254740991', '1e300', '1.2345678901234567', '-0.5', '100000000000000000000.5']) {
    const parsed = parseExactJson(`{"n":${text}}`) as { n: unknown };
    assert.equal(typeof parsed.n, 'number', text);
  }
});

void test('such a number is found where it starts the text, after a delimiter or white space, and in arrays', () => {
  for (const text of ['12345678901234567890', '-0', '1e400', '[1,-0]', '[\n12345678901234567890]', '{"a": 1e-400}', ' -0']) {
    assert.ok(containsInexact(parseExactJson(text)), text);
  }
});

function containsInexact(value: unknown): boolean {
  if (value instanceof InexactNumber) return true;
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(containsInexact);
}

void test('a text with no such number parses exactly as JSON.parse does, on either path', () => {
  const random = new Random(42);
  const numbers = [0, 1, -1, 0.5, -0.25, 9007199254740991, -9007199254740991, 1e21, 1.5e300, 2.5e-300, 123.456];
  const strings = ['', 'a', '2026-05-01T00:00:00Z', '12345678901234567890123', 'e400', '-0', 'x-0,y'];
  const value = (depth: number): unknown => {
    const pick = random.next();
    if (depth > 3 || pick < 0.4) return random.chance(0.5) ? random.pick(numbers) : random.pick(strings);
    if (pick < 0.7) return Array.from({ length: random.int(4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: random.int(4) }, (_, i) => [`k${i}`, value(depth + 1)]));
  };
  for (let i = 0; i < 2000; i++) {
    const text = JSON.stringify({ v: value(0) });
    assert.deepEqual(parseExactJson(text), JSON.parse(text), text);
  }
});

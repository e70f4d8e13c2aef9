import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePattern, type Pattern } from '../../../src/domain/patterns/index.ts';
import { interpretPattern } from '../../../src/domain/patterns/interpret.ts';
import { Random } from '../../helpers/random.ts';

// Small pools, so that patterns and events often meet.
const keys = ['a', 'b', 'c'];
const strings = ['', 'a', 'A', 'ab', 'aB', 'ba', 'abc', 'a*b', 'b\\', 'ß', 'SS', 'ss', 'Straße', 'STRASSE', 'σ', 'Σ', 'ς', 'ſ', 'K', 'k', '5', 'true', 'null'];
const addresses = [
  '10.0.0.1',
  '10.0.1.7',
  '10.255.0.0',
  '192.168.0.1',
  '0.0.0.0',
  '::1',
  '::',
  'fe80::1',
  'FEBF::',
  '2001:db8::5',
  '::ffff:10.0.0.1',
  '10.0.0.01',
];
const numbers = [0, -0, 1, 1.5, 5, -3, 100, 2500];
const fragments = ['', 'a', 'A', 'b', 's', 'S', 'ß', '10.', ':', 'σ'];
const blocks = ['10.0.0.0/8', '10.0.0.0/24', '10.0.0.1/32', '0.0.0.0/0', '192.168.0.0/16', '::/0', '::1/128', 'fe80::/10', '2001:db8::/32', '::ffff:0:0/96'];
const wildcardTokens = ['a', 'b', 'A', 'ß', '*', '*', '\\*', '\\\\'];
const operators = ['=', '<', '<=', '>', '>='];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function scalar(random: Random): Json {
  switch (random.int(5)) {
    case 0:
      return random.pick(strings);
    case 1:
      return random.pick(addresses);
    case 2:
      return random.pick(numbers);
    case 3:
      return random.chance(0.5);
    default:
      return null;
  }
}

function value(random: Random, depth: number): Json {
  const roll = random.int(10);
  if (roll < 6 || depth >= 3) return scalar(random);
  if (roll < 8) return Array.from({ length: random.int(4) }, () => value(random, depth + 1));
  return object(random, depth + 1);
}

function object(random: Random, depth: number): { [key: string]: Json } {
  const result: { [key: string]: Json } = {};
  for (const key of keys) if (random.chance(0.5)) result[key] = value(random, depth);
  return result;
}

function wildcard(random: Random): string {
  return Array.from({ length: random.int(5) }, () => random.pick(wildcardTokens)).join('');
}

function matcher(random: Random): Json {
  switch (random.int(10)) {
    case 0:
      return scalar(random);
    case 1:
      return { prefix: random.chance(0.5) ? random.pick(fragments) : { 'equals-ignore-case': random.pick(fragments) } };
    case 2:
      return { suffix: random.chance(0.5) ? random.pick(fragments) : { 'equals-ignore-case': random.pick(fragments) } };
    case 3:
      return { 'equals-ignore-case': random.pick(strings) };
    case 4:
      return { wildcard: wildcard(random) };
    case 5:
      return { 'anything-but': anythingBut(random) };
    case 6: {
      if (random.chance(0.4)) return { numeric: [random.pick(operators), random.pick(numbers)] };
      const low = random.pick(numbers);
      const high = low + 0.5 + random.int(50);
      const lower = [random.pick(['>', '>=']), low];
      const upper = [random.pick(['<', '<=']), high];
      return { numeric: random.chance(0.5) ? [...lower, ...upper] : [...upper, ...lower] };
    }
    case 7:
      return { exists: random.chance(0.5) };
    case 8:
      return { cidr: random.pick(blocks) };
    default:
      return random.pick(numbers);
  }
}

function anythingBut(random: Random): Json {
  switch (random.int(6)) {
    case 0:
      return scalar(random);
    case 1:
      return Array.from({ length: 1 + random.int(3) }, () => scalar(random));
    case 2:
      return { prefix: random.pick(fragments) };
    case 3:
      return { suffix: random.pick(fragments) };
    case 4:
      return { wildcard: wildcard(random) };
    default:
      return { 'equals-ignore-case': random.chance(0.5) ? random.pick(strings) : [random.pick(strings), random.pick(strings)] };
  }
}

function pattern(random: Random, depth: number): { [key: string]: Json } {
  const result: { [key: string]: Json } = {};
  const fieldCount = 1 + random.int(2);
  for (let i = 0; i < fieldCount; i++) {
    const key = random.pick(keys);
    result[key] = depth < 3 && random.chance(0.3) ? pattern(random, depth + 1) : Array.from({ length: 1 + random.int(3) }, () => matcher(random));
  }
  if (depth < 3 && random.chance(0.2)) result['$or'] = Array.from({ length: 1 + random.int(3) }, () => pattern(random, depth + 1));
  return result;
}

/** A value likely to satisfy a matcher: built from its argument, sometimes wrong on purpose. */
function near(random: Random, m: Json): Json {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return m;
  const [operator, argument] = Object.entries(m)[0]!;
  const text =
    typeof argument === 'string'
      ? argument
      : typeof argument === 'object' && argument !== null && !Array.isArray(argument)
        ? Object.values(argument)[0]
        : undefined;
  const flip = (s: string): string => (random.chance(0.5) ? s.toUpperCase() : s.toLowerCase());
  switch (operator) {
    case 'prefix':
      return typeof text === 'string' ? flip(text) + random.pick(fragments) : scalar(random);
    case 'suffix':
      return typeof text === 'string' ? random.pick(fragments) + flip(text) : scalar(random);
    case 'equals-ignore-case':
      return typeof text === 'string' ? flip(text) : scalar(random);
    case 'wildcard':
      return typeof text === 'string' ? text.replaceAll('\\\\', '\\').replaceAll('\\*', '*').replaceAll('*', random.pick(fragments)) : scalar(random);
    case 'numeric': {
      const bound = (argument as Json[])[1] as number;
      return bound + random.pick([-1, -0.5, 0, 0.5, 1]);
    }
    case 'cidr':
      return random.pick(addresses);
    default:
      return scalar(random);
  }
}

/** An event shaped like the pattern, with values near its matchers, plus noise. */
function eventFor(random: Random, p: { [key: string]: Json }): Json {
  const result = object(random, 2);
  for (const [key, condition] of Object.entries(p)) {
    if (random.chance(0.1)) continue;
    if (key === '$or') {
      Object.assign(result, eventFor(random, random.pick(condition as { [key: string]: Json }[])));
    } else if (Array.isArray(condition)) {
      const guess = near(random, random.pick(condition));
      result[key] = random.chance(0.25) ? [value(random, 2), guess] : guess;
    } else {
      const inner = eventFor(random, condition as { [key: string]: Json });
      result[key] = random.chance(0.25) ? [object(random, 2), inner] : inner;
    }
  }
  return result;
}

void test('compiled patterns agree with the interpreter on random patterns and events', () => {
  let matched = 0;
  let total = 0;
  for (const seed of [1, 2, 3, 4]) {
    const random = new Random(seed);
    for (let i = 0; i < 500; i++) {
      const p = pattern(random, 1);
      const compiled = compilePattern(p);
      for (let j = 0; j < 10; j++) {
        const event = j < 6 ? eventFor(random, p) : object(random, 0);
        const expected = interpretPattern(p as Pattern, event);
        const actual = compiled(event);
        if (actual !== expected) {
          assert.fail(
            `seed ${seed}, pattern ${i}, event ${j}: compiled ${actual}, interpreter ${expected}\npattern ${JSON.stringify(p)}\nevent ${JSON.stringify(event)}`,
          );
        }
        total++;
        if (actual) matched++;
      }
    }
  }
  // Both outcomes must be common, or the comparison proves little.
  assert.equal(total, 20_000);
  assert.ok(matched > total * 0.15 && matched < total * 0.85, `matched ${matched} of ${total}`);
});

void test('random patterns keep agreeing when the event is wrapped in arrays', () => {
  const random = new Random(99);
  for (let i = 0; i < 300; i++) {
    const p = pattern(random, 1);
    const compiled = compilePattern(p);
    const events = [eventFor(random, p), eventFor(random, p), object(random, 0)];
    for (const event of [events, [[events[0]!], []], [] as Json[]]) {
      assert.equal(compiled(event), interpretPattern(p as Pattern, event), `pattern ${JSON.stringify(p)}\nevent ${JSON.stringify(event)}`);
    }
  }
});

void test('wildcards agree with a backtracking matcher on short strings over a tiny alphabet', () => {
  // A small alphabet makes overlaps, repeats and stars next to literals common.
  const random = new Random(7);
  const tokens = ['a', 'b', 'a', 'b', '*', '\\*'];
  const letters = ['a', 'b', '*'];
  let matched = 0;
  for (let i = 0; i < 3000; i++) {
    const source = Array.from({ length: random.int(7) }, () => random.pick(tokens)).join('');
    const p = { s: [{ wildcard: source }] };
    const compiled = compilePattern(p);
    for (let j = 0; j < 20; j++) {
      const text = Array.from({ length: random.int(8) }, () => random.pick(letters)).join('');
      const expected = interpretPattern(p, { s: text });
      assert.equal(compiled({ s: text }), expected, `wildcard ${JSON.stringify(source)} on ${JSON.stringify(text)}`);
      if (expected) matched++;
    }
  }
  assert.ok(matched > 3000, `only ${matched} matches: the comparison proves little`);
});

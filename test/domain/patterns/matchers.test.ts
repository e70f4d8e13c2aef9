import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePattern, type Pattern } from '../../../src/domain/patterns/index.ts';
import { interpretPattern } from '../../../src/domain/patterns/interpret.ts';

interface Case {
  name: string;
  pattern: unknown;
  matches: unknown[];
  misses: unknown[];
}

/** Each case is checked with the compiled matcher and with the interpreter. */
function check(cases: Case[]): void {
  for (const { name, pattern, matches, misses } of cases) {
    const compiled = compilePattern(pattern);
    for (const value of matches) {
      assert.equal(compiled(value), true, `${name}: compiled should match ${JSON.stringify(value)}`);
      assert.equal(interpretPattern(pattern as Pattern, value), true, `${name}: interpreter should match ${JSON.stringify(value)}`);
    }
    for (const value of misses) {
      assert.equal(compiled(value), false, `${name}: compiled should not match ${JSON.stringify(value)}`);
      assert.equal(interpretPattern(pattern as Pattern, value), false, `${name}: interpreter should not match ${JSON.stringify(value)}`);
    }
  }
}

void test('exact values: strings, numbers, booleans and null, each only equal to itself', () => {
  check([
    {
      name: 'string',
      pattern: { type: ['order.placed'] },
      matches: [{ type: 'order.placed' }, { type: 'order.placed', data: {} }],
      misses: [{ type: 'order.Placed' }, { type: 'order.placed ' }, { type: null }, {}, { data: { type: 'order.placed' } }],
    },
    {
      name: 'the empty string is not null and not absent',
      pattern: { data: { v: [''] } },
      matches: [{ data: { v: '' } }],
      misses: [{ data: { v: null } }, { data: {} }, { data: { v: ' ' } }],
    },
    {
      name: 'numbers compare numerically, never with strings',
      pattern: { data: { n: [5] } },
      matches: [{ data: { n: 5 } }, { data: { n: 5.0 } }, { data: { n: JSON.parse('5.000') } }, { data: { n: JSON.parse('5e0') } }],
      misses: [{ data: { n: '5' } }, { data: { n: 5.000001 } }, { data: { n: -5 } }, { data: {} }],
    },
    {
      name: 'a string pattern does not match a number',
      pattern: { data: { n: ['5'] } },
      matches: [{ data: { n: '5' } }],
      misses: [{ data: { n: 5 } }],
    },
    {
      name: 'zero and minus zero are the same number',
      pattern: { data: { n: [0] } },
      matches: [{ data: { n: 0 } }, { data: { n: -0 } }],
      misses: [{ data: { n: false } }, { data: { n: '0' } }, { data: { n: null } }],
    },
    {
      name: 'booleans',
      pattern: { data: { ok: [true] } },
      matches: [{ data: { ok: true } }],
      misses: [{ data: { ok: false } }, { data: { ok: 'true' } }, { data: { ok: 1 } }],
    },
    {
      name: 'null matches an explicit null only, not an absent field',
      pattern: { data: { gone: [null] } },
      matches: [{ data: { gone: null } }],
      misses: [{ data: {} }, {}, { data: { gone: 'null' } }, { data: { gone: '' } }, { data: { gone: 0 } }],
    },
    {
      name: 'any of several values',
      pattern: { data: { c: ['red', 3, false, null] } },
      matches: [{ data: { c: 'red' } }, { data: { c: 3 } }, { data: { c: false } }, { data: { c: null } }],
      misses: [{ data: { c: 'blue' } }, { data: { c: true } }, { data: { c: '3' } }, { data: {} }],
    },
  ]);
});

void test('nested fields AND together and every named field must match', () => {
  check([
    {
      name: 'two levels',
      pattern: { type: ['t'], data: { customer: { tier: ['gold'] }, country: ['DE'] } },
      matches: [{ type: 't', data: { customer: { tier: 'gold', id: 1 }, country: 'DE', extra: true } }],
      misses: [
        { type: 't', data: { customer: { tier: 'gold' } } },
        { type: 'u', data: { customer: { tier: 'gold' }, country: 'DE' } },
        { type: 't', data: { customer: 'gold', country: 'DE' } },
        { type: 't', data: { customer: { tier: 'silver' }, country: 'DE' } },
        { type: 't', data: null },
        'not an object',
        null,
      ],
    },
    {
      name: 'a leaf never matches an object value',
      pattern: { data: { customer: ['gold'] } },
      matches: [{ data: { customer: 'gold' } }],
      misses: [{ data: { customer: { tier: 'gold' } } }],
    },
    {
      name: 'field names are matched exactly, including odd ones',
      pattern: { data: { 'a/b': ['x'], 'm~n': ['y'], '': ['z'], 'with space': [1] } },
      matches: [{ data: { 'a/b': 'x', 'm~n': 'y', '': 'z', 'with space': 1 } }],
      misses: [{ data: { a: { b: 'x' }, 'm~n': 'y', '': 'z', 'with space': 1 } }],
    },
    {
      name: 'inherited properties are not fields',
      pattern: { data: { toString: [{ exists: true }] } },
      matches: [{ data: { toString: 'own' } }],
      misses: [{ data: {} }],
    },
    {
      name: 'an array is not an object with index fields',
      pattern: { data: { 0: ['a'] } },
      matches: [{ data: { 0: 'a' } }],
      misses: [{ data: ['a'] }],
    },
  ]);
});

void test('the top-level empty pattern matches everything', () => {
  check([{ name: '{}', pattern: {}, matches: [{}, { type: 'x' }, null, 5, [], 'text'], misses: [] }]);
});

void test('arrays in the event: a leaf matches when any element matches', () => {
  check([
    {
      name: 'scalars',
      pattern: { data: { tags: ['vip'] } },
      matches: [{ data: { tags: ['new', 'vip'] } }, { data: { tags: 'vip' } }, { data: { tags: [['x'], ['vip']] } }, { data: { tags: [[[['vip']]]] } }],
      misses: [{ data: { tags: [] } }, { data: { tags: ['VIP'] } }, { data: { tags: [{ tag: 'vip' }] } }, { data: { tags: [[]] } }],
    },
    {
      name: 'numeric over an array',
      pattern: { data: { n: [{ numeric: ['>', 10] }] } },
      matches: [{ data: { n: [1, 2, 30] } }],
      misses: [{ data: { n: [1, 2, '30'] } }, { data: { n: [] } }],
    },
    {
      name: 'objects in an array: one element must match the whole nested pattern',
      pattern: { data: { items: { sku: ['A'], qty: [2] } } },
      matches: [
        {
          data: {
            items: [
              { sku: 'B', qty: 1 },
              { sku: 'A', qty: 2 },
            ],
          },
        },
        { data: { items: { sku: 'A', qty: 2 } } },
      ],
      misses: [
        {
          data: {
            items: [
              { sku: 'A', qty: 1 },
              { sku: 'B', qty: 2 },
            ],
          },
        },
        { data: { items: [] } },
      ],
    },
    {
      name: 'an array at the top level stands for its elements',
      pattern: { type: ['a'] },
      matches: [[{ type: 'b' }, { type: 'a' }]],
      misses: [[{ type: 'b' }], []],
    },
  ]);
});

void test('prefix and suffix, plain and ignoring case', () => {
  check([
    {
      name: 'prefix',
      pattern: { source: [{ prefix: 'eu-' }] },
      matches: [{ source: 'eu-west-1' }, { source: 'eu-' }, { source: ['us-1', 'eu-2'] }],
      misses: [{ source: 'EU-west' }, { source: 'us-eu-1' }, { source: 'eu' }, {}, { source: null }, { source: 5 }],
    },
    {
      name: 'the empty prefix matches every string and nothing else',
      pattern: { source: [{ prefix: '' }] },
      matches: [{ source: '' }, { source: 'x' }],
      misses: [{ source: 1 }, { source: null }, {}],
    },
    {
      name: 'prefix ignoring case',
      pattern: { source: [{ prefix: { 'equals-ignore-case': 'EU-' } }] },
      matches: [{ source: 'eu-west' }, { source: 'Eu-1' }, { source: 'EU-' }],
      misses: [{ source: 'us-eu' }, { source: 'eu' }],
    },
    {
      name: 'prefix does not match numbers',
      pattern: { data: { n: [{ prefix: '1' }] } },
      matches: [{ data: { n: '12' } }],
      misses: [{ data: { n: 12 } }],
    },
    {
      name: 'suffix',
      pattern: { subject: [{ suffix: '.png' }] },
      matches: [{ subject: 'a/b.png' }, { subject: '.png' }],
      misses: [{ subject: 'a/b.PNG' }, { subject: 'a.png.txt' }, { subject: 'png' }],
    },
    {
      name: 'suffix ignoring case',
      pattern: { subject: [{ suffix: { 'equals-ignore-case': '.PNG' } }] },
      matches: [{ subject: 'a/b.png' }, { subject: 'x.Png' }],
      misses: [{ subject: 'png' }, { subject: 'a.png.txt' }],
    },
    {
      name: 'prefix ignoring case folds ß to ss',
      pattern: { data: { street: [{ prefix: { 'equals-ignore-case': 'STRASSE' } }] } },
      matches: [{ data: { street: 'Straße 12' } }, { data: { street: 'strasse' } }],
      misses: [{ data: { street: 'Strase' } }],
    },
  ]);
});

void test('equals-ignore-case folds Unicode case, not just ASCII', () => {
  check([
    {
      name: 'ASCII',
      pattern: { data: { name: [{ 'equals-ignore-case': 'alice' }] } },
      matches: [{ data: { name: 'ALICE' } }, { data: { name: 'Alice' } }, { data: { name: 'alice' } }],
      misses: [{ data: { name: 'alice ' } }, { data: { name: 'alic' } }, { data: { name: null } }, {}],
    },
    {
      name: 'sharp s, capital sharp s and SS',
      pattern: { data: { name: [{ 'equals-ignore-case': 'STRASSE' }] } },
      matches: [{ data: { name: 'straße' } }, { data: { name: 'STRAẞE' } }, { data: { name: 'Strasse' } }],
      misses: [{ data: { name: 'strase' } }],
    },
    {
      name: 'Greek sigma in all its forms',
      pattern: { data: { w: [{ 'equals-ignore-case': 'ΟΔΟΣ' }] } },
      matches: [{ data: { w: 'οδος' } }, { data: { w: 'οδοσ' } }, { data: { w: 'Οδός'.normalize('NFC').replace('ό', 'ο') } }],
      misses: [{ data: { w: 'οδο' } }],
    },
    {
      name: 'long s and the Kelvin sign',
      pattern: { data: { w: [{ 'equals-ignore-case': 'sk' }] } },
      matches: [{ data: { w: 'ſK' } }, { data: { w: 'SK' } }, { data: { w: 'sk' } }],
      misses: [{ data: { w: 's' } }],
    },
    {
      name: 'Cyrillic and accented Latin',
      pattern: { data: { w: [{ 'equals-ignore-case': 'ÉCOLE москва' }] } },
      matches: [{ data: { w: 'école МОСКВА' } }],
      misses: [{ data: { w: 'ecole москва' } }],
    },
  ]);
});

void test('wildcard: stars, consecutive stars and escapes', () => {
  check([
    {
      name: 'one star',
      pattern: { subject: [{ wildcard: 'orders/*/paid' }] },
      matches: [{ subject: 'orders/42/paid' }, { subject: 'orders//paid' }, { subject: 'orders/a/b/paid' }],
      misses: [{ subject: 'orders/42/paid/' }, { subject: 'Orders/42/paid' }, { subject: 'orders/paid' }],
    },
    {
      name: 'several stars',
      pattern: { subject: [{ wildcard: 'a*b*c' }] },
      matches: [{ subject: 'abc' }, { subject: 'aXbYc' }, { subject: 'abbbc' }, { subject: 'acbc' }],
      misses: [{ subject: 'ab' }, { subject: 'acb' }, { subject: 'bac' }, { subject: 'abcd' }],
    },
    {
      name: 'consecutive stars are one star',
      pattern: { subject: [{ wildcard: 'a**c' }] },
      matches: [{ subject: 'ac' }, { subject: 'abc' }, { subject: 'a**c' }],
      misses: [{ subject: 'a' }, { subject: 'ca' }],
    },
    {
      name: 'only a star matches every string',
      pattern: { subject: [{ wildcard: '*' }] },
      matches: [{ subject: '' }, { subject: 'anything' }],
      misses: [{ subject: 1 }, { subject: null }, {}],
    },
    {
      name: 'segments may not overlap',
      pattern: { subject: [{ wildcard: 'ab*ba' }] },
      matches: [{ subject: 'abba' }, { subject: 'ab-ba' }],
      misses: [{ subject: 'aba' }, { subject: 'ab' }],
    },
    {
      name: 'an escaped star is a literal star',
      pattern: { subject: [{ wildcard: 'a\\*b' }] },
      matches: [{ subject: 'a*b' }],
      misses: [{ subject: 'ab' }, { subject: 'aXb' }, { subject: 'a\\*b' }],
    },
    {
      name: 'an escaped backslash before a star',
      pattern: { subject: [{ wildcard: 'a\\\\*' }] },
      matches: [{ subject: 'a\\' }, { subject: 'a\\anything' }],
      misses: [{ subject: 'a' }, { subject: 'a*' }],
    },
    {
      name: 'no star is an exact string',
      pattern: { subject: [{ wildcard: 'exact' }] },
      matches: [{ subject: 'exact' }],
      misses: [{ subject: 'exact!' }, { subject: 'EXACT' }],
    },
  ]);
});

void test('wildcard matching does not backtrack on hostile input', () => {
  // A backtracking matcher needs exponential time for this; the segment walk needs one pass.
  const compiled = compilePattern({ subject: [{ wildcard: `${'*a'.repeat(30)}*b` }] });
  assert.equal(compiled({ subject: 'a'.repeat(50_000) }), false);
  assert.equal(compiled({ subject: `${'a'.repeat(50_000)}b` }), true);
});

void test('anything-but: values, lists and string forms', () => {
  check([
    {
      name: 'one value',
      pattern: { data: { state: [{ 'anything-but': 'cancelled' }] } },
      matches: [{ data: { state: 'paid' } }, { data: { state: 5 } }, { data: { state: null } }, { data: { state: ['cancelled', 'paid'] } }],
      misses: [{ data: { state: 'cancelled' } }, { data: {} }, { data: { state: [] } }, { data: { state: ['cancelled'] } }, { data: { state: { x: 1 } } }],
    },
    {
      name: 'a list of values of any type',
      pattern: { data: { v: [{ 'anything-but': ['a', 1, null, false] }] } },
      matches: [{ data: { v: 'b' } }, { data: { v: 2 } }, { data: { v: true } }, { data: { v: '1' } }],
      misses: [{ data: { v: 'a' } }, { data: { v: 1 } }, { data: { v: 1.0 } }, { data: { v: null } }, { data: { v: false } }],
    },
    {
      name: 'numbers compare numerically',
      pattern: { data: { v: [{ 'anything-but': [0] }] } },
      matches: [{ data: { v: 0.5 } }, { data: { v: '0' } }],
      misses: [{ data: { v: -0 } }, { data: { v: 0 } }],
    },
    {
      name: 'prefix: strings that do not start with it',
      pattern: { source: [{ 'anything-but': { prefix: 'test-' } }] },
      matches: [{ source: 'prod-1' }, { source: 'TEST-1' }, { source: '' }],
      misses: [{ source: 'test-1' }, { source: 5 }, { source: null }, {}],
    },
    {
      name: 'suffix',
      pattern: { subject: [{ 'anything-but': { suffix: '.tmp' } }] },
      matches: [{ subject: 'a.txt' }],
      misses: [{ subject: 'a.tmp' }, { subject: true }],
    },
    {
      name: 'wildcard',
      pattern: { subject: [{ 'anything-but': { wildcard: 'tmp/*' } }] },
      matches: [{ subject: 'data/x' }, { subject: 'tmp' }],
      misses: [{ subject: 'tmp/x' }, { subject: 'tmp/' }],
    },
    {
      name: 'equals-ignore-case, one or many',
      pattern: { data: { c: [{ 'anything-but': { 'equals-ignore-case': ['red', 'BLUE'] } }] } },
      matches: [{ data: { c: 'green' } }],
      misses: [{ data: { c: 'RED' } }, { data: { c: 'blue' } }, { data: { c: 'Blue' } }, { data: { c: 3 } }],
    },
  ]);
});

void test('numeric: one or two comparisons, numbers only', () => {
  check([
    {
      name: 'open range',
      pattern: { data: { n: [{ numeric: ['>', 0] }] } },
      matches: [{ data: { n: 0.0001 } }, { data: { n: 1e300 } }],
      misses: [{ data: { n: 0 } }, { data: { n: -1 } }, { data: { n: '5' } }, { data: { n: true } }, { data: { n: null } }, { data: {} }],
    },
    {
      name: 'closed range',
      pattern: { data: { n: [{ numeric: ['>', 0, '<=', 5] }] } },
      matches: [{ data: { n: 5 } }, { data: { n: 5.0 } }, { data: { n: 2.5 } }],
      misses: [{ data: { n: 0 } }, { data: { n: 5.000001 } }],
    },
    {
      name: 'bounds in either order',
      pattern: { data: { n: [{ numeric: ['<', 10, '>=', 10 - 1] }] } },
      matches: [{ data: { n: 9 } }, { data: { n: 9.99 } }],
      misses: [{ data: { n: 10 } }, { data: { n: 8.99 } }],
    },
    {
      name: 'equals',
      pattern: { data: { n: [{ numeric: ['=', 300.5] }] } },
      matches: [{ data: { n: 300.5 } }, { data: { n: JSON.parse('3.005e2') } }],
      misses: [{ data: { n: 300 } }, { data: { n: '300.5' } }],
    },
    {
      name: '<= and >= include their bound; a one-point range is allowed',
      pattern: { data: { n: [{ numeric: ['>=', 7, '<=', 7] }] } },
      matches: [{ data: { n: 7 } }],
      misses: [{ data: { n: 7.0000001 } }, { data: { n: 6.9999999 } }],
    },
    {
      name: 'negative numbers',
      pattern: { data: { n: [{ numeric: ['<', -1] }] } },
      matches: [{ data: { n: -1.5 } }],
      misses: [{ data: { n: -1 } }, { data: { n: 0 } }],
    },
  ]);
});

void test('exists: present means a string, number or boolean; null and objects do not count', () => {
  check([
    {
      name: 'exists true',
      pattern: { data: { id: [{ exists: true }] } },
      matches: [{ data: { id: 'x' } }, { data: { id: '' } }, { data: { id: 0 } }, { data: { id: false } }, { data: { id: [null, 1] } }],
      misses: [{ data: {} }, {}, { data: { id: null } }, { data: { id: [] } }, { data: { id: [null] } }, { data: { id: { nested: 1 } } }, { data: 'id' }],
    },
    {
      name: 'exists false',
      pattern: { data: { id: [{ exists: false }] } },
      matches: [{ data: {} }, {}, { data: { id: null } }, { data: { id: [] } }, { data: { id: { nested: 1 } } }, { data: 'id' }, { data: null }],
      misses: [{ data: { id: 'x' } }, { data: { id: 0 } }, { data: { id: false } }, { data: { id: [null, 1] } }],
    },
    {
      name: 'exists false with a value: absent or that value',
      pattern: { data: { id: [{ exists: false }, 'x'] } },
      matches: [{ data: {} }, { data: { id: 'x' } }],
      misses: [{ data: { id: 'y' } }],
    },
    {
      name: 'both true and false: always',
      pattern: { data: { id: [{ exists: false }, { exists: true }] } },
      matches: [{ data: {} }, { data: { id: 'y' } }, 7],
      misses: [],
    },
    {
      name: 'absent in an array of objects: one element without it is enough',
      pattern: { data: { items: { gift: [{ exists: false }] } } },
      matches: [{ data: { items: [{ gift: true }, { sku: 'A' }] } }, { data: { items: [] } }],
      misses: [{ data: { items: [{ gift: true }] } }],
    },
  ]);
});

void test('cidr: IPv4 and IPv6 blocks match string addresses of the same family', () => {
  check([
    {
      name: 'IPv4 /24',
      pattern: { data: { ip: [{ cidr: '10.0.0.0/24' }] } },
      matches: [{ data: { ip: '10.0.0.0' } }, { data: { ip: '10.0.0.255' } }, { data: { ip: ['8.8.8.8', '10.0.0.7'] } }],
      misses: [
        { data: { ip: '10.0.1.0' } },
        { data: { ip: '9.255.255.255' } },
        { data: { ip: '10.0.0.256' } },
        { data: { ip: '10.0.0.07' } },
        { data: { ip: '10.0.0.1/32' } },
        { data: { ip: ' 10.0.0.1' } },
        { data: { ip: 167772161 } },
        { data: { ip: '::ffff:10.0.0.1' } },
        { data: {} },
      ],
    },
    {
      name: 'host bits in the block are ignored',
      pattern: { data: { ip: [{ cidr: '192.168.1.77/16' }] } },
      matches: [{ data: { ip: '192.168.200.1' } }],
      misses: [{ data: { ip: '192.169.0.0' } }],
    },
    {
      name: '/0 and /32',
      pattern: { data: { ip: [{ cidr: '0.0.0.0/0' }, { cidr: '::1/128' }] } },
      matches: [{ data: { ip: '255.255.255.255' } }, { data: { ip: '0.0.0.0' } }, { data: { ip: '::1' } }, { data: { ip: '0:0:0:0:0:0:0:1' } }],
      misses: [{ data: { ip: '::2' } }, { data: { ip: 'localhost' } }],
    },
    {
      name: 'IPv6 /32 in any text form',
      pattern: { data: { ip: [{ cidr: '2001:DB8::/32' }] } },
      matches: [
        { data: { ip: '2001:db8::1' } },
        { data: { ip: '2001:0db8:ffff:ffff:ffff:ffff:ffff:ffff' } },
        { data: { ip: '2001:db8::10.0.0.1' } },
        { data: { ip: '2001:DB8:0:0:0:0:0:0' } },
      ],
      misses: [{ data: { ip: '2001:db9::' } }, { data: { ip: '2001:db8::1%eth0' } }, { data: { ip: '2001:db8:::1' } }, { data: { ip: '10.0.0.1' } }],
    },
    {
      name: 'IPv4-mapped IPv6 addresses',
      pattern: { data: { ip: [{ cidr: '::ffff:0:0/96' }] } },
      matches: [{ data: { ip: '::ffff:10.1.2.3' } }, { data: { ip: '::FFFF:a01:203' } }],
      misses: [{ data: { ip: '10.1.2.3' } }, { data: { ip: '::fffe:10.1.2.3' } }],
    },
    {
      name: 'a prefix length that is not a multiple of 16',
      pattern: { data: { ip: [{ cidr: 'fe80::/10' }] } },
      matches: [{ data: { ip: 'fe80::1' } }, { data: { ip: 'febf:ffff::' } }],
      misses: [{ data: { ip: 'fec0::' } }, { data: { ip: 'fe7f::' } }],
    },
  ]);
});

void test('$or: at least one alternative, at any level, together with the other fields', () => {
  check([
    {
      name: 'top level',
      pattern: { type: ['payment'], $or: [{ data: { amount: [{ numeric: ['>', 1000] }] } }, { data: { country: [{ 'anything-but': ['DE', 'FR'] }] } }] },
      matches: [
        { type: 'payment', data: { amount: 5000, country: 'DE' } },
        { type: 'payment', data: { amount: 5, country: 'US' } },
      ],
      misses: [
        { type: 'payment', data: { amount: 5, country: 'DE' } },
        { type: 'refund', data: { amount: 5000, country: 'US' } },
        { type: 'payment', data: { amount: 5 } },
      ],
    },
    {
      name: 'nested and inside an alternative',
      pattern: { data: { $or: [{ a: ['x'] }, { b: ['y'], $or: [{ c: [1] }, { d: [2] }] }] } },
      matches: [{ data: { a: 'x' } }, { data: { b: 'y', c: 1 } }, { data: { b: 'y', d: 2 } }],
      misses: [{ data: { b: 'y' } }, { data: { c: 1 } }, { data: {} }, {}],
    },
    {
      name: 'one alternative',
      pattern: { $or: [{ type: ['a'] }] },
      matches: [{ type: 'a' }],
      misses: [{ type: 'b' }],
    },
    {
      name: 'over an array of objects, per element',
      pattern: { data: { items: { $or: [{ sku: ['A'] }, { qty: [{ numeric: ['>', 9] }] }], gift: [true] } } },
      matches: [
        {
          data: {
            items: [
              { sku: 'B', qty: 1, gift: true },
              { sku: 'A', gift: true },
            ],
          },
        },
      ],
      misses: [{ data: { items: [{ sku: 'A', gift: false }, { qty: 20 }] } }],
    },
  ]);
});

void test('the FINANCE / MARKETING / LOGISTICS routing example from docs/patterns.md', () => {
  const route = (service: string) => compilePattern({ type: ['order.updated'], data: { destination_service_type: [service] } });
  const finance = route('FINANCE');
  const marketing = route('MARKETING');
  const logistics = compilePattern({ data: { destination_service_type: [{ 'equals-ignore-case': 'logistics' }] } });
  const event = {
    type: 'order.updated',
    source: '/shop',
    subject: 'o-1',
    key: 'o-1',
    time: '2025-01-01T00:00:00Z',
    data: { destination_service_type: 'FINANCE' },
  };
  assert.deepEqual([finance(event), marketing(event), logistics(event)], [true, false, false]);
  assert.equal(logistics({ ...event, data: { destination_service_type: 'Logistics' } }), true);
});

void test('a compiled pattern keeps no state and does not change its input', () => {
  const pattern = JSON.parse('{"data":{"n":[{"numeric":[">",1]}],"s":[{"prefix":"a"},"b"]}}') as unknown;
  const copy = structuredClone(pattern);
  const compiled = compilePattern(pattern);
  assert.deepEqual(pattern, copy);
  const value = { data: { n: [0, 2], s: 'abc' } };
  const valueCopy = structuredClone(value);
  for (let i = 0; i < 3; i++) assert.equal(compiled(value), true);
  assert.deepEqual(value, valueCopy);
});

void test('a deeply nested array in an event does not overflow the stack', () => {
  let deep: unknown = 'needle';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.equal(compilePattern({ data: { v: ['needle'] } })({ data: { v: deep } }), true);
  assert.equal(compilePattern({ data: { v: { w: ['needle'] } } })({ data: { v: deep } }), false);
});

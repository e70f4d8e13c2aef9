import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorCatalogue, SluiceError, type ErrorDetail } from '../../../src/domain/errors.ts';
import { compilePattern } from '../../../src/domain/patterns/index.ts';
import { patternLimits } from '../../../src/domain/patterns/validate.ts';

/** Compiles a pattern that must be refused and returns the reported problems. */
function problems(pattern: unknown): ErrorDetail[] {
  try {
    compilePattern(pattern);
  } catch (error) {
    assert.ok(error instanceof SluiceError, `expected a SluiceError, got ${String(error)}`);
    assert.equal(error.code, 'invalid_pattern');
    assert.equal(error.status, 400);
    assert.ok(error.details !== undefined && error.details.length > 0, 'details name the problem');
    return error.details;
  }
  assert.fail(`pattern should be refused: ${JSON.stringify(pattern)}`);
}

/** The one problem a pattern has: its path, and a reason that contains `reason`. */
function refused(pattern: unknown, path: string, reason: RegExp): void {
  const found = problems(pattern);
  assert.equal(found.length, 1, `one problem expected for ${JSON.stringify(pattern)}, got ${JSON.stringify(found)}`);
  assert.equal(found[0]!.path, path, `path for ${JSON.stringify(pattern)}`);
  assert.match(found[0]!.reason, reason, `reason for ${JSON.stringify(pattern)}`);
}

void test('invalid_pattern is in the error catalogue as a 400 with a fix', () => {
  assert.equal(errorCatalogue.invalid_pattern.status, 400);
  assert.match(errorCatalogue.invalid_pattern.fix, /patterns\.md/);
  const error = new SluiceError('invalid_pattern', 'x', { details: [{ path: '/a', reason: 'b' }] });
  assert.deepEqual(error.toBody(), { code: 'invalid_pattern', message: 'x', fix: errorCatalogue.invalid_pattern.fix, details: [{ path: '/a', reason: 'b' }] });
});

void test('a pattern is a JSON object', () => {
  refused('type', '', /JSON object, got the string "type"/);
  refused(null, '', /got null/);
  refused([{ type: ['a'] }], '', /got a list/);
  refused(5, '', /got the number 5/);
  refused(new Map(), '', /got an object/);
});

void test('fields take a list of matchers or a nested object', () => {
  refused({ type: 'order.placed' }, '/type', /list of matchers or a nested pattern object, got the string "order.placed"/);
  refused({ data: { n: 5 } }, '/data/n', /got the number 5/);
  refused({ data: { n: null } }, '/data/n', /got null/);
  refused({ data: { n: true } }, '/data/n', /got boolean/);
  refused({ type: [] }, '/type', /empty list matches nothing/);
  refused({ data: {} }, '/data', /empty object has no conditions/);
});

void test('paths are JSON pointers, with / and ~ escaped in field names', () => {
  refused({ data: { 'a/b': 'x' } }, '/data/a~1b', /list of matchers/);
  refused({ data: { 'm~n': [] } }, '/data/m~0n', /empty list/);
  refused({ data: { '': 1 } }, '/data/', /list of matchers/);
});

void test('fields no event can have are refused', () => {
  refused(JSON.parse('{"data":{"__proto__":["x"]}}'), '/data/__proto__', /never a field of an event/);
  refused({ constructor: ['x'] }, '/constructor', /never a field/);
  refused({ data: { prototype: { a: ['x'] } } }, '/data/prototype', /never a field/);
});

void test('matchers: values and one-operator objects', () => {
  refused({ a: [['x']] }, '/a/0', /not a list/);
  refused({ a: [{}] }, '/a/0', /exactly one operator.*got none/);
  refused({ a: [{ prefix: 'a', suffix: 'b' }] }, '/a/0', /exactly one operator.*"prefix", "suffix"/);
  refused({ a: [{ regex: '.*' }] }, '/a/0/regex', /unknown operator "regex"/);
  refused({ a: ['ok', { Prefix: 'a' }] }, '/a/1/Prefix', /unknown operator "Prefix"/);
  refused({ a: [Number.NaN] }, '/a/0', /finite, got NaN/);
  refused({ a: [Number.POSITIVE_INFINITY] }, '/a/0', /finite/);
  refused({ a: [undefined] }, '/a/0', /got undefined/);
});

void test('prefix, suffix, equals-ignore-case and exists take the right argument', () => {
  refused({ a: [{ prefix: 5 }] }, '/a/0/prefix', /string or \{"equals-ignore-case": string\}, got the number 5/);
  refused({ a: [{ suffix: ['x'] }] }, '/a/0/suffix', /got a list/);
  refused({ a: [{ prefix: { 'equals-ignore-case': 1 } }] }, '/a/0/prefix/equals-ignore-case', /expected a string/);
  refused({ a: [{ prefix: { 'equals-ignore-case': 'x', other: 1 } }] }, '/a/0/prefix', /string or/);
  refused({ a: [{ 'equals-ignore-case': null }] }, '/a/0/equals-ignore-case', /expected a string, got null/);
  refused({ a: [{ exists: 'true' }] }, '/a/0/exists', /true or false/);
});

void test('wildcard: a backslash escapes only a star or a backslash', () => {
  refused({ a: [{ wildcard: 'a\\b' }] }, '/a/0/wildcard', /backslash may only escape/);
  refused({ a: [{ wildcard: 'trailing\\' }] }, '/a/0/wildcard', /backslash may only escape/);
  refused({ a: [{ wildcard: 7 }] }, '/a/0/wildcard', /expected a string/);
});

void test('anything-but: values, a non-empty list, or one string operator', () => {
  refused({ a: [{ 'anything-but': [] }] }, '/a/0/anything-but', /at least one value/);
  refused({ a: [{ 'anything-but': ['x', ['y']] }] }, '/a/0/anything-but/1', /string, number, boolean or null, got a list/);
  refused({ a: [{ 'anything-but': { numeric: ['>', 1] } }] }, '/a/0/anything-but/numeric', /does not take "numeric"/);
  refused({ a: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] }, '/a/0/anything-but', /takes a value, a list/);
  refused({ a: [{ 'anything-but': { prefix: 5 } }] }, '/a/0/anything-but/prefix', /expected a string/);
  refused({ a: [{ 'anything-but': { 'equals-ignore-case': [] } }] }, '/a/0/anything-but/equals-ignore-case', /at least one string/);
  refused({ a: [{ 'anything-but': { 'equals-ignore-case': ['a', 2] } }] }, '/a/0/anything-but/equals-ignore-case/1', /expected a string/);
  refused({ a: [{ 'anything-but': { wildcard: '\\x' } }] }, '/a/0/anything-but/wildcard', /backslash/);
});

void test('numeric: one comparison or a non-empty range', () => {
  refused({ n: [{ numeric: '>5' }] }, '/n/0/numeric', /one or two comparisons/);
  refused({ n: [{ numeric: ['>'] }] }, '/n/0/numeric', /one or two comparisons/);
  refused({ n: [{ numeric: ['>', 1, '<'] }] }, '/n/0/numeric', /one or two comparisons/);
  refused({ n: [{ numeric: ['>', 1, '<', 5, '<', 9] }] }, '/n/0/numeric', /one or two comparisons/);
  refused({ n: [{ numeric: ['!=', 5] }] }, '/n/0/numeric/0', /one of "=", "<", "<=", ">", ">=", got the string "!="/);
  refused({ n: [{ numeric: ['>', '5'] }] }, '/n/0/numeric/1', /finite number, got the string "5"/);
  refused({ n: [{ numeric: ['>', 1, '>=', 2] }] }, '/n/0/numeric/2', /two lower bounds/);
  refused({ n: [{ numeric: ['<', 1, '<=', 2] }] }, '/n/0/numeric/2', /two upper bounds/);
  refused({ n: [{ numeric: ['=', 1, '<', 2] }] }, '/n/0/numeric/0', /"=" stands alone/);
  refused({ n: [{ numeric: ['>', 10, '<', 5] }] }, '/n/0/numeric', /no number is > 10 and < 5/);
  refused({ n: [{ numeric: ['>', 5, '<=', 5] }] }, '/n/0/numeric', /no number is > 5 and <= 5/);
});

void test('cidr: address/length with a valid address and length', () => {
  refused({ ip: [{ cidr: '10.0.0.0' }] }, '/ip/0/cidr', /"address\/length"/);
  refused({ ip: [{ cidr: '10.0.0.256/8' }] }, '/ip/0/cidr', /"10.0.0.256" is not an IPv4 or IPv6 address/);
  refused({ ip: [{ cidr: '010.0.0.0/8' }] }, '/ip/0/cidr', /not an IPv4 or IPv6 address/);
  refused({ ip: [{ cidr: '10.0.0.0/33' }] }, '/ip/0/cidr', /from 0 to 32, got "33"/);
  refused({ ip: [{ cidr: '10.0.0.0/' }] }, '/ip/0/cidr', /from 0 to 32/);
  refused({ ip: [{ cidr: '10.0.0.0/-1' }] }, '/ip/0/cidr', /from 0 to 32/);
  refused({ ip: [{ cidr: '::/129' }] }, '/ip/0/cidr', /from 0 to 128, got "129"/);
  refused({ ip: [{ cidr: '1::2::3/64' }] }, '/ip/0/cidr', /not an IPv4 or IPv6 address/);
  refused({ ip: [{ cidr: 'fe80::1%eth0/64' }] }, '/ip/0/cidr', /not an IPv4 or IPv6 address/);
  refused({ ip: [{ cidr: '1:2:3:4:5:6:7:8:9/64' }] }, '/ip/0/cidr', /not an IPv4 or IPv6 address/);
  refused({ ip: [{ cidr: 42 }] }, '/ip/0/cidr', /expected a string/);
});

void test('$or takes a non-empty list of non-empty pattern objects', () => {
  refused({ $or: { a: ['x'] } }, '/$or', /non-empty list of pattern objects, got an object/);
  refused({ $or: [] }, '/$or', /got an empty list/);
  refused({ $or: [{ a: ['x'] }, ['b']] }, '/$or/1', /pattern is a JSON object, got a list/);
  refused({ $or: [{ a: ['x'] }, {}] }, '/$or/1', /empty object/);
  refused({ data: { $or: [{ a: 'x' }] } }, '/data/$or/0/a', /list of matchers/);
});

void test('every problem is reported, each with its own path', () => {
  const found = problems({ type: 'x', data: { n: [{ numeric: ['>', 'a'] }], q: [] }, $or: [{}] });
  assert.deepEqual(
    found.map((problem) => problem.path),
    ['/type', '/data/n/0/numeric/1', '/data/q', '/$or/0'],
  );
  try {
    compilePattern({ type: 'x', subject: 'y' });
    assert.fail('should throw');
  } catch (error) {
    assert.ok(error instanceof SluiceError);
    assert.match(error.message, /^invalid pattern: \/type: .* \(and 1 more\)$/);
  }
});

void test('limits: depth, number of matchers and fields, string length', () => {
  const nest = (levels: number): unknown => {
    let pattern: unknown = { leaf: ['x'] };
    for (let i = 1; i < levels; i++) pattern = { deeper: pattern };
    return pattern;
  };
  assert.doesNotThrow(() => compilePattern(nest(patternLimits.maxDepth)));
  const deepPath = `${'/deeper'.repeat(patternLimits.maxDepth)}`;
  refused(nest(patternLimits.maxDepth + 1), deepPath, /deeper than 16 levels/);
  // $or alternatives count as a level.
  let viaOr: unknown = { leaf: ['x'] };
  for (let i = 1; i <= patternLimits.maxDepth; i++) viaOr = { $or: [viaOr] };
  assert.equal(problems(viaOr)[0]!.reason, 'the pattern nests deeper than 16 levels');

  const values = (count: number) => Array.from({ length: count }, (_, i) => `v${i}`);
  assert.doesNotThrow(() => compilePattern({ a: values(patternLimits.maxMatchers) }));
  refused({ a: values(patternLimits.maxMatchers + 1) }, '/a/1000', /more than 1000 matchers/);
  refused({ a: values(600), b: [{ 'anything-but': values(401) }] }, '/b/0/anything-but/400', /more than 1000 matchers/);

  const fields = Object.fromEntries(Array.from({ length: patternLimits.maxFields + 1 }, (_, i) => [`f${i}`, { x: [1] }]));
  assert.equal(problems(fields)[0]!.reason, 'the pattern names more than 1000 fields');

  assert.doesNotThrow(() => compilePattern({ a: ['x'.repeat(patternLimits.maxStringLength)] }));
  refused({ a: ['x'.repeat(patternLimits.maxStringLength + 1)] }, '/a/0', /at most 4096 characters/);
  refused({ a: [{ wildcard: 'x'.repeat(patternLimits.maxStringLength + 1) }] }, '/a/0/wildcard', /at most 4096 characters/);
});

void test('a cyclic pattern built in code stops at the depth limit instead of looping', () => {
  const cyclic: Record<string, unknown> = { a: ['x'] };
  cyclic['self'] = cyclic;
  assert.match(problems(cyclic).at(-1)!.reason, /deeper than 16 levels/);
});

void test('a pattern with many problems reports the first twenty and stops', () => {
  const bad = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, 'x']));
  const found = problems(bad);
  assert.equal(found.length, 20);
  assert.equal(found[0]!.path, '/f0');
});

import { inRange, parseIp } from './cidr.ts';
import { foldCase } from './fold.ts';
import type { AnythingBut, Bound, CidrRange, CompiledPattern, LeafMatcher, LeafNode, ObjectNode, Scalar } from './types.ts';
import { parsePattern } from './validate.ts';
import { matchWildcard } from './wildcard.ts';

type Test = (value: unknown) => boolean;
type StringTest = (text: string) => boolean;
type NumberTest = (value: number) => boolean;
type LeafValue = string | number | boolean | null;

/**
 * Validates a content pattern once and compiles it into a matcher. Everything that can be
 * worked out from the pattern alone is worked out here: sets of exact values, case-folded
 * strings, numeric bounds, CIDR blocks as address ranges, wildcards split into segments.
 *
 * @throws SluiceError `invalid_pattern`, with a JSON pointer into the pattern per problem
 * @example
 * const isBig = compilePattern({ type: ['order.placed'], data: { total: [{ numeric: ['>', 100] }] } });
 * isBig({ type: 'order.placed', data: { total: 250 } }); // true
 */
export function compilePattern(pattern: unknown): CompiledPattern {
  return compileObject(parsePattern(pattern));
}

function compileObject(node: ObjectNode): Test {
  const fields = node.fields.map(({ key, node: child }) => ({ key, test: child.kind === 'leaf' ? compileLeaf(child) : compileObject(child) }));
  const alternatives = node.or?.map(compileObject);
  const matchOne = (value: unknown): boolean => {
    for (const field of fields) {
      if (!field.test(fieldOf(value, field.key))) return false;
    }
    if (alternatives === undefined) return true;
    for (const alternative of alternatives) {
      if (alternative(value)) return true;
    }
    return false;
  };
  return (value) => (Array.isArray(value) ? someElement(value, matchOne) : matchOne(value));
}

function fieldOf(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
  return (value as Record<string, unknown>)[key];
}

/**
 * An array stands for its elements (nested arrays for theirs), an empty array for an absent
 * value. Nested arrays are walked with an explicit stack: a deeply nested value cannot
 * overflow the call stack.
 */
function someElement(root: readonly unknown[], test: Test): boolean {
  const arrays: (readonly unknown[])[] = [root];
  const positions = [0];
  let empty = true;
  while (arrays.length > 0) {
    const top = arrays.length - 1;
    const array = arrays[top]!;
    const position = positions[top]!;
    if (position === array.length) {
      arrays.pop();
      positions.pop();
      continue;
    }
    positions[top] = position + 1;
    const element = array[position];
    if (Array.isArray(element)) {
      arrays.push(element);
      positions.push(0);
      continue;
    }
    empty = false;
    if (test(element)) return true;
  }
  return empty && test(undefined);
}

/** `exists` counts strings, numbers and booleans; not null, not objects (as EventBridge). */
function isPresent(value: unknown): boolean {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean';
}

function compileLeaf(leaf: LeafNode): Test {
  let existsTrue = false;
  let existsFalse = false;
  for (const matcher of leaf.matchers) {
    if (matcher.kind === 'exists') {
      if (matcher.value) existsTrue = true;
      else existsFalse = true;
    }
  }
  const values = compileValueMatchers(leaf.matchers.filter((matcher) => matcher.kind !== 'exists'));
  const test = (value: unknown): boolean => (Array.isArray(value) ? someElement(value, values) : values(value));
  if (!existsTrue && !existsFalse) return test;
  if (existsTrue && existsFalse) return () => true;
  return (value) => {
    const present = Array.isArray(value) ? someElement(value, isPresent) : isPresent(value);
    return present === existsTrue || test(value);
  };
}

/** Compiles every matcher but `exists` into one test of a single (non-array) value. */
function compileValueMatchers(matchers: LeafMatcher[]): Test {
  if (matchers.length === 0) return () => false;
  const strings = new Set<string>();
  const numbers = new Set<number>();
  const folded = new Set<string>();
  const stringTests: StringTest[] = [];
  const foldedTests: StringTest[] = [];
  const numberTests: NumberTest[] = [];
  const leafTests: ((value: LeafValue) => boolean)[] = [];
  const ranges: CidrRange[] = [];
  let matchTrue = false;
  let matchFalse = false;
  let matchNull = false;

  for (const matcher of matchers) {
    switch (matcher.kind) {
      case 'exact': {
        const value = matcher.value;
        if (typeof value === 'string') strings.add(value);
        else if (typeof value === 'number') numbers.add(value);
        else if (value === true) matchTrue = true;
        else if (value === false) matchFalse = true;
        else matchNull = true;
        break;
      }
      case 'prefix': {
        if (matcher.ignoreCase) {
          const prefix = foldCase(matcher.value);
          foldedTests.push((text) => text.startsWith(prefix));
        } else {
          const prefix = matcher.value;
          stringTests.push((text) => text.startsWith(prefix));
        }
        break;
      }
      case 'suffix': {
        if (matcher.ignoreCase) {
          const suffix = foldCase(matcher.value);
          foldedTests.push((text) => text.endsWith(suffix));
        } else {
          const suffix = matcher.value;
          stringTests.push((text) => text.endsWith(suffix));
        }
        break;
      }
      case 'equals-ignore-case':
        folded.add(foldCase(matcher.value));
        break;
      case 'wildcard': {
        const segments = matcher.segments;
        // Without a star a wildcard is an exact string.
        if (segments.length === 1) strings.add(segments[0]!);
        else stringTests.push((text) => matchWildcard(segments, text));
        break;
      }
      case 'numeric':
        numberTests.push(compileRange(matcher.lower, matcher.upper));
        break;
      case 'cidr':
        ranges.push(matcher.range);
        break;
      case 'anything-but':
        compileAnythingBut(matcher.not, stringTests, foldedTests, leafTests);
        break;
      case 'exists':
        break;
    }
  }
  if (ranges.length > 0) {
    stringTests.push((text) => {
      const address = parseIp(text);
      return address !== undefined && ranges.some((range) => inRange(range, address));
    });
  }
  const foldStrings = folded.size > 0 || foldedTests.length > 0;

  const leafMatch = (value: LeafValue): boolean => {
    for (const test of leafTests) {
      if (test(value)) return true;
    }
    return false;
  };
  return (value) => {
    switch (typeof value) {
      case 'string': {
        if (strings.has(value)) return true;
        for (const test of stringTests) {
          if (test(value)) return true;
        }
        if (foldStrings) {
          const text = foldCase(value);
          if (folded.has(text)) return true;
          for (const test of foldedTests) {
            if (test(text)) return true;
          }
        }
        return leafMatch(value);
      }
      case 'number': {
        if (numbers.has(value)) return true;
        for (const test of numberTests) {
          if (test(value)) return true;
        }
        return leafMatch(value);
      }
      case 'boolean':
        return (value ? matchTrue : matchFalse) || leafMatch(value);
      case 'object':
        return value === null && (matchNull || leafMatch(null));
      default:
        return false;
    }
  };
}

function compileRange(lower: Bound | undefined, upper: Bound | undefined): NumberTest {
  const above = lower === undefined ? undefined : lower.inclusive ? (n: number) => n >= lower.value : (n: number) => n > lower.value;
  const below = upper === undefined ? undefined : upper.inclusive ? (n: number) => n <= upper.value : (n: number) => n < upper.value;
  if (above === undefined) return below ?? (() => true);
  if (below === undefined) return above;
  return (n) => above(n) && below(n);
}

/** anything-but of values applies to every leaf value; the string forms only to strings. */
function compileAnythingBut(not: AnythingBut, stringTests: StringTest[], foldedTests: StringTest[], leafTests: ((value: LeafValue) => boolean)[]): void {
  switch (not.kind) {
    case 'values': {
      const excluded = new Set<Scalar>(not.values);
      leafTests.push((value) => !excluded.has(value));
      return;
    }
    case 'prefix': {
      const prefix = not.value;
      stringTests.push((text) => !text.startsWith(prefix));
      return;
    }
    case 'suffix': {
      const suffix = not.value;
      stringTests.push((text) => !text.endsWith(suffix));
      return;
    }
    case 'wildcard': {
      const segments = not.segments;
      stringTests.push((text) => !matchWildcard(segments, text));
      return;
    }
    case 'equals-ignore-case': {
      const excluded = new Set(not.values.map(foldCase));
      foldedTests.push((text) => !excluded.has(text));
      return;
    }
  }
}

import { parseIp } from './cidr.ts';
import { foldCase } from './fold.ts';
import type { Matcher, Pattern, Scalar } from './types.ts';

/**
 * The pattern language read straight off its definition, with no precomputation. It is
 * slow on purpose and exists to cross-check `compilePattern` in tests. It expects a pattern
 * that `compilePattern` accepted.
 *
 * @example interpretPattern({ data: { n: [{ numeric: ['>', 1] }] } }, { data: { n: 2 } }) // true
 */
export function interpretPattern(pattern: Pattern, value: unknown): boolean {
  return elementsOf(value).some((element) =>
    Object.entries(pattern).every(([key, condition]) => {
      if (key === '$or') return (condition as readonly Pattern[]).some((alternative) => interpretPattern(alternative, element));
      if (Array.isArray(condition)) return leafMatches(condition as readonly Matcher[], fieldOf(element, key));
      return interpretPattern(condition as Pattern, fieldOf(element, key));
    }),
  );
}

/** What a value stands for: an array its elements, all the way down; an empty array nothing. */
function elementsOf(value: unknown): unknown[] {
  if (!Array.isArray(value)) return [value];
  const elements = (value as unknown[]).flat(Infinity);
  return elements.length === 0 ? [undefined] : elements;
}

function fieldOf(value: unknown, key: string): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, key)) return (value as Record<string, unknown>)[key];
  return undefined;
}

function isLeaf(value: unknown): value is Scalar {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function leafMatches(matchers: readonly Matcher[], value: unknown): boolean {
  const leaves = elementsOf(value).filter(isLeaf);
  return matchers.some((matcher) => {
    if (typeof matcher === 'object' && matcher !== null && 'exists' in matcher) {
      const present = leaves.some((leaf) => leaf !== null);
      return matcher.exists === present;
    }
    return leaves.some((leaf) => matchesOne(matcher, leaf));
  });
}

function matchesOne(matcher: Matcher, leaf: Scalar): boolean {
  if (typeof matcher !== 'object' || matcher === null) return matcher === leaf;
  const [operator, argument] = Object.entries(matcher)[0] as [string, unknown];
  const text = typeof leaf === 'string' ? leaf : undefined;
  switch (operator) {
    case 'prefix':
      if (text === undefined) return false;
      if (typeof argument === 'string') return text.startsWith(argument);
      return foldCase(text).startsWith(foldCase((argument as { 'equals-ignore-case': string })['equals-ignore-case']));
    case 'suffix':
      if (text === undefined) return false;
      if (typeof argument === 'string') return text.endsWith(argument);
      return foldCase(text).endsWith(foldCase((argument as { 'equals-ignore-case': string })['equals-ignore-case']));
    case 'equals-ignore-case': {
      const options = Array.isArray(argument) ? (argument as string[]) : [argument as string];
      return text !== undefined && options.some((option) => foldCase(option) === foldCase(text));
    }
    case 'wildcard':
      return text !== undefined && wildcardMatches(argument as string, 0, text, 0);
    case 'anything-but':
      if (Array.isArray(argument)) return !(argument as Scalar[]).includes(leaf);
      if (typeof argument === 'object' && argument !== null) return text !== undefined && !matchesOne(argument as Matcher, text);
      return argument !== leaf;
    case 'numeric': {
      if (typeof leaf !== 'number') return false;
      const comparisons = argument as (string | number)[];
      for (let i = 0; i < comparisons.length; i += 2) {
        if (!compare(leaf, comparisons[i] as string, comparisons[i + 1] as number)) return false;
      }
      return true;
    }
    case 'cidr':
      return text !== undefined && inBlock(argument as string, text);
    default:
      return false;
  }
}

function compare(value: number, operator: string, operand: number): boolean {
  if (operator === '=') return value === operand;
  if (operator === '<') return value < operand;
  if (operator === '<=') return value <= operand;
  if (operator === '>') return value > operand;
  return value >= operand;
}

/** Wildcards by plain backtracking, character by character; fine for the short strings of tests. */
function wildcardMatches(pattern: string, p: number, text: string, t: number): boolean {
  if (p === pattern.length) return t === text.length;
  if (pattern[p] === '*') {
    for (let rest = t; rest <= text.length; rest++) {
      if (wildcardMatches(pattern, p + 1, text, rest)) return true;
    }
    return false;
  }
  const literal = pattern[p] === '\\' ? pattern[p + 1] : pattern[p];
  const next = pattern[p] === '\\' ? p + 2 : p + 1;
  return t < text.length && text[t] === literal && wildcardMatches(pattern, next, text, t + 1);
}

/** CIDR membership by comparing the leading bits of the two addresses written in binary. */
function inBlock(block: string, text: string): boolean {
  const [network, length] = block.split('/') as [string, string];
  const base = parseIp(network);
  const address = parseIp(text);
  if (base === undefined || address === undefined || base.family !== address.family) return false;
  const bits = base.family === 4 ? 32 : 128;
  const binary = (value: number | bigint): string => value.toString(2).padStart(bits, '0');
  const prefix = Number(length);
  return binary(base.value).slice(0, prefix) === binary(address.value).slice(0, prefix);
}

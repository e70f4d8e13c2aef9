import { SluiceError, type ErrorDetail } from '../errors.ts';
import { parseCidr } from './cidr.ts';
import type { AnythingBut, Bound, FieldNode, LeafMatcher, LeafNode, ObjectNode, Scalar } from './types.ts';
import { parseWildcard } from './wildcard.ts';

/** Bounds on one pattern, so that a pattern sent over the API cannot tie up the process. */
export const patternLimits = {
  /** Nesting of pattern objects, counting `$or` alternatives as one level. */
  maxDepth: 16,
  /** Fields named across the whole pattern, `$or` included. */
  maxFields: 1000,
  /** Matchers across the whole pattern; every value in an `anything-but` list counts. */
  maxMatchers: 1000,
  /** Characters in any one string of the pattern. */
  maxStringLength: 4096,
} as const;

// Stop collecting after this many problems: the first few are what a user fixes first.
const maxProblems = 20;
// These never reach the matcher: ingest refuses them as keys (`forbidden_key`).
const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);
const operators = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'anything-but', 'numeric', 'exists', 'cidr'];
const lowerOperators = new Set(['>', '>=']);
const upperOperators = new Set(['<', '<=']);
const numericOperators = new Set(['=', '>', '>=', '<', '<=']);

class TooManyProblems extends Error {}

/** Walks a pattern once, collecting every problem with its JSON pointer. */
class Checker {
  readonly problems: ErrorDetail[] = [];
  private fields = 0;
  private matchers = 0;

  problem(path: string, reason: string): undefined {
    this.problems.push({ path, reason });
    if (this.problems.length >= maxProblems) throw new TooManyProblems();
    return undefined;
  }

  /** A limit was passed: report it and stop, since the rest of the pattern may be huge. */
  limit(path: string, reason: string): never {
    this.problems.push({ path, reason });
    throw new TooManyProblems();
  }

  object(value: unknown, path: string, depth: number, root: boolean): ObjectNode | undefined {
    if (!isPlainObject(value)) return this.problem(path, `a pattern is a JSON object, got ${describe(value)}`);
    if (depth > patternLimits.maxDepth) this.limit(path, `the pattern nests deeper than ${patternLimits.maxDepth} levels`);
    const keys = Object.keys(value);
    if (keys.length === 0 && !root) return this.problem(path, 'an empty object has no conditions; remove it or name a field');
    const fields: FieldNode[] = [];
    let or: ObjectNode[] | undefined;
    let valid = true;
    for (const key of keys) {
      this.fields++;
      const fieldPath = `${path}/${escapePointer(key)}`;
      if (this.fields > patternLimits.maxFields) this.limit(fieldPath, `the pattern names more than ${patternLimits.maxFields} fields`);
      const child = value[key];
      if (key === '$or') {
        or = this.alternatives(child, fieldPath, depth);
        valid &&= or !== undefined;
      } else if (forbiddenKeys.has(key)) {
        this.problem(fieldPath, `"${key}" is never a field of an event, so it cannot be matched`);
        valid = false;
      } else if (Array.isArray(child)) {
        const leaf = this.leaf(child, fieldPath);
        if (leaf === undefined) valid = false;
        else fields.push({ key, node: leaf });
      } else if (isPlainObject(child)) {
        const node = this.object(child, fieldPath, depth + 1, false);
        if (node === undefined) valid = false;
        else fields.push({ key, node });
      } else {
        this.problem(fieldPath, `a field takes a list of matchers or a nested pattern object, got ${describe(child)}; to match one value, put it in a list`);
        valid = false;
      }
    }
    return valid ? { kind: 'object', fields, or } : undefined;
  }

  private alternatives(value: unknown, path: string, depth: number): ObjectNode[] | undefined {
    if (!Array.isArray(value) || value.length === 0) {
      return this.problem(path, `"$or" takes a non-empty list of pattern objects, got ${describe(value)}`);
    }
    const alternatives: ObjectNode[] = [];
    let valid = true;
    value.forEach((alternative: unknown, index) => {
      const node = this.object(alternative, `${path}/${index}`, depth + 1, false);
      if (node === undefined) valid = false;
      else alternatives.push(node);
    });
    return valid ? alternatives : undefined;
  }

  private leaf(list: unknown[], path: string): LeafNode | undefined {
    if (list.length === 0) return this.problem(path, 'an empty list matches nothing; list at least one matcher');
    const matchers: LeafMatcher[] = [];
    let valid = true;
    list.forEach((entry: unknown, index) => {
      const matcher = this.matcher(entry, `${path}/${index}`);
      if (matcher === undefined) valid = false;
      else matchers.push(matcher);
    });
    return valid ? { kind: 'leaf', matchers } : undefined;
  }

  private count(path: string): void {
    this.matchers++;
    if (this.matchers > patternLimits.maxMatchers) this.limit(path, `the pattern has more than ${patternLimits.maxMatchers} matchers`);
  }

  private matcher(entry: unknown, path: string): LeafMatcher | undefined {
    this.count(path);
    if (Array.isArray(entry)) return this.problem(path, 'a matcher is a value or an {operator: argument} object, not a list');
    if (!isPlainObject(entry)) {
      const value = this.scalar(entry, path);
      return value === undefined ? undefined : { kind: 'exact', value: value.value };
    }
    const keys = Object.keys(entry);
    if (keys.length !== 1) {
      return this.problem(
        path,
        `a matcher object has exactly one operator, e.g. {"prefix": "a"}; got ${keys.length === 0 ? 'none' : keys.map((key) => `"${key}"`).join(', ')}`,
      );
    }
    const operator = keys[0]!;
    const argument = entry[operator];
    const argumentPath = `${path}/${escapePointer(operator)}`;
    switch (operator) {
      case 'prefix':
      case 'suffix':
        return this.affix(operator, argument, argumentPath);
      case 'equals-ignore-case': {
        const value = this.string(argument, argumentPath);
        return value === undefined ? undefined : { kind: 'equals-ignore-case', value };
      }
      case 'wildcard': {
        const segments = this.wildcard(argument, argumentPath);
        return segments === undefined ? undefined : { kind: 'wildcard', segments };
      }
      case 'anything-but': {
        const not = this.anythingBut(argument, argumentPath);
        return not === undefined ? undefined : { kind: 'anything-but', not };
      }
      case 'numeric':
        return this.numeric(argument, argumentPath);
      case 'exists':
        if (typeof argument !== 'boolean') return this.problem(argumentPath, `"exists" takes true or false, got ${describe(argument)}`);
        return { kind: 'exists', value: argument };
      case 'cidr': {
        const text = this.string(argument, argumentPath);
        if (text === undefined) return undefined;
        const parsed = parseCidr(text);
        return parsed.ok ? { kind: 'cidr', range: parsed.range } : this.problem(argumentPath, parsed.reason);
      }
      default:
        return this.problem(argumentPath, `unknown operator "${operator}"; the operators are ${operators.map((name) => `"${name}"`).join(', ')}`);
    }
  }

  private affix(operator: 'prefix' | 'suffix', argument: unknown, path: string): LeafMatcher | undefined {
    if (typeof argument === 'string') return this.string(argument, path) === undefined ? undefined : { kind: operator, value: argument, ignoreCase: false };
    if (isPlainObject(argument) && Object.keys(argument).length === 1 && Object.hasOwn(argument, 'equals-ignore-case')) {
      const value = this.string(argument['equals-ignore-case'], `${path}/equals-ignore-case`);
      return value === undefined ? undefined : { kind: operator, value, ignoreCase: true };
    }
    return this.problem(path, `"${operator}" takes a string or {"equals-ignore-case": string}, got ${describe(argument)}`);
  }

  private anythingBut(argument: unknown, path: string): AnythingBut | undefined {
    if (Array.isArray(argument)) {
      if (argument.length === 0) return this.problem(path, '"anything-but" needs at least one value');
      const values: Scalar[] = [];
      let valid = true;
      argument.forEach((entry: unknown, index) => {
        const entryPath = `${path}/${index}`;
        // The first value was counted with the matcher itself.
        if (index > 0) this.count(entryPath);
        const value = this.scalar(entry, entryPath);
        if (value === undefined) valid = false;
        else values.push(value.value);
      });
      return valid ? { kind: 'values', values } : undefined;
    }
    if (!isPlainObject(argument)) {
      const value = this.scalar(argument, path);
      return value === undefined ? undefined : { kind: 'values', values: [value.value] };
    }
    const keys = Object.keys(argument);
    const operator = keys[0];
    if (keys.length !== 1 || operator === undefined) {
      return this.problem(path, '"anything-but" takes a value, a list of values, or one of {"prefix"}, {"suffix"}, {"wildcard"}, {"equals-ignore-case"}');
    }
    const inner = argument[operator];
    const innerPath = `${path}/${escapePointer(operator)}`;
    switch (operator) {
      case 'prefix':
      case 'suffix': {
        const value = this.string(inner, innerPath);
        return value === undefined ? undefined : { kind: operator, value };
      }
      case 'wildcard': {
        const segments = this.wildcard(inner, innerPath);
        return segments === undefined ? undefined : { kind: 'wildcard', segments };
      }
      case 'equals-ignore-case': {
        const list: unknown[] = Array.isArray(inner) ? inner : [inner];
        if (list.length === 0) return this.problem(innerPath, '"equals-ignore-case" needs at least one string');
        const values: string[] = [];
        let valid = true;
        list.forEach((entry, index) => {
          const entryPath = Array.isArray(inner) ? `${innerPath}/${index}` : innerPath;
          if (index > 0) this.count(entryPath);
          const value = this.string(entry, entryPath);
          if (value === undefined) valid = false;
          else values.push(value);
        });
        return valid ? { kind: 'equals-ignore-case', values } : undefined;
      }
      default:
        return this.problem(innerPath, `"anything-but" does not take "${operator}"; it takes "prefix", "suffix", "wildcard" or "equals-ignore-case"`);
    }
  }

  private numeric(argument: unknown, path: string): LeafMatcher | undefined {
    const shape = '"numeric" takes one or two comparisons, e.g. [">", 0] or [">=", 0, "<", 10]';
    if (!Array.isArray(argument) || (argument.length !== 2 && argument.length !== 4)) return this.problem(path, `${shape}, got ${describe(argument)}`);
    let lower: Bound | undefined;
    let upper: Bound | undefined;
    let equal = false;
    for (let i = 0; i < argument.length; i += 2) {
      const operator: unknown = argument[i];
      const operand: unknown = argument[i + 1];
      if (typeof operator !== 'string' || !numericOperators.has(operator)) {
        return this.problem(`${path}/${i}`, `a comparison is one of "=", "<", "<=", ">", ">=", got ${describe(operator)}`);
      }
      if (typeof operand !== 'number' || !Number.isFinite(operand))
        return this.problem(`${path}/${i + 1}`, `"${operator}" compares with a finite number, got ${describe(operand)}`);
      if (operator === '=') {
        if (argument.length !== 2) return this.problem(`${path}/${i}`, '"=" stands alone; write ["=", n]');
        equal = true;
        lower = { value: operand, inclusive: true };
        upper = { value: operand, inclusive: true };
      } else if (lowerOperators.has(operator)) {
        if (lower !== undefined) return this.problem(`${path}/${i}`, 'two lower bounds; pair one of ">", ">=" with one of "<", "<="');
        lower = { value: operand, inclusive: operator === '>=' };
      } else if (upperOperators.has(operator)) {
        if (upper !== undefined) return this.problem(`${path}/${i}`, 'two upper bounds; pair one of ">", ">=" with one of "<", "<="');
        upper = { value: operand, inclusive: operator === '<=' };
      }
    }
    if (!equal && lower !== undefined && upper !== undefined) {
      const empty = lower.value > upper.value || (lower.value === upper.value && !(lower.inclusive && upper.inclusive));
      if (empty) return this.problem(path, `no number is ${lower.inclusive ? '>=' : '>'} ${lower.value} and ${upper.inclusive ? '<=' : '<'} ${upper.value}`);
    }
    return { kind: 'numeric', lower, upper };
  }

  private wildcard(argument: unknown, path: string): string[] | undefined {
    const text = this.string(argument, path);
    if (text === undefined) return undefined;
    const parsed = parseWildcard(text);
    return parsed.ok ? parsed.segments : this.problem(path, parsed.reason);
  }

  private string(value: unknown, path: string): string | undefined {
    if (typeof value !== 'string') return this.problem(path, `expected a string, got ${describe(value)}`);
    if (value.length > patternLimits.maxStringLength) return this.problem(path, `strings in a pattern are at most ${patternLimits.maxStringLength} characters`);
    return value;
  }

  /** Boxed, because `null` is a valid value and `undefined` means "invalid". */
  private scalar(value: unknown, path: string): { value: Scalar } | undefined {
    if (value === null || typeof value === 'boolean') return { value };
    if (typeof value === 'number') return Number.isFinite(value) ? { value } : this.problem(path, `numbers in a pattern must be finite, got ${String(value)}`);
    if (typeof value === 'string') return this.string(value, path) === undefined ? undefined : { value };
    return this.problem(path, `expected a string, number, boolean or null, got ${describe(value)}`);
  }
}

/**
 * Checks a pattern and returns its checked form.
 *
 * @throws SluiceError `invalid_pattern` whose `details` name each problem by JSON pointer
 * @example parsePattern({ type: ['order.placed'] })
 */
export function parsePattern(pattern: unknown): ObjectNode {
  const checker = new Checker();
  let root: ObjectNode | undefined;
  try {
    root = checker.object(pattern, '', 1, true);
  } catch (error) {
    if (!(error instanceof TooManyProblems)) throw error;
  }
  if (root !== undefined && checker.problems.length === 0) return root;
  const [first] = checker.problems;
  const where = first === undefined || first.path === '' ? 'the pattern' : first.path;
  const more = checker.problems.length > 1 ? ` (and ${checker.problems.length - 1} more)` : '';
  throw new SluiceError('invalid_pattern', `invalid pattern: ${where}: ${first?.reason ?? 'not valid'}${more}`, { details: checker.problems });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

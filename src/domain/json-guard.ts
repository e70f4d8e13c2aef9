import type { ErrorDetail } from './errors.ts';
import { SluiceError } from './errors.ts';

const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Walks a parsed JSON value once and rejects what could hurt a later consumer:
 * nesting deeper than `maxDepth` and prototype-polluting keys.
 * Recursion stops at `maxDepth`, so a hostile document cannot blow the stack.
 */
export function guardJson(value: unknown, maxDepth: number): void {
  const problem = inspect(value, 0, maxDepth, '');
  if (problem === undefined) return;
  if (problem.kind === 'depth') {
    throw new SluiceError('nesting_too_deep', `the event nests deeper than ${maxDepth} levels`, { details: [problem.detail] });
  }
  throw new SluiceError('forbidden_key', `the event uses a forbidden property name`, { details: [problem.detail] });
}

type Problem = { kind: 'depth' | 'key'; detail: ErrorDetail };

function inspect(value: unknown, depth: number, maxDepth: number, path: string): Problem | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= maxDepth) return { kind: 'depth', detail: { path, reason: `deeper than ${maxDepth} levels` } };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = inspect(value[i], depth + 1, maxDepth, `${path}/${i}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (forbiddenKeys.has(key)) return { kind: 'key', detail: { path: `${path}/${escapePointer(key)}`, reason: `property name "${key}" is not allowed` } };
    const problem = inspect((value as Record<string, unknown>)[key], depth + 1, maxDepth, `${path}/${escapePointer(key)}`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

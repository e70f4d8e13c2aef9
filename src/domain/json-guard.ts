import type { ErrorDetail } from './errors.ts';
import { SluiceError } from './errors.ts';
import { InexactNumber } from './exact-json.ts';

const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Walks a parsed JSON value once and rejects what could hurt a later consumer:
 * nesting deeper than `maxDepth`, prototype-polluting keys, and numbers that cannot be kept
 * exactly (marked by `parseExactJson`).
 * Recursion stops at `maxDepth`, so a hostile document cannot blow the stack.
 */
export function guardJson(value: unknown, maxDepth: number): void {
  const problem = inspect(value, 0, maxDepth, '');
  if (problem === undefined) return;
  if (problem.kind === 'depth') {
    throw new SluiceError('nesting_too_deep', `the event nests deeper than ${maxDepth} levels`, { details: [problem.detail] });
  }
  if (problem.kind === 'number') {
    throw new SluiceError('inexact_number', `the event holds a number that cannot be stored exactly (${problem.detail.path || 'the whole event'})`, {
      details: [problem.detail],
    });
  }
  throw new SluiceError('forbidden_key', `the event uses a forbidden property name`, { details: [problem.detail] });
}

type Problem = { kind: Failure['kind']; detail: ErrorDetail };

// Walks without building paths; the path is assembled only on the way out of a failure,
// so a clean event costs no string work.
function inspect(value: unknown, depth: number, maxDepth: number, path: string): Problem | undefined {
  const failure = find(value, depth, maxDepth);
  if (failure === undefined) return undefined;
  const pointer =
    path +
    failure.segments
      .reverse()
      .map((segment) => `/${escapePointer(segment)}`)
      .join('');
  if (failure.kind === 'depth') return { kind: 'depth', detail: { path: pointer, reason: `deeper than ${maxDepth} levels` } };
  if (failure.kind === 'number') return { kind: 'number', detail: { path: pointer, reason: failure.reason ?? 'cannot be stored exactly' } };
  return { kind: 'key', detail: { path: pointer, reason: `property name "${failure.segments[failure.segments.length - 1] ?? ''}" is not allowed` } };
}

interface Failure {
  kind: 'depth' | 'key' | 'number';
  reason?: string;
  /** Innermost first; reversed once at the end. */
  segments: string[];
}

function find(value: unknown, depth: number, maxDepth: number): Failure | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (value instanceof InexactNumber) return { kind: 'number', segments: [], reason: value.reason };
  if (depth >= maxDepth) return { kind: 'depth', segments: [] };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const failure = find(value[i], depth + 1, maxDepth);
      if (failure !== undefined) {
        failure.segments.push(String(i));
        return failure;
      }
    }
    return undefined;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (forbiddenKeys.has(key)) return { kind: 'key', segments: [key] };
    const failure = find((value as Record<string, unknown>)[key], depth + 1, maxDepth);
    if (failure !== undefined) {
      failure.segments.push(key);
      return failure;
    }
  }
  return undefined;
}

export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

import { escapePointer } from '../json-guard.ts';

/**
 * A field inside an event's `data`, parsed once when a pipeline is compiled.
 * Every step (and, later, filters and routes) addresses fields through this one parser.
 */
export interface FieldPath {
  /** The path as the user wrote it. */
  readonly text: string;
  /** The same field as a JSON pointer (RFC 6901); outcomes and errors report this. */
  readonly pointer: string;
  /** Property names (or array indexes, as text) from the outside in. */
  readonly segments: readonly string[];
  /** `segments[i]` as an array index when it is a canonical one (`0`, `12`), else undefined. */
  readonly indexes: readonly (number | undefined)[];
}

/** Thrown by {@link parsePath}; `reason` says what is wrong in words fit for an error detail. */
export class InvalidPathError extends Error {
  readonly reason: string;

  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidPathError';
    this.reason = reason;
  }
}

const forbiddenSegments = new Set(['__proto__', 'constructor', 'prototype']);
const canonicalIndex = /^(0|[1-9]\d*)$/;
const maxPathLength = 1024;
const maxSegments = 64;

/**
 * Parses a field path: dotted (`user.name`, `\.` for a literal dot, `\\` for a backslash)
 * or a JSON pointer (`/user/name`, `/items/0/sku`, `~1` and `~0` as in RFC 6901).
 * Refuses what could reach an object's prototype (`__proto__`, `constructor`, `prototype`).
 *
 * @example parsePath('user.name').pointer // '/user/name'
 * @example parsePath('/a~1b/0').segments  // ['a/b', '0']
 * @example parsePath('version\\.major').segments // ['version.major']
 */
export function parsePath(text: string): FieldPath {
  if (typeof text !== 'string') throw new InvalidPathError('a field path must be a string');
  if (text === '') throw new InvalidPathError('a field path must not be empty');
  if (text.length > maxPathLength) throw new InvalidPathError(`a field path must be at most ${maxPathLength} characters`);
  const segments = text.startsWith('/') ? pointerSegments(text) : dottedSegments(text);
  if (segments.length > maxSegments) throw new InvalidPathError(`a field path may have at most ${maxSegments} segments`);
  for (const segment of segments) {
    if (forbiddenSegments.has(segment)) throw new InvalidPathError(`"${segment}" is not allowed in a field path`);
  }
  return {
    text,
    pointer: segments.map((segment) => `/${escapePointer(segment)}`).join(''),
    segments,
    indexes: segments.map((segment) => (canonicalIndex.test(segment) && segment.length <= 9 ? Number(segment) : undefined)),
  };
}

function pointerSegments(text: string): string[] {
  return text
    .slice(1)
    .split('/')
    .map((raw) => {
      // Only ~0 and ~1 are escapes (RFC 6901); a lone ~ is a typo worth reporting.
      if (/~(?![01])/.test(raw)) throw new InvalidPathError('in a JSON pointer "~" must be followed by 0 or 1 (~0 is "~", ~1 is "/")');
      return raw.replaceAll('~1', '/').replaceAll('~0', '~');
    });
}

function dottedSegments(text: string): string[] {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') {
      const next = text[i + 1];
      if (next !== '.' && next !== '\\') throw new InvalidPathError('in a dotted path "\\" must be followed by "." or "\\"');
      current += next;
      i++;
    } else if (char === '.') {
      if (current === '') throw new InvalidPathError('a dotted path must not have an empty segment (a leading, trailing or doubled ".")');
      segments.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current === '') throw new InvalidPathError('a dotted path must not have an empty segment (a leading, trailing or doubled ".")');
  segments.push(current);
  return segments;
}

/** True when `a` is `b` or lies inside it, or the other way round: writing one touches the other. */
export function overlaps(a: FieldPath, b: FieldPath): boolean {
  const shorter = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < shorter; i++) if (a.segments[i] !== b.segments[i]) return false;
  return true;
}

/** Returned by {@link readPath} when the field is not there. */
export const missing: unique symbol = Symbol('missing');

/**
 * Reads a field without copying anything. Only own properties count (never `toString`
 * from a prototype), and inside an array only a canonical index names a member.
 *
 * @example readPath({ user: { name: 'ana' } }, parsePath('user.name')) // 'ana'
 */
export function readPath(root: unknown, path: FieldPath): unknown {
  let current = root;
  for (let i = 0; i < path.segments.length; i++) {
    current = child(current, path, i);
    if (current === missing) return missing;
  }
  return current;
}

/** The member `path.segments[i]` of `container`, or `missing`. */
export function child(container: unknown, path: FieldPath, i: number): unknown {
  if (typeof container !== 'object' || container === null) return missing;
  if (Array.isArray(container)) {
    const index = path.indexes[i];
    return index !== undefined && index < container.length ? (container[index] as unknown) : missing;
  }
  const key = path.segments[i]!;
  return Object.hasOwn(container, key) ? (container as Record<string, unknown>)[key] : missing;
}

/** `/a/b` for the first `count` segments of `path`; '' (the whole data) for none. */
export function prefixPointer(path: FieldPath, count: number): string {
  let pointer = '';
  for (let i = 0; i < count; i++) pointer += `/${escapePointer(path.segments[i]!)}`;
  return pointer;
}

/** 'a string', 'an array', 'null', … for reasons that describe a value without showing it. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
}

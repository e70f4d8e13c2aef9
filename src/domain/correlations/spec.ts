import type { ErrorDetail } from '../errors.ts';
import { SluiceError } from '../errors.ts';
import { compilePointer, isJsonPointer } from '../json-pointer.ts';
import { isTypeName } from '../names.ts';
import { nested } from '../pipeline-config.ts';
import type { CompiledPattern } from '../patterns/index.ts';
import { compilePattern } from '../patterns/index.ts';
import { parseStartFrom } from '../positions.ts';
import { parseDuration } from '../subscriptions/durations.ts';

/** When an instance is complete. */
export type Completion = { kind: 'all' } | { kind: 'count'; count: number } | { kind: 'pattern'; pattern: unknown; matches: CompiledPattern };

/** A correlation definition, checked and with its defaults (docs/correlations.md). */
export interface CorrelationSpec {
  types: string[];
  /** The key pointer of each type. */
  keys: Record<string, string>;
  /** Reads a type's key from an event's data; `undefined` for a type the correlation does not join. */
  keyOf(type: string): ((data: unknown) => unknown) | undefined;
  completion: Completion;
  timeoutMs: number;
  timeoutFrom: 'first' | 'last';
  emit: { complete: string; expired: string };
  keep: 'first' | 'last';
  late: 'new-instance' | 'drop';
  limits: { maxOpenInstances: number; maxEventsPerInstance: number };
}

export const correlationLimits = {
  types: [2, 20],
  timeoutMs: [1000, 7 * 86_400_000],
  maxOpenInstances: [1, 10_000_000],
  maxEventsPerInstance: [1, 10_000],
} as const;

const definitionKeys = new Set(['types', 'key', 'keys', 'completion', 'timeout', 'timeoutFrom', 'emit', 'keep', 'late', 'limits', 'start']);
const namePattern = /^[a-z0-9][a-z0-9._-]{0,127}$/;

export function assertCorrelationName(name: string): void {
  if (!namePattern.test(name)) {
    throw new SluiceError(
      'invalid_name',
      `"${name}" is not a valid correlation name: use lower-case letters, digits, ".", "_" and "-" (at most 128, starting with a letter or digit)`,
    );
  }
}

/**
 * Checks a correlation definition and fills in defaults; `typeExists`, when given, is asked
 * about every named type, so unknown types are reported with every other problem.
 *
 * @throws SluiceError `invalid_correlation` with one detail per problem
 */
export function parseCorrelationDefinition(input: unknown, typeExists?: (type: string) => boolean): CorrelationSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SluiceError('invalid_correlation', 'a correlation is an object with types, key, timeout and emit', {
      details: [{ path: '', reason: 'not an object' }],
    });
  }
  const given = input as Record<string, unknown>;
  const problems: ErrorDetail[] = [];
  for (const key of Object.keys(given))
    if (!definitionKeys.has(key)) problems.push({ path: `/${key}`, reason: `unknown key (expected ${[...definitionKeys].join(', ')})` });

  const types: string[] = [];
  const [minTypes, maxTypes] = correlationLimits.types;
  if (!Array.isArray(given.types) || given.types.length < minTypes || given.types.length > maxTypes) {
    problems.push({ path: '/types', reason: `a list of ${minTypes} to ${maxTypes} event types to join` });
  } else {
    given.types.forEach((type, i) => {
      if (typeof type !== 'string' || !isTypeName(type)) problems.push({ path: `/types/${i}`, reason: 'not an event type name' });
      else if (types.includes(type)) problems.push({ path: `/types/${i}`, reason: `"${type}" is listed twice` });
      else {
        types.push(type);
        if (typeExists !== undefined && !typeExists(type)) problems.push({ path: `/types/${i}`, reason: `no event type "${type}": register it first` });
      }
    });
  }

  const keys: Record<string, string> = {};
  const pointer = (value: unknown): value is string => typeof value === 'string' && value !== '' && isJsonPointer(value);
  if (given.key !== undefined && !pointer(given.key)) problems.push({ path: '/key', reason: 'a JSON Pointer into the data, such as "/transaction"' });
  if (given.keys !== undefined && (typeof given.keys !== 'object' || given.keys === null || Array.isArray(given.keys))) {
    problems.push({ path: '/keys', reason: 'a mapping of event type to JSON Pointer, for types whose key is elsewhere' });
  } else if (given.keys !== undefined) {
    for (const [type, value] of Object.entries(given.keys as Record<string, unknown>)) {
      if (!types.includes(type)) problems.push({ path: `/keys/${type}`, reason: 'not one of the listed types' });
      else if (!pointer(value)) problems.push({ path: `/keys/${type}`, reason: 'a JSON Pointer into the data' });
    }
  }
  for (const type of types) {
    const own = (given.keys as Record<string, unknown> | undefined)?.[type];
    const chosen = pointer(own) ? own : pointer(given.key) ? given.key : undefined;
    if (chosen === undefined) {
      if (given.key === undefined && own === undefined)
        problems.push({ path: '/key', reason: `name the key: a JSON Pointer such as "/transaction" (for "${type}" and the others)` });
    } else keys[type] = chosen;
  }

  const completion = parseCompletion(given.completion, types.length, problems);
  const timeoutMs = parseDuration(given.timeout);
  const [minTimeout, maxTimeout] = correlationLimits.timeoutMs;
  if (timeoutMs === undefined || timeoutMs < minTimeout || timeoutMs > maxTimeout)
    problems.push({ path: '/timeout', reason: 'a duration from "1s" to "7d", such as "30s" or "5m"' });
  const timeoutFrom = given.timeoutFrom ?? 'last';
  if (timeoutFrom !== 'first' && timeoutFrom !== 'last')
    problems.push({ path: '/timeoutFrom', reason: 'use "last" (the default: the timeout restarts with every event) or "first"' });

  let emit: { complete: string; expired: string } = { complete: '', expired: '' };
  if (typeof given.emit !== 'object' || given.emit === null || Array.isArray(given.emit)) {
    problems.push({ path: '/emit', reason: 'a mapping {complete: <type>, expired: <type>}: the event types the aggregates are stored as' });
  } else {
    const e = given.emit as Record<string, unknown>;
    for (const key of Object.keys(e))
      if (key !== 'complete' && key !== 'expired') problems.push({ path: `/emit/${key}`, reason: 'unknown key (expected complete, expired)' });
    for (const which of ['complete', 'expired'] as const) {
      const type = e[which];
      if (typeof type !== 'string' || !isTypeName(type)) problems.push({ path: `/emit/${which}`, reason: 'an event type name' });
      else if (types.includes(type)) problems.push({ path: `/emit/${which}`, reason: 'an output type cannot be one of the inputs' });
      else if (typeExists !== undefined && !typeExists(type))
        problems.push({ path: `/emit/${which}`, reason: `no event type "${type}": register it first (docs/correlations.md has a schema for the aggregate)` });
    }
    if (problems.every((p) => !p.path.startsWith('/emit'))) emit = { complete: e.complete as string, expired: e.expired as string };
  }
  const keep = given.keep ?? 'first';
  if (keep !== 'first' && keep !== 'last')
    problems.push({ path: '/keep', reason: 'use "first" (the default) or "last": which event of a type the aggregate holds' });
  const late = given.late ?? 'new-instance';
  if (late !== 'new-instance' && late !== 'drop')
    problems.push({ path: '/late', reason: 'use "new-instance" (the default) or "drop": what an event for a finished key does' });
  const limits = parseLimits(given.limits, problems);
  if (given.start !== undefined) {
    try {
      if (typeof given.start !== 'string') throw new Error('not text');
      parseStartFrom(given.start);
    } catch {
      problems.push({ path: '/start', reason: 'use "latest" (the default), "earliest" or an RFC 3339 time' });
    }
  }

  if (problems.length > 0) {
    throw new SluiceError(
      'invalid_correlation',
      `the correlation has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}`,
      { details: problems },
    );
  }
  const readers = new Map(Object.entries(keys).map(([type, p]) => [type, compilePointer(p)]));
  return {
    types,
    keys,
    keyOf: (type) => readers.get(type),
    completion,
    timeoutMs: timeoutMs!,
    timeoutFrom: timeoutFrom as 'first' | 'last',
    emit,
    keep: keep as 'first' | 'last',
    late: late as 'new-instance' | 'drop',
    limits,
  };
}

function parseCompletion(value: unknown, typeCount: number, problems: ErrorDetail[]): Completion {
  if (value === undefined || value === 'all') return { kind: 'all' };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const given = value as Record<string, unknown>;
    const keys = Object.keys(given);
    if (keys.length === 1 && keys[0] === 'count') {
      const count = given.count;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > typeCount)
        problems.push({ path: '/completion/count', reason: `a whole number from 1 to the number of types (${typeCount})` });
      else return { kind: 'count', count };
      return { kind: 'all' };
    }
    if (keys.length === 1 && keys[0] === 'pattern') {
      const matches = nested(problems, '/completion/pattern', () => compilePattern(given.pattern));
      if (matches !== undefined) return { kind: 'pattern', pattern: given.pattern, matches };
      return { kind: 'all' };
    }
  }
  problems.push({ path: '/completion', reason: '"all" (the default), {count: n} (n distinct types) or {pattern: <content pattern on the aggregate>}' });
  return { kind: 'all' };
}

function parseLimits(value: unknown, problems: ErrorDetail[]): CorrelationSpec['limits'] {
  const limits = { maxOpenInstances: 100_000, maxEventsPerInstance: 100 };
  if (value === undefined) return limits;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ path: '/limits', reason: 'a mapping {maxOpenInstances?, maxEventsPerInstance?}' });
    return limits;
  }
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    if (key !== 'maxOpenInstances' && key !== 'maxEventsPerInstance') {
      problems.push({ path: `/limits/${key}`, reason: 'unknown key (expected maxOpenInstances, maxEventsPerInstance)' });
      continue;
    }
    const [min, max] = correlationLimits[key];
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max)
      problems.push({ path: `/limits/${key}`, reason: `a whole number from ${min} to ${max}` });
    else limits[key] = raw;
  }
  return limits;
}

/** A JSON Schema for the aggregates a correlation stores, to register its output types with. */
export function aggregateSchema(spec: Pick<CorrelationSpec, 'types'>): object {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    required: ['key', 'complete', 'events', 'missing', 'firstAt', 'lastAt', 'count'],
    properties: {
      key: { type: 'string' },
      complete: { type: 'boolean' },
      events: { type: 'object', properties: Object.fromEntries(spec.types.map((type) => [type, {}])), additionalProperties: false },
      missing: { type: 'array', items: { enum: spec.types } },
      firstAt: { type: 'string', format: 'date-time' },
      lastAt: { type: 'string', format: 'date-time' },
      count: { type: 'integer', minimum: 1 },
    },
  };
}

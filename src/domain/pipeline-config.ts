import type { ErrorDetail } from './errors.ts';
import { SluiceError } from './errors.ts';
import { escapePointer } from './json-guard.ts';
import { isTypeName } from './names.ts';
import { compilePattern, type CompiledPattern } from './patterns/index.ts';
import { compileSteps, parsePath, readPath, type TransformDeps, type TransformOutcome } from './transforms/index.ts';

/**
 * What an event type does to its events after validation, as written in sluice.yaml or
 * sent to `PUT /v1/types/{type}/pipeline`.
 *
 * @example
 * { steps: [{ rename: { timestamp: 'created_at' } }],
 *   filter: { data: { country: ['NL', 'BE'] } },
 *   route: { field: 'destination', map: { FINANCE: 'finance' }, default: 'unrouted' } }
 */
export interface PipelineConfig {
  steps?: unknown[];
  filter?: unknown;
  route?: RouteConfig;
}

/** Where events go: by a field's value (`field` + `map`), by patterns (`rules`), or both. */
export interface RouteConfig {
  field?: string;
  map?: Record<string, string | string[]>;
  rules?: { pattern: unknown; to: string | string[] }[];
  /** The event type whose stream takes events no route matched; without it they are dead letters (`no_route`). */
  default?: string;
  /** Also keep the event in its own type's stream. */
  keepOriginal?: boolean;
}

/** The view patterns see: the CloudEvents attributes that matter and the (transformed) data. */
export interface PatternView {
  type: string;
  source: string;
  subject?: string;
  key: string | null;
  time: string;
  data: unknown;
}

export interface CompiledPipeline {
  transform: ((data: unknown) => TransformOutcome) | undefined;
  filter: CompiledPattern | undefined;
  /** The event types an event goes to; `undefined` when nothing matched and there is no default. */
  route: ((view: PatternView) => string[] | undefined) | undefined;
  keepOriginal: boolean;
  /** Every type a route can name, so they can be checked to exist. */
  targets: string[];
}

const pipelineKeys = new Set(['steps', 'filter', 'route']);
const routeKeys = new Set(['field', 'map', 'rules', 'default', 'keepOriginal']);
const maxRules = 100;

/** Compiles a pipeline once; throws `invalid_pipeline` naming every problem. */
export function compilePipeline(config: unknown, deps: TransformDeps): CompiledPipeline {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new SluiceError('invalid_pipeline', 'a pipeline is a mapping with steps, filter and route', { details: [{ path: '', reason: 'not a mapping' }] });
  }
  const object = config as Record<string, unknown>;
  const problems: ErrorDetail[] = [];
  for (const key of Object.keys(object)) if (!pipelineKeys.has(key)) problems.push({ path: `/${key}`, reason: 'unknown key (expected steps, filter, route)' });
  const transform = object.steps === undefined ? undefined : nested(problems, '', () => compileSteps(object.steps, deps));
  const filter = object.filter === undefined ? undefined : nested(problems, '/filter', () => compilePattern(object.filter));
  const route = object.route === undefined ? undefined : compileRoute(object.route, problems);
  if (problems.length > 0) {
    throw new SluiceError('invalid_pipeline', `the pipeline is not valid: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}`, { details: problems });
  }
  return { transform, filter, route: route?.route, keepOriginal: route?.keepOriginal ?? false, targets: route?.targets ?? [] };
}

function compileRoute(
  config: unknown,
  problems: ErrorDetail[],
): { route: (view: PatternView) => string[] | undefined; keepOriginal: boolean; targets: string[] } | undefined {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    problems.push({ path: '/route', reason: 'must be a mapping with field and map, or rules' });
    return undefined;
  }
  const route = config as Record<string, unknown>;
  for (const key of Object.keys(route))
    if (!routeKeys.has(key)) problems.push({ path: `/route/${key}`, reason: 'unknown key (expected field, map, rules, default, keepOriginal)' });
  const targets = new Set<string>();
  const typeList = (value: unknown, path: string): string[] => {
    const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
    if (list === undefined || list.length === 0 || !list.every((item) => typeof item === 'string' && isTypeName(item))) {
      problems.push({ path, reason: 'must name an event type of this tenant, or a list of them' });
      return [];
    }
    for (const item of list as string[]) targets.add(item);
    return list as string[];
  };

  let byField: ((view: PatternView) => string[] | undefined) | undefined;
  if (route.field !== undefined || route.map !== undefined) {
    if (typeof route.field !== 'string') problems.push({ path: '/route/field', reason: 'must name a field of data, e.g. destination or /destination' });
    if (typeof route.map !== 'object' || route.map === null || Array.isArray(route.map))
      problems.push({ path: '/route/map', reason: 'must map field values to event types' });
    else if (typeof route.field === 'string') {
      const field = route.field;
      const path = nested(problems, '/route/field', () => parsePath(field));
      const table = new Map<string, string[]>();
      for (const [value, to] of Object.entries(route.map as Record<string, unknown>)) table.set(value, typeList(to, `/route/map/${escapePointer(value)}`));
      if (path !== undefined) {
        byField = (view) => {
          const value = readPath(view.data, path);
          return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? table.get(String(value)) : undefined;
        };
      }
    }
  }

  const rules: { pattern: CompiledPattern; to: string[] }[] = [];
  if (route.rules !== undefined) {
    if (!Array.isArray(route.rules) || route.rules.length > maxRules)
      problems.push({ path: '/route/rules', reason: `must be a list of at most ${maxRules} {pattern, to}` });
    else {
      route.rules.forEach((rule: unknown, index) => {
        const where = `/route/rules/${index}`;
        if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
          problems.push({ path: where, reason: 'must be a mapping with pattern and to' });
          return;
        }
        const { pattern, to } = rule as { pattern?: unknown; to?: unknown };
        const compiled = nested(problems, `${where}/pattern`, () => compilePattern(pattern));
        const types = typeList(to, `${where}/to`);
        if (compiled !== undefined) rules.push({ pattern: compiled, to: types });
      });
    }
  }
  // Only when neither was tried: a wrong field or map is already reported at its own path.
  if (route.field === undefined && route.map === undefined && route.rules === undefined)
    problems.push({ path: '/route', reason: 'needs field and map, or rules' });
  const fallback = route.default === undefined ? undefined : typeList(route.default, '/route/default');
  if (route.keepOriginal !== undefined && typeof route.keepOriginal !== 'boolean')
    problems.push({ path: '/route/keepOriginal', reason: 'must be true or false' });

  return {
    keepOriginal: route.keepOriginal === true,
    targets: [...targets],
    route: (view) => {
      const chosen = new Set<string>(byField?.(view) ?? []);
      for (const rule of rules) if (rule.pattern(view)) for (const type of rule.to) chosen.add(type);
      if (chosen.size === 0) return fallback;
      return [...chosen];
    },
  };
}

/** Runs a compiler and folds its `SluiceError` details, re-rooted at `prefix`, into `problems`. */
export function nested<T>(problems: ErrorDetail[], prefix: string, compile: () => T): T | undefined {
  try {
    return compile();
  } catch (error) {
    if (!(error instanceof SluiceError) && !(error instanceof Error && error.name === 'InvalidPathError')) throw error;
    const details = error instanceof SluiceError ? error.details : undefined;
    if (details === undefined || details.length === 0) problems.push({ path: prefix, reason: error.message });
    else for (const detail of details) problems.push({ path: `${prefix}${detail.path}`, reason: detail.reason });
    return undefined;
  }
}

import type { ErrorDetail } from '../errors.ts';
import { escapePointer } from '../json-guard.ts';
import { type FieldPath, InvalidPathError, overlaps, parsePath } from './paths.ts';
import type { TransformDeps } from './types.ts';

/** `/steps/2/rename` + `user.name` → `/steps/2/rename/user.name`, escaped as RFC 6901 asks. */
export function at(base: string, key: string | number): string {
  return `${base}/${escapePointer(String(key))}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A path as written in the config, with where it was written (for error details). */
export interface PlacedPath {
  path: FieldPath;
  at: string;
}

/**
 * Reads a pipeline config once, collecting every problem (not just the first) so the
 * user can fix the whole config in one go.
 */
export class ConfigReader {
  readonly problems: ErrorDetail[] = [];
  readonly deps: TransformDeps;

  constructor(deps: TransformDeps) {
    this.deps = deps;
  }

  problem(path: string, reason: string): undefined {
    this.problems.push({ path, reason });
    return undefined;
  }

  fieldPath(text: unknown, where: string): FieldPath | undefined {
    if (typeof text !== 'string') return this.problem(where, 'must be a field path (a string such as "user.name" or "/user/name")');
    try {
      return parsePath(text);
    } catch (error) {
      if (error instanceof InvalidPathError) return this.problem(where, `"${text}" is not a valid field path: ${error.reason}`);
      throw error;
    }
  }

  /** A non-empty mapping of field path → option, e.g. the body of `rename` or `set`. */
  fieldMap(value: unknown, where: string, example: string): Array<{ path: FieldPath; at: string; option: unknown }> | undefined {
    if (!isPlainObject(value) || Object.keys(value).length === 0) {
      return this.problem(where, `must be a non-empty mapping of field path to ${example}`);
    }
    const entries: Array<{ path: FieldPath; at: string; option: unknown }> = [];
    for (const [text, option] of Object.entries(value)) {
      const entryAt = at(where, text);
      const path = this.fieldPath(text, entryAt);
      if (path !== undefined) entries.push({ path, at: entryAt, option });
    }
    return entries;
  }

  /** A non-empty list of field paths, e.g. the body of `remove` or `keep`. */
  fieldList(value: unknown, where: string): PlacedPath[] | undefined {
    if (!Array.isArray(value) || value.length === 0) return this.problem(where, 'must be a non-empty list of field paths');
    const paths: PlacedPath[] = [];
    value.forEach((text: unknown, index) => {
      const path = this.fieldPath(text, at(where, index));
      if (path !== undefined) paths.push({ path, at: at(where, index) });
    });
    return paths;
  }

  /** An object whose keys are all in `allowed`; reports each unknown key. */
  options(value: unknown, where: string, allowed: readonly string[], shape: string): Record<string, unknown> | undefined {
    if (!isPlainObject(value)) return this.problem(where, `must be ${shape}`);
    let ok = true;
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        this.problem(at(where, key), `unknown option "${key}"; the options are ${allowed.map((name) => `"${name}"`).join(', ')}`);
        ok = false;
      }
    }
    return ok ? value : undefined;
  }

  optionalFlag(options: Record<string, unknown>, where: string): boolean {
    const flag = options.optional;
    if (flag === undefined || typeof flag === 'boolean') return flag === true;
    this.problem(at(where, 'optional'), 'must be true or false');
    return false;
  }

  /**
   * Within one step no path may be another or lie inside it: the step would write the
   * same field twice, and the result would depend on an order nobody wrote down.
   */
  noOverlaps(paths: readonly PlacedPath[], what: string): void {
    for (let i = 0; i < paths.length; i++) {
      for (let j = 0; j < i; j++) {
        const a = paths[i]!;
        const b = paths[j]!;
        if (!overlaps(a.path, b.path)) continue;
        const relation =
          a.path.segments.length === b.path.segments.length
            ? `names the same field as "${b.path.text}"`
            : a.path.segments.length > b.path.segments.length
              ? `lies inside "${b.path.text}"`
              : `contains "${b.path.text}"`;
        this.problem(a.at, `${what} "${a.path.text}" ${relation}; a step may touch each field once`);
        break;
      }
    }
  }
}

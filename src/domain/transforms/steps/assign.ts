import { at, type ConfigReader, isPlainObject, type PlacedPath } from '../config.ts';
import { isContainer, notAnObject } from '../draft.ts';
import { type FieldPath, missing, readPath } from '../paths.ts';
import type { CompiledStep } from '../types.ts';

type Value = { kind: 'constant'; value: unknown } | { kind: 'now' } | { kind: 'copy'; from: FieldPath; optional: boolean };

const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);
const maxConstantDepth = 32;
const directives = ['now', 'copy', 'value'];

/**
 * `set: {pipeline: v1, processed_at: {now: true}, user_copy: {copy: user_id}}` writes each
 * field; `default` has the same syntax but writes only fields that are absent or null.
 * Copies read the event as it was before the step, and take a deep copy of the value.
 */
export function compileAssign(config: unknown, where: string, reader: ConfigReader, onlyWhenAbsent: boolean): CompiledStep | undefined {
  const entries = reader.fieldMap(config, where, 'a value ({now: true}, {copy: path} and {value: ...} are special)');
  if (entries === undefined) return undefined;
  const targets: PlacedPath[] = [];
  const values: Value[] = [];
  for (const entry of entries) {
    const value = compileValue(entry.option, entry.at, reader);
    if (value === undefined) continue;
    targets.push({ path: entry.path, at: entry.at });
    values.push(value);
  }
  reader.noOverlaps(targets, 'field');
  const paths = targets.map((target) => target.path);
  const reads = values.some((value) => value.kind === 'copy');

  return (draft) => {
    if (!isContainer(draft.root)) return notAnObject(paths[0]!, draft.root);
    // Work out every value first, so a copy never sees a field this same step wrote.
    const computed: unknown[] | undefined = reads || onlyWhenAbsent ? new Array(paths.length) : undefined;
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i]!;
      if (onlyWhenAbsent) {
        const current = readPath(draft.root, path);
        if (current !== missing && current !== null) {
          computed![i] = missing;
          continue;
        }
      }
      const spec = values[i]!;
      let value: unknown;
      if (spec.kind === 'constant') value = spec.value;
      else if (spec.kind === 'now') value = draft.now();
      else {
        value = readPath(draft.root, spec.from);
        if (value === missing && !spec.optional) {
          return { path: spec.from.pointer, reason: `missing: there is no field ${spec.from.pointer} to copy into ${path.pointer}` };
        }
        // A deep copy, so a later write into one of the two fields never shows in the other.
        if (isContainer(value)) value = structuredClone(value);
      }
      if (computed === undefined) {
        const failure = draft.set(path, value);
        if (failure !== undefined) return failure;
      } else {
        computed[i] = value;
      }
    }
    if (computed !== undefined) {
      for (let i = 0; i < paths.length; i++) {
        if (computed[i] === missing) continue;
        const failure = draft.set(paths[i]!, computed[i]);
        if (failure !== undefined) return failure;
      }
    }
    return undefined;
  };
}

/**
 * An object with a `now`, `copy` or `value` key is a directive and must be exactly one;
 * a constant object that has such a field is written inside `{value: ...}`. Refusing the
 * mix (instead of guessing) means a config never silently sets something else.
 */
function compileValue(option: unknown, where: string, reader: ConfigReader): Value | undefined {
  if (!isPlainObject(option)) return constant(option, where, reader);
  const directive = directives.find((key) => key in option);
  if (directive === undefined) return constant(option, where, reader);
  const extra = Object.keys(option).filter((key) => key !== directive && !(directive === 'copy' && key === 'optional'));
  if (extra.length > 0) {
    return reader.problem(
      at(where, extra[0]!),
      `{${directive}: ...} takes no "${extra[0]}"; to set an object that has a "${directive}" field, write it inside {value: ...}`,
    );
  }
  if (directive === 'now') return option.now === true ? { kind: 'now' } : reader.problem(at(where, 'now'), 'must be true');
  if (directive === 'value') return constant(option.value, at(where, 'value'), reader);
  const from = reader.fieldPath(option.copy, at(where, 'copy'));
  const optional = reader.optionalFlag(option, where);
  return from === undefined ? undefined : { kind: 'copy', from, optional };
}

function constant(value: unknown, where: string, reader: ConfigReader): Value | undefined {
  const problem = checkJson(value, where, 0);
  if (problem !== undefined) return reader.problem(problem.path, problem.reason);
  // A private, frozen copy: the caller may change its config object later, and every
  // event shares this one value (copy-on-write copies it before writing inside it).
  return { kind: 'constant', value: deepFreeze(structuredClone(value)) };
}

function checkJson(value: unknown, where: string, depth: number): { path: string; reason: string } | undefined {
  if (depth > maxConstantDepth) return { path: where, reason: `nests deeper than ${maxConstantDepth} levels` };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { path: where, reason: 'must be a finite number' };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = checkJson(value[i], at(where, i), depth + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const [key, member] of Object.entries(value)) {
      if (forbiddenKeys.has(key)) return { path: at(where, key), reason: `"${key}" is not allowed as a property name` };
      const problem = checkJson(member, at(where, key), depth + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  return { path: where, reason: 'must be a JSON value (string, number, boolean, null, list or mapping)' };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

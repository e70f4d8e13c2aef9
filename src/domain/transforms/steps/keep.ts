import type { ConfigReader } from '../config.ts';
import { type Draft, isContainer, notAnObject, type StepFailure } from '../draft.ts';
import { child, type FieldPath, missing, prefixPointer } from '../paths.ts';
import type { CompiledStep } from '../types.ts';

/**
 * `keep: [user_id, user.name]` is an allow-list: the output holds only these fields, each
 * with the minimum of parents (`{user: {name}}`), in the order listed. A field that is not
 * there is simply not kept. A path cannot pick members out of an array (keep the array).
 */
export function compileKeep(config: unknown, where: string, reader: ConfigReader): CompiledStep | undefined {
  const placed = reader.fieldList(config, where);
  if (placed === undefined) return undefined;
  reader.noOverlaps(placed, 'path');
  const paths = placed.map((entry) => entry.path);
  const segments = paths.reduce((sum, path) => sum + path.segments.length, 0);
  const copy = segments <= maxCompiledSegments ? keepFunction(paths) : keepLoop(paths);
  const crossing = (index: number, depth: number): StepFailure => {
    const path = paths[index]!;
    return { path: path.pointer, reason: `keep cannot pick members out of the array at ${prefixPointer(path, depth)}; keep the whole array instead` };
  };

  return (draft) => {
    const root = draft.root;
    if (!isContainer(root) || Array.isArray(root)) return notAnObject(paths[0]!, root);
    return copy(root, draft, crossing);
  };
}

/**
 * Up to this many path segments in all, a keep step is compiled to code; past it, the code
 * and V8's work compiling it grow with every segment (hundreds of MB for thousands of long
 * paths), and the step walks its paths instead.
 */
const maxCompiledSegments = 256;

/** Makes the draft's root the kept fields of `root`, or answers why it cannot. */
type KeepFunction = (root: object, draft: Draft, crossing: (index: number, depth: number) => StepFailure) => StepFailure | undefined;

/**
 * The allow-list as straight-line code, one nested `if` per segment of each path. Reading
 * and writing fields by names written into the code lets V8 cache each access where it is;
 * reached through a variable name, every one was a generic lookup, and keeping 8 fields cost
 * about three times as much (docs/pipelines.md). Parents in the output are new objects owned
 * by the event; kept values move over as they are.
 */
function keepFunction(paths: readonly FieldPath[]): KeepFunction {
  const lines = ['"use strict";', 'return (root, draft, crossing) => {', 'const kept = draft.adopt({});', 'let value, parent;'];
  paths.forEach((path, index) => {
    const names = path.segments.map((segment) => JSON.stringify(segment));
    let code = `if (hasOwn(root, ${names[0]})) { value = root[${names[0]}];`;
    for (let depth = 1; depth < names.length; depth++) {
      code += ` if (Array.isArray(value)) return crossing(${index}, ${depth});`;
      code += ` if (typeof value === "object" && value !== null && hasOwn(value, ${names[depth]})) { value = value[${names[depth]}];`;
    }
    code += ' parent = kept;';
    for (let depth = 0; depth < names.length - 1; depth++) {
      const name = names[depth];
      code += ` parent = hasOwn(parent, ${name}) ? parent[${name}] : (parent[${name}] = draft.adopt({}));`;
    }
    code += ` parent[${names[names.length - 1]}] = value;`;
    code += ' }'.repeat(names.length);
    lines.push(code);
  });
  lines.push('draft.root = kept;', 'return undefined;', '};');
  // Names enter the source only as JSON string literals, and parsePath refuses the ones
  // that reach a prototype (__proto__, constructor, prototype).
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return (new Function('hasOwn', lines.join('\n')) as (hasOwn: typeof Object.hasOwn) => KeepFunction)(Object.hasOwn);
}

/** The same allow-list walked path by path, for steps too large to compile. */
function keepLoop(paths: readonly FieldPath[]): KeepFunction {
  return (root, draft, crossing) => {
    const kept = draft.adopt<Record<string, unknown>>({});
    for (let index = 0; index < paths.length; index++) {
      const path = paths[index]!;
      let value: unknown = root;
      for (let depth = 0; depth < path.segments.length; depth++) {
        if (depth > 0 && Array.isArray(value)) return crossing(index, depth);
        value = child(value, path, depth);
        if (value === missing) break;
      }
      if (value === missing) continue;
      let parent = kept;
      const last = path.segments.length - 1;
      for (let i = 0; i < last; i++) {
        const name = path.segments[i]!;
        parent = (Object.hasOwn(parent, name) ? parent[name] : (parent[name] = draft.adopt({}))) as Record<string, unknown>;
      }
      parent[path.segments[last]!] = value;
    }
    draft.root = kept;
    return undefined;
  };
}

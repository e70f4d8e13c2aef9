import { type ConfigReader, isPlainObject, type PlacedPath } from '../config.ts';
import { isContainer, notAnObject } from '../draft.ts';
import { missing, readPath } from '../paths.ts';
import type { CompiledStep } from '../types.ts';

/**
 * `rename: {timestamp: created_at, user.name: {to: user.full_name, optional: true}}`.
 * All renames of one step happen at once (every source is read before any is moved), so
 * `{a: b, b: a}` swaps. A missing source fails the event unless the rename is optional;
 * an existing target is overwritten.
 */
export function compileRename(config: unknown, where: string, reader: ConfigReader): CompiledStep | undefined {
  const entries = reader.fieldMap(config, where, 'a new path (or {to, optional})');
  if (entries === undefined) return undefined;
  const sources: PlacedPath[] = [];
  const targets: PlacedPath[] = [];
  const optional: boolean[] = [];
  for (const entry of entries) {
    let toText: unknown = entry.option;
    let toAt = entry.at;
    let isOptional = false;
    if (isPlainObject(entry.option)) {
      const options = reader.options(entry.option, entry.at, ['to', 'optional'], 'a new path, or {to, optional}');
      if (options === undefined) continue;
      toText = options.to;
      toAt = `${entry.at}/to`;
      isOptional = reader.optionalFlag(options, entry.at);
    }
    const to = reader.fieldPath(toText, toAt);
    if (to === undefined) continue;
    if (entry.path.pointer === to.pointer) {
      reader.problem(entry.at, `renames "${entry.path.text}" to itself`);
      continue;
    }
    sources.push({ path: entry.path, at: entry.at });
    targets.push({ path: to, at: toAt });
    optional.push(isOptional);
  }
  reader.noOverlaps(sources, 'source');
  reader.noOverlaps(targets, 'target');
  sources.forEach((source, i) => {
    const target = targets[i]!;
    const segments = Math.min(source.path.segments.length, target.path.segments.length);
    if (source.path.segments.slice(0, segments).every((segment, j) => segment === target.path.segments[j])) {
      reader.problem(target.at, `"${target.path.text}" and "${source.path.text}" lie inside one another; a field cannot move into itself`);
    }
  });
  const from = sources.map((source) => source.path);
  const to = targets.map((target) => target.path);

  return (draft) => {
    // Every source is read before any moves, so renames within a step do not see each other.
    const values: unknown[] = new Array(from.length);
    for (let i = 0; i < from.length; i++) {
      const value = readPath(draft.root, from[i]!);
      if (value === missing && !optional[i]) {
        if (!isContainer(draft.root)) return notAnObject(from[i]!, draft.root);
        return { path: from[i]!.pointer, reason: `missing: there is no field ${from[i]!.pointer} to rename to ${to[i]!.pointer}` };
      }
      values[i] = value;
    }
    for (let i = 0; i < from.length; i++) if (values[i] !== missing) draft.delete(from[i]!);
    for (let i = 0; i < to.length; i++) {
      if (values[i] === missing) continue;
      const failure = draft.set(to[i]!, values[i]);
      if (failure !== undefined) return failure;
    }
    return undefined;
  };
}

import type { ConfigReader } from '../config.ts';
import { isContainer, notAnObject } from '../draft.ts';
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

  return (draft) => {
    const root = draft.root;
    if (!isContainer(root) || Array.isArray(root)) return notAnObject(paths[0]!, root);
    const kept = draft.adopt<Record<string, unknown>>({});
    for (const path of paths) {
      const found = find(root, path);
      if (found === missing) continue;
      if (found instanceof ArrayCrossing) {
        return {
          path: path.pointer,
          reason: `keep cannot pick members out of the array at ${prefixPointer(path, found.depth)}; keep the whole array instead`,
        };
      }
      // Parents are new objects owned by this event; kept values move over as they are.
      let container = kept;
      const last = path.segments.length - 1;
      for (let i = 0; i < last; i++) {
        const key = path.segments[i]!;
        container = (Object.hasOwn(container, key) ? container[key] : (container[key] = draft.adopt({}))) as Record<string, unknown>;
      }
      container[path.segments[last]!] = found;
    }
    draft.root = kept;
    return undefined;
  };
}

/** Where a keep path runs into an array; never confused with a value from JSON data. */
class ArrayCrossing {
  readonly depth: number;

  constructor(depth: number) {
    this.depth = depth;
  }
}

function find(root: object, path: FieldPath): unknown {
  let current: unknown = root;
  for (let i = 0; i < path.segments.length; i++) {
    if (Array.isArray(current)) return new ArrayCrossing(i);
    current = child(current, path, i);
    if (current === missing) return missing;
  }
  return current;
}

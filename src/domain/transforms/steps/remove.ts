import type { ConfigReader } from '../config.ts';
import { missing, readPath } from '../paths.ts';
import type { CompiledStep } from '../types.ts';

/** `remove: [debug, tmp.x]` deletes each field that is there; a missing one is fine. */
export function compileRemove(config: unknown, where: string, reader: ConfigReader): CompiledStep | undefined {
  const placed = reader.fieldList(config, where);
  if (placed === undefined) return undefined;
  reader.noOverlaps(placed, 'path');
  const paths = placed.map((entry) => entry.path);
  return (draft) => {
    for (const path of paths) if (readPath(draft.root, path) !== missing) draft.delete(path);
    return undefined;
  };
}

import type { ConfigReader, PlacedPath } from '../config.ts';
import { describeType, missing, readPath } from '../paths.ts';
import type { CompiledStep } from '../types.ts';

const surrogate = /[\uD800-\uDFFF]/;
const maxKeep = 64;

interface Mask {
  keepFirst: number;
  keepLast: number;
}

/**
 * `mask: {device_id: {keepLast: 4}, card: {keepFirst: 6, keepLast: 4}}` (or a list of
 * paths, masking every character) replaces characters with `*`, one per character.
 * A string is masked; a number is masked as its decimal text (the result is a string);
 * a missing or null field is left alone; a boolean, object or array fails the event.
 * At least one character is always hidden: when keepFirst + keepLast would show the
 * whole value, all of it is masked.
 */
export function compileMask(config: unknown, where: string, reader: ConfigReader): CompiledStep | undefined {
  const placed: PlacedPath[] = [];
  const masks: Mask[] = [];
  if (Array.isArray(config)) {
    for (const entry of reader.fieldList(config, where) ?? []) {
      placed.push(entry);
      masks.push({ keepFirst: 0, keepLast: 0 });
    }
  } else {
    const entries = reader.fieldMap(config, where, '{keepFirst, keepLast} (or use a list of paths to mask every character)');
    if (entries === undefined) return undefined;
    for (const entry of entries) {
      const options = reader.options(entry.option, entry.at, ['keepFirst', 'keepLast'], 'a mapping such as {keepLast: 4} (or {} to mask every character)');
      if (options === undefined) continue;
      const keepFirst = count(options.keepFirst, `${entry.at}/keepFirst`, reader);
      const keepLast = count(options.keepLast, `${entry.at}/keepLast`, reader);
      if (keepFirst === undefined || keepLast === undefined) continue;
      placed.push({ path: entry.path, at: entry.at });
      masks.push({ keepFirst, keepLast });
    }
  }
  reader.noOverlaps(placed, 'path');
  const paths = placed.map((entry) => entry.path);

  return (draft) => {
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i]!;
      const value = readPath(draft.root, path);
      if (value === missing || value === null) continue;
      let text: string;
      if (typeof value === 'string') text = value;
      else if (typeof value === 'number') text = String(value);
      else return { path: path.pointer, reason: `cannot mask ${describeType(value)}; mask takes a string or a number` };
      draft.replace(path, maskText(text, masks[i]!));
    }
    return undefined;
  };
}

function count(value: unknown, where: string, reader: ConfigReader): number | undefined {
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= maxKeep) return value;
  return reader.problem(where, `must be a whole number from 0 to ${maxKeep}`);
}

/** Masks by code point, so an emoji becomes one `*`, never half a surrogate pair. */
export function maskText(text: string, mask: Mask): string {
  if (!surrogate.test(text)) return cut(text.length, mask, (from, to) => text.slice(from, to));
  const chars = Array.from(text);
  return cut(chars.length, mask, (from, to) => chars.slice(from, to).join(''));
}

function cut(length: number, mask: Mask, slice: (from: number, to: number) => string): string {
  if (mask.keepFirst + mask.keepLast >= length) return '*'.repeat(length);
  return slice(0, mask.keepFirst) + '*'.repeat(length - mask.keepFirst - mask.keepLast) + slice(length - mask.keepLast, length);
}

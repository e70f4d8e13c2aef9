import type { ConfigReader } from '../config.ts';
import { hmacSha256Hex } from '../hmac-sha256.ts';
import { describeType, missing, readPath } from '../paths.ts';
import type { CompiledStep } from '../types.ts';

/** Shorter salts make the HMAC key guessable; the tenant's salt is generated, not typed. */
export const minSaltLength = 16;

/**
 * `hash: [ip, user.email]` replaces each value with the lowercase hex HMAC-SHA-256 of its
 * text, keyed with the tenant's secret salt: equal values give equal hashes within a
 * tenant (so they can still be joined and counted) but cannot be recovered without the
 * salt, and differ between tenants. A number is hashed as its decimal text (`42` and `"42"`
 * hash alike); a missing or null field is left alone; a boolean (two values, trivially
 * guessed), object or array fails the event.
 */
export function compileHash(config: unknown, where: string, reader: ConfigReader): CompiledStep | undefined {
  const placed = reader.fieldList(config, where);
  if (placed === undefined) return undefined;
  reader.noOverlaps(placed, 'path');
  const salt = reader.deps.salt;
  if (typeof salt !== 'string' || salt.length < minSaltLength) {
    return reader.problem(where, `hash needs the tenant's secret salt (at least ${minSaltLength} characters), and none is configured`);
  }
  const hmac = hmacSha256Hex(Buffer.from(salt, 'utf8'));
  const paths = placed.map((entry) => entry.path);

  return (draft) => {
    for (const path of paths) {
      const value = readPath(draft.root, path);
      if (value === missing || value === null) continue;
      let text: string;
      if (typeof value === 'string') text = value;
      else if (typeof value === 'number') text = String(value);
      else return { path: path.pointer, reason: `cannot hash ${describeType(value)}; hash takes a string or a number` };
      draft.replace(path, hmac(text));
    }
    return undefined;
  };
}

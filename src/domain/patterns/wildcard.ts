/**
 * Wildcard patterns: `*` stands for any run of characters (also none); `\*` is a literal
 * star and `\\` a literal backslash. A pattern is split once into the literal segments
 * between its stars; matching then walks the string left to right, placing each segment at
 * its leftmost possible position. That greedy placement is always enough when the only
 * wildcard is `*`, so there is no backtracking and no way to make matching slow (no ReDoS).
 */

export type WildcardParse = { ok: true; segments: string[] } | { ok: false; reason: string };

/**
 * @example parseWildcard('a*b\\*c') // { ok: true, segments: ['a', 'b*c'] }
 */
export function parseWildcard(pattern: string): WildcardParse {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*') {
      segments.push(current);
      current = '';
    } else if (char === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') {
        return { ok: false, reason: `a backslash may only escape "*" or "\\" (at character ${i + 1})` };
      }
      current += next;
      i++;
    } else {
      current += char;
    }
  }
  segments.push(current);
  return { ok: true, segments };
}

/**
 * Matches a string against the segments of a parsed wildcard. One segment means no star:
 * the string must equal it. Otherwise the first segment is a prefix, the last a suffix,
 * and the ones between must appear in order, without overlapping, in what is left.
 *
 * @example matchWildcard(['a', '', 'c'], 'abc') // true: "a**c"
 */
export function matchWildcard(segments: readonly string[], text: string): boolean {
  const last = segments.length - 1;
  const head = segments[0]!;
  if (last === 0) return text === head;
  const tail = segments[last]!;
  if (text.length < head.length + tail.length) return false;
  if (!text.startsWith(head) || !text.endsWith(tail)) return false;
  const end = text.length - tail.length;
  let position = head.length;
  for (let i = 1; i < last; i++) {
    const segment = segments[i]!;
    const at = text.indexOf(segment, position);
    if (at === -1 || at + segment.length > end) return false;
    position = at + segment.length;
  }
  return true;
}

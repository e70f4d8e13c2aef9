/**
 * The text of each element of a JSON array, as sent, found in one pass without recursion:
 * an element nested too deep to be serialised again still has its original bytes. `text`
 * must be a JSON array already parsed successfully; whitespace around elements is dropped.
 *
 * @example arrayElementTexts('[{"a":1}, 2]') // ['{"a":1}', '2']
 */
export function arrayElementTexts(text: string): string[] {
  const elements: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === backslash) i++;
      else if (c === quote) inString = false;
      continue;
    }
    if (c === space || c === tab || c === lineFeed || c === carriageReturn) continue;
    if (depth === 1 && start < 0 && c !== comma && c !== closeBracket) start = i;
    if (c === quote) inString = true;
    else if (c === openBracket || c === openBrace) depth++;
    else if (c === closeBracket || c === closeBrace) {
      depth--;
      if (depth === 0) {
        if (start >= 0) elements.push(text.slice(start, i).trimEnd());
        break;
      }
    } else if (c === comma && depth === 1) {
      elements.push(text.slice(start, i).trimEnd());
      start = -1;
    }
  }
  return elements;
}

const backslash = 0x5c;
const quote = 0x22;
const space = 0x20;
const tab = 0x09;
const lineFeed = 0x0a;
const carriageReturn = 0x0d;
const comma = 0x2c;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const openBrace = 0x7b;
const closeBrace = 0x7d;

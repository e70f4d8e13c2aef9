import type { Ajv } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { fullFormats } from 'ajv-formats/dist/formats.js';

/**
 * ajv-formats checks `date-time` by splitting the text and matching two regular expressions,
 * and `uuid` with one: together about 1 µs of a ~300-byte event's 2 µs of validation. Here
 * each gets a check of the common shape, character by character, that only ever answers
 * "valid" for a text ajv-formats finds valid too; any other text (odd, rare or invalid) goes
 * to ajv-formats' own check, so what passes and what fails does not change.
 */
export function addQuickFormats(ajv: Ajv | Ajv2020): void {
  const dateTime = fullFormats['date-time'] as { validate: (text: string) => boolean; compare: (a: string, b: string) => number | undefined };
  ajv.addFormat('date-time', { type: 'string', validate: (text: string) => commonDateTime(text) || dateTime.validate(text), compare: dateTime.compare });
  const uuid = fullFormats.uuid as RegExp;
  ajv.addFormat('uuid', { type: 'string', validate: (text: string) => plainUuid(text) || uuid.test(text) });
}

const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `2026-01-31T12:00:00Z`, with `t` or a space for `T`, any fraction of a second, and `Z`, `z`
 * or `±HH:MM`, naming a real day and a time before 24:00:00 (RFC 3339, 5.6). `false` means
 * only "not this shape": leap seconds, `±HHMM` and invalid texts are ajv-formats' to judge.
 */
export function commonDateTime(text: string): boolean {
  if (text.length < 20 || text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a)
    return false;
  const separator = text.charCodeAt(10);
  if (separator !== 0x54 && separator !== 0x74 && separator !== 0x20) return false;
  const year = digits(text, 0) * 100 + digits(text, 2);
  const month = digits(text, 5);
  const day = digits(text, 8);
  if (year > 9999 || month < 1 || month > 12 || day < 1 || day > daysInMonth[month - 1]! + (month === 2 && leap(year) ? 1 : 0)) return false;
  if (digits(text, 11) > 23 || digits(text, 14) > 59 || digits(text, 17) > 59) return false;
  let at = 19;
  if (text.charCodeAt(at) === 0x2e) {
    const start = ++at;
    while (at < text.length && isDigit(text.charCodeAt(at))) at++;
    if (at === start) return false;
  }
  const zone = text.charCodeAt(at);
  if (zone === 0x5a || zone === 0x7a) return at + 1 === text.length;
  if (zone !== 0x2b && zone !== 0x2d) return false;
  return at + 6 === text.length && text.charCodeAt(at + 3) === 0x3a && digits(text, at + 1) <= 23 && digits(text, at + 4) <= 59;
}

/** `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex digits of either case; the `urn:uuid:` form is ajv-formats' to judge. */
export function plainUuid(text: string): boolean {
  if (text.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const code = text.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== 0x2d) return false;
    } else if (!(isDigit(code) || (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46))) {
      return false;
    }
  }
  return true;
}

/** Two decimal digits at `at`, or a number past every bound above when they are not both digits. */
function digits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 0x30;
  const ones = text.charCodeAt(at + 1) - 0x30;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : 10_000;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function leap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

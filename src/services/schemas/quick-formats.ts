import type { Ajv } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { commonIsoMillis } from '../../domain/iso-timestamp.ts';

/**
 * ajv-formats checks `date-time` by splitting the text and matching two regular expressions,
 * and `uuid` with one: together about 1 µs of a ~300-byte event's 2 µs of validation. Here
 * each gets a check of the common shape, character by character (for `date-time` the reading
 * the pipeline's `convert` uses, domain/iso-timestamp.ts), that only ever answers "valid" for
 * a text ajv-formats finds valid too; any other text (odd, rare or invalid) goes
 * to ajv-formats' own check, so what passes and what fails does not change.
 */
export function addQuickFormats(ajv: Ajv | Ajv2020): void {
  const dateTime = fullFormats['date-time'] as { validate: (text: string) => boolean; compare: (a: string, b: string) => number | undefined };
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (text: string) => commonIsoMillis(text) !== undefined || dateTime.validate(text),
    compare: dateTime.compare,
  });
  const uuid = fullFormats.uuid as RegExp;
  ajv.addFormat('uuid', { type: 'string', validate: (text: string) => plainUuid(text) || uuid.test(text) });
}

/** `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex digits of either case; the `urn:uuid:` form is ajv-formats' to judge. */
export function plainUuid(text: string): boolean {
  if (text.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const code = text.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== 0x2d) return false;
    } else if (!isHexDigit(code)) {
      return false;
    }
  }
  return true;
}

function isHexDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46);
}

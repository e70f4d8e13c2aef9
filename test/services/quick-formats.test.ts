import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { commonIsoMillis } from '../../src/domain/iso-timestamp.ts';
import { JsonSchemaCompiler } from '../../src/services/schemas/json-schema.ts';
import { plainUuid } from '../../src/services/schemas/quick-formats.ts';

const ajvDateTime = (fullFormats['date-time'] as { validate: (text: string) => boolean }).validate;
const ajvUuid = fullFormats.uuid as RegExp;
/** The quick `date-time` check: a timestamp `convert` reads without the regular expression. */
const commonDateTime = (text: string) => commonIsoMillis(text) !== undefined;

/** A seeded generator (xorshift32), so a failure names a text that fails again. */
function seeded(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % below;
  };
}

// Characters that mean something to either check, and some that look like them.
const alphabet = ['0', '1', '2', '3', '5', '9', '-', ':', '.', '+', 'T', 't', ' ', '\t', '\u00a0', 'Z', 'z', 'a', 'F', 'g', '٣', '\u2028', ''];

/** How many texts the quick check calls valid, each of them one ajv-formats calls valid too. */
function quickOnlyWhereValid(texts: readonly string[], quick: (text: string) => boolean, valid: (text: string) => boolean): number {
  let count = 0;
  for (const text of texts) {
    if (!quick(text)) continue;
    count++;
    assert.ok(valid(text), `the quick check calls ${JSON.stringify(text)} valid; ajv-formats does not`);
  }
  return count;
}

/** Valid texts, then each with one to three characters replaced, inserted or dropped. */
function mutations(valid: string[], count: number, next: (below: number) => number): string[] {
  const texts = [...valid];
  for (let i = 0; i < count; i++) {
    let text = valid[next(valid.length)]!;
    for (let edits = 1 + next(3); edits > 0; edits--) {
      const at = next(text.length + 1);
      const char = alphabet[next(alphabet.length)]!;
      const kind = next(3);
      text =
        kind === 0
          ? text.slice(0, at) + char + text.slice(at + 1)
          : kind === 1
            ? text.slice(0, at) + char + text.slice(at)
            : text.slice(0, at) + text.slice(at + 1);
    }
    texts.push(text);
  }
  return texts;
}

void test('the quick date-time check calls valid only what ajv-formats calls valid, and takes the common shapes', () => {
  const next = seeded(11);
  const valid = [
    '2026-01-31T12:00:00Z',
    '2026-01-31t12:00:00z',
    '2026-01-31 12:00:00.123456Z',
    '2024-02-29T23:59:59.999+05:30',
    '2000-02-29T00:00:00-23:59',
    '1900-02-28T00:00:00.1Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59+00:00',
    '1998-12-31T23:59:60Z',
    '2026-06-30T10:00:00+0200',
  ];
  for (const text of valid) assert.ok(ajvDateTime(text), text);
  const texts = mutations(valid, 60_000, next);
  // Every day of two years, and every hour, minute and second bound.
  for (const year of ['1900', '2000']) {
    for (let month = 0; month <= 13; month++) {
      for (let day = 0; day <= 32; day++) texts.push(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T00:00:00Z`);
    }
  }
  for (const time of ['23:59:59', '24:00:00', '23:60:00', '23:59:60', '00:00:00']) {
    for (const zone of ['Z', '+23:59', '+24:00', '-00:60', '+05', '+0530']) texts.push(`2026-03-01T${time}${zone}`);
  }
  const quick = quickOnlyWhereValid(texts, commonDateTime, ajvDateTime);
  assert.ok(quick > 2000, `only ${quick} texts took the quick path`);
  for (const text of ['2026-01-31T12:00:00Z', '2024-02-29 23:59:59.5+05:30', '0000-01-01t00:00:00z']) assert.ok(commonDateTime(text), text);
  // Leap seconds and offsets without a colon are valid, and left to ajv-formats.
  for (const text of ['1998-12-31T23:59:60Z', '2026-06-30T10:00:00+0200']) assert.equal(commonDateTime(text), false, text);
});

void test('the quick uuid check calls valid only what ajv-formats calls valid, in either case', () => {
  const next = seeded(5);
  const valid = [
    '738f71da-1db0-4494-aab0-1240ca9b1339',
    '738F71DA-1DB0-4494-AAB0-1240CA9B1339',
    '00000000-0000-0000-0000-000000000000',
    'urn:uuid:738f71da-1db0-4494-aab0-1240ca9b1339',
  ];
  const quick = quickOnlyWhereValid(mutations(valid, 30_000, next), plainUuid, (text) => ajvUuid.test(text));
  assert.ok(quick > 500, `only ${quick} texts took the quick path`);
  assert.equal(plainUuid('urn:uuid:738f71da-1db0-4494-aab0-1240ca9b1339'), false);
});

void test('schemas with date-time and uuid formats accept and refuse as before, with the same errors', () => {
  const validate = new JsonSchemaCompiler().compile({
    type: 'object',
    properties: { at: { format: 'date-time' }, id: { format: 'uuid' } },
  });
  assert.equal(validate({ at: '2026-01-31T12:00:00.5+01:00', id: '738F71DA-1DB0-4494-AAB0-1240CA9B1339' }), undefined);
  assert.equal(validate({ at: '1998-12-31T23:59:60Z', id: 'urn:uuid:738f71da-1db0-4494-aab0-1240ca9b1339' }), undefined);
  assert.deepEqual(validate({ at: '2026-02-29T12:00:00Z', id: '738f71da-1db0-4494-aab0-1240ca9b133' }), [
    { path: '/at', reason: 'must match format "date-time"' },
    { path: '/id', reason: 'must match format "uuid"' },
  ]);
  // Formats apply to strings only.
  assert.equal(validate({ at: 5, id: null }), undefined);
});

/**
 * The answer's JSON text is written by hand from the plan and the log's positions; it must be
 * exactly what stringifying the answer's object form gives, for every kind of result.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ErrorDetail } from '../../src/domain/errors.ts';
import { type AnswerCounts, IngestAnswer, type IngestResult, quoted, type RecordPosition, type StoredPosition } from '../../src/services/ingest-answer.ts';
import type { Planned } from '../../src/services/ingest.ts';
import { seeded } from '../../bench/workload.ts';

/** The answer's object form, built the plain way: objects first, stringified after. */
function objectForm(plan: readonly Planned[], positions: readonly RecordPosition[], deadStream: string): AnswerCounts & { results: IngestResult[] } {
  const counts: AnswerCounts = { accepted: 0, duplicates: 0, rejected: 0, filtered: 0 };
  const results = plan.map((planned): IngestResult => {
    if (planned.kind === 'accepted') {
      const stored = planned.streams.map((stream, copy): StoredPosition => {
        const position = positions[planned.first + copy]!;
        const where: StoredPosition = { stream, partition: position.partition, offset: position.offset };
        if (position.duplicate) where.duplicate = true;
        return where;
      });
      if (stored[0]!.duplicate === true) counts.duplicates++;
      else counts.accepted++;
      const result: IngestResult = { id: planned.id, ...stored[0]! };
      if (stored.length > 1) result.routes = stored;
      return result;
    }
    if (planned.kind === 'filtered') {
      counts.filtered++;
      return { id: planned.id, filtered: true };
    }
    counts.rejected++;
    const error: { code: string; message: string; details?: ErrorDetail[] } = { code: planned.rejection.code, message: planned.rejection.message };
    if (planned.rejection.details !== undefined) error.details = planned.rejection.details;
    const result: IngestResult = { index: planned.index, error, deadLetter: { stream: deadStream, offset: positions[planned.record]!.offset } };
    if (planned.id !== undefined) result.id = planned.id;
    return result;
  });
  return { ...counts, results };
}

const awkwardTexts = [
  'e-1',
  '',
  'quote " and \\ backslash',
  'line\nbreak\ttab\u0001',
  'ünïcödé ✓ 𝄞',
  'lone \ud800 surrogate',
  '</script>',
  '{"json":"inside"}',
];

/** A random plan over every kind of result, and positions for its records. */
function randomRequest(random: () => number): { plan: Planned[]; positions: RecordPosition[] } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const plan: Planned[] = [];
  const positions: RecordPosition[] = [];
  const position = (duplicate: boolean): RecordPosition => ({ partition: Math.floor(random() * 8), offset: Math.floor(random() * 2 ** 40), duplicate });
  const events = 1 + Math.floor(random() * 12);
  for (let index = 0; index < events; index++) {
    const type = pick(['orders', 'users', 'ünï']);
    const roll = random();
    if (roll < 0.5) {
      const streams = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(['acme.orders', 'acme.eu', 'acme."odd"']));
      plan.push({ kind: 'accepted', id: pick(awkwardTexts), type, streams, first: positions.length });
      const duplicate = random() < 0.3;
      for (let copy = 0; copy < streams.length; copy++) positions.push(position(duplicate && random() < 0.8));
    } else if (roll < 0.65) {
      plan.push({ kind: 'filtered', id: pick(awkwardTexts), type });
    } else {
      const details: ErrorDetail[] | undefined = random() < 0.5 ? undefined : [{ path: `/${pick(awkwardTexts)}`, reason: pick(awkwardTexts) }];
      const rejection = {
        stage: 'ingest' as const,
        code: pick(['schema_validation_failed', 'malformed_json'] as const),
        message: pick(awkwardTexts),
        ...(details === undefined ? {} : { details }),
      };
      const planned: Planned = { kind: 'rejected', index, type, rejection, record: positions.length };
      if (random() < 0.5) planned.id = pick(awkwardTexts);
      plan.push(planned);
      positions.push(position(false));
    }
  }
  return { plan, positions };
}

void test('the written JSON text equals the stringified object form, for every kind of result', () => {
  const random = seeded(17);
  for (let request = 0; request < 2000; request++) {
    const { plan, positions } = randomRequest(random);
    const expected = objectForm(plan, positions, 'acme._dead');
    const answer = new IngestAnswer(
      { accepted: expected.accepted, duplicates: expected.duplicates, rejected: expected.rejected, filtered: expected.filtered },
      plan,
      positions,
      'acme._dead',
    );
    assert.equal(answer.json, JSON.stringify(expected), `request ${request}`);
    assert.deepEqual(answer.results, expected.results);
    assert.equal(JSON.stringify(answer), answer.json, 'JSON.stringify of the answer gives the same text');
  }
});

void test('an answer of each kind reads as the API documents it', () => {
  const plan: Planned[] = [
    { kind: 'accepted', id: 'a', type: 'orders', streams: ['acme.orders', 'acme.eu'], first: 0 },
    { kind: 'filtered', id: 'f', type: 'orders' },
    { kind: 'rejected', index: 2, type: 'orders', rejection: { stage: 'ingest', code: 'schema_validation_failed', message: 'bad' }, record: 2 },
  ];
  const positions: RecordPosition[] = [
    { partition: 1, offset: 5, duplicate: true },
    { partition: 0, offset: 9, duplicate: true },
    { partition: 0, offset: 3, duplicate: false },
  ];
  const answer = new IngestAnswer({ accepted: 0, duplicates: 1, rejected: 1, filtered: 1 }, plan, positions, 'acme._dead');
  assert.deepEqual(JSON.parse(answer.json), {
    accepted: 0,
    duplicates: 1,
    rejected: 1,
    filtered: 1,
    results: [
      {
        id: 'a',
        stream: 'acme.orders',
        partition: 1,
        offset: 5,
        duplicate: true,
        routes: [
          { stream: 'acme.orders', partition: 1, offset: 5, duplicate: true },
          { stream: 'acme.eu', partition: 0, offset: 9, duplicate: true },
        ],
      },
      { id: 'f', filtered: true },
      { index: 2, error: { code: 'schema_validation_failed', message: 'bad' }, deadLetter: { stream: 'acme._dead', offset: 3 } },
    ],
  });
});

void test('a string is quoted as JSON.stringify quotes it, for every UTF-16 code unit alone and in a pair', () => {
  for (let unit = 0; unit <= 0xffff; unit++) {
    const alone = String.fromCharCode(unit);
    assert.equal(quoted(alone), JSON.stringify(alone), `U+${unit.toString(16)}`);
    assert.equal(quoted(`id-${alone}-x`), JSON.stringify(`id-${alone}-x`));
  }
  for (const text of ['𝄞', '\ud834\udd1e\ud834', 'a\udd1eb', '\u2028\u2029', '\u007f']) assert.equal(quoted(text), JSON.stringify(text));
});

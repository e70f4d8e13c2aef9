import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configProblems, failure, frozen, output } from './helpers.ts';

const conv = (field: string, from: string, to: string, optional?: boolean) => [
  { convert: { [field]: optional === undefined ? { from, to } : { from, to, optional } } },
];

void test('epoch seconds and millis become ISO-8601 in UTC with Z', () => {
  assert.deepEqual(output(conv('t', 'epoch-seconds', 'iso8601'), { t: 1700000000 }), { t: '2023-11-14T22:13:20.000Z' });
  assert.deepEqual(output(conv('t', 'epoch-seconds', 'iso8601'), { t: 1700000000.25 }), { t: '2023-11-14T22:13:20.250Z' });
  assert.deepEqual(output(conv('t', 'epoch-millis', 'iso8601'), { t: 1700000000123 }), { t: '2023-11-14T22:13:20.123Z' });
  assert.deepEqual(output(conv('t', 'epoch-seconds', 'iso8601'), { t: 0 }), { t: '1970-01-01T00:00:00.000Z' });
  assert.deepEqual(output(conv('t', 'epoch-seconds', 'iso8601'), { t: -86400 }), { t: '1969-12-31T00:00:00.000Z' });
});

void test('epoch values sent as decimal text convert too', () => {
  assert.deepEqual(output(conv('t', 'epoch-seconds', 'iso8601'), { t: '1700000000' }), { t: '2023-11-14T22:13:20.000Z' });
  assert.deepEqual(output(conv('t', 'epoch-millis', 'epoch-seconds'), { t: '1700000000500' }), { t: 1700000000.5 });
});

void test('ISO-8601 with any offset becomes epoch seconds or millis, or UTC ISO-8601', () => {
  assert.deepEqual(output(conv('t', 'iso8601', 'epoch-seconds'), { t: '2023-11-14T22:13:20Z' }), { t: 1700000000 });
  assert.deepEqual(output(conv('t', 'iso8601', 'epoch-millis'), { t: '2023-11-15T00:13:20.123+02:00' }), { t: 1700000000123 });
  assert.deepEqual(output(conv('t', 'iso8601', 'iso8601'), { t: '2023-11-14T17:13:20-05:00' }), { t: '2023-11-14T22:13:20.000Z' });
  assert.deepEqual(output(conv('t', 'epoch-seconds', 'epoch-millis'), { t: 1.5 }), { t: 1500 });
});

void test('times that do not convert fail the event with a reason that does not echo the value', () => {
  const cases: Array<[string, string, unknown, string]> = [
    ['epoch-seconds', 'iso8601', 'yesterday', 'is a string, not epoch seconds'],
    ['epoch-seconds', 'iso8601', true, 'is a boolean, not epoch seconds'],
    ['epoch-seconds', 'iso8601', 1e12, 'is epoch seconds outside the years 0000 to 9999'],
    ['epoch-millis', 'iso8601', 1e300, 'is epoch milliseconds outside the years 0000 to 9999'],
    ['iso8601', 'epoch-seconds', '2023-11-14 22:13', 'is not an ISO-8601 timestamp with a time zone, such as 2026-01-31T12:00:00Z'],
    ['iso8601', 'epoch-seconds', '2023-11-14T22:13:20', 'is not an ISO-8601 timestamp with a time zone, such as 2026-01-31T12:00:00Z'],
    ['iso8601', 'epoch-seconds', '2023-02-30T00:00:00Z', 'is not a real date and time'],
    ['iso8601', 'epoch-seconds', 1700000000, 'is a number, not an ISO-8601 timestamp'],
  ];
  for (const [from, to, value, reason] of cases) {
    const outcome = failure(conv('when.t', from, to), { when: { t: value } });
    assert.deepEqual([outcome.stepName, outcome.path, outcome.reason], ['convert', '/when/t', reason], `${from} → ${to} of ${String(value)}`);
  }
});

void test('string and number convert both ways, strictly', () => {
  assert.deepEqual(output(conv('n', 'string', 'number'), { n: '-12.5e2' }), { n: -1250 });
  assert.deepEqual(output(conv('n', 'string', 'number'), { n: '007' }), { n: 7 });
  assert.deepEqual(output(conv('n', 'number', 'string'), { n: 0.1 }), { n: '0.1' });
  for (const bad of ['', ' 1', '1,5', '0x10', 'Infinity', '1.', 'NaN']) {
    assert.equal(failure(conv('n', 'string', 'number'), { n: bad }).reason, 'is not a decimal number', JSON.stringify(bad));
  }
  assert.equal(failure(conv('n', 'string', 'number'), { n: '1e400' }).reason, 'is a number too large to represent');
  assert.equal(failure(conv('n', 'string', 'number'), { n: 5 }).reason, 'is a number, not a string');
  assert.equal(failure(conv('n', 'number', 'string'), { n: '5' }).reason, 'is a string, not a number');
});

void test('a missing or null field fails a conversion unless it is optional', () => {
  assert.equal(failure(conv('t', 'epoch-seconds', 'iso8601'), {}).reason, 'missing: there is no field to convert');
  assert.equal(failure(conv('t', 'epoch-seconds', 'iso8601'), { t: null }).reason, 'is null; nothing to convert');
  assert.deepEqual(output(conv('t', 'epoch-seconds', 'iso8601', true), frozen({ t: null })), { t: null });
  assert.deepEqual(output(conv('t', 'epoch-seconds', 'iso8601', true), {}), {});
});

void test('convert config mistakes are refused', () => {
  assert.deepEqual(configProblems(conv('t', 'epoch', 'iso8601')), [
    { path: '/steps/0/convert/t/from', reason: 'must be one of epoch-seconds, epoch-millis, iso8601, string, number' },
  ]);
  assert.match(configProblems(conv('t', 'string', 'iso8601'))[0]!.reason, /cannot convert string to iso8601/);
  assert.equal(configProblems(conv('t', 'number', 'number'))[0]!.reason, 'converts number to itself');
  assert.equal(configProblems([{ convert: { t: { from: 'string' } } }])[0]!.path, '/steps/0/convert/t/to');
  assert.match(configProblems([{ convert: { t: 'iso8601' } }])[0]!.reason, /must be a mapping \{from, to, optional, precision, zone\}/);
});

const iso = (options: Record<string, unknown>, from = 'epoch-seconds') => [{ convert: { t: { from, to: 'iso8601', ...options } } }];

void test('iso8601 can be written to the second, truncated, and without the milliseconds', () => {
  assert.deepEqual(output(iso({ precision: 'seconds' }), { t: 1694479551 }), { t: '2023-09-12T00:45:51Z' });
  assert.deepEqual(output(iso({ precision: 'seconds' }), { t: 1694479551.999 }), { t: '2023-09-12T00:45:51Z' }, 'truncated, not rounded up');
  assert.deepEqual(output(iso({ precision: 'seconds' }), { t: -0.5 }), { t: '1969-12-31T23:59:59Z' }, 'truncated toward the earlier second');
  assert.deepEqual(output(iso({ precision: 'millis' }), { t: 1694479551 }), { t: '2023-09-12T00:45:51.000Z' }, 'millis is the default, said out loud');
  assert.deepEqual(output(iso({ precision: 'seconds' }, 'iso8601'), { t: '2023-09-12T02:45:51.750+02:00' }), { t: '2023-09-12T00:45:51Z' });
});

void test('zone none writes UTC wall time without a designator; utc is the default', () => {
  assert.deepEqual(output(iso({ zone: 'none' }), { t: 1694479551 }), { t: '2023-09-12T00:45:51.000' });
  assert.deepEqual(output(iso({ zone: 'none', precision: 'seconds' }), { t: 1694479551 }), { t: '2023-09-12T00:45:51' });
  assert.deepEqual(
    output(iso({ zone: 'none', precision: 'seconds' }, 'iso8601'), { t: '2023-09-11T19:45:51-05:00' }),
    { t: '2023-09-12T00:45:51' },
    'moved to UTC first',
  );
  assert.deepEqual(output(iso({ zone: 'utc' }, 'epoch-millis'), { t: 1694479551123 }), { t: '2023-09-12T00:45:51.123Z' });
});

void test('a fixed offset writes the wall time at that offset, with the offset, and reads back as the same instant', () => {
  assert.deepEqual(output(iso({ zone: '+02:00', precision: 'seconds' }), { t: 1694479551 }), { t: '2023-09-12T02:45:51+02:00' });
  assert.deepEqual(output(iso({ zone: '-05:30' }), { t: 1694479551 }), { t: '2023-09-11T19:15:51.000-05:30' });
  assert.deepEqual(output(iso({ zone: '+00:00' }), { t: 0 }), { t: '1970-01-01T00:00:00.000+00:00' });
  const written = output(iso({ zone: '+05:45' }), { t: 1694479551.25 }) as { t: string };
  assert.deepEqual(output(conv('t', 'iso8601', 'epoch-seconds'), written), { t: 1694479551.25 });
  // The wall time must still be a year from 0000 to 9999.
  assert.equal(failure(iso({ zone: '+01:00' }, 'epoch-millis'), { t: 253402300799999 }).reason, 'is outside the years 0000 to 9999 at offset +01:00');
  assert.equal(failure(iso({ zone: '-01:00' }, 'epoch-millis'), { t: -62167219200000 }).reason, 'is outside the years 0000 to 9999 at offset -01:00');
  assert.deepEqual(output(iso({ zone: '-01:00' }, 'epoch-millis'), { t: 253402300799999 }), { t: '9999-12-31T22:59:59.999-01:00' });
});

void test('bad precision and zone values are refused, each at its path, and only iso8601 output takes them', () => {
  assert.deepEqual(configProblems(iso({ precision: 'nanos', zone: 'Europe/Amsterdam' })), [
    { path: '/steps/0/convert/t/precision', reason: 'must be millis or seconds' },
    { path: '/steps/0/convert/t/zone', reason: 'must be utc, none, or a fixed offset such as +02:00 or -05:30' },
  ]);
  for (const zone of ['Z', 'UTC', '+2', '+02', '+0200', '+24:00', '02:00', '+02:60', 2, null, true]) {
    assert.deepEqual(
      configProblems(iso({ zone })).map((p) => p.path),
      ['/steps/0/convert/t/zone'],
      JSON.stringify(zone),
    );
  }
  for (const precision of ['second', 'SECONDS', 0, null]) {
    assert.deepEqual(
      configProblems(iso({ precision })).map((p) => p.path),
      ['/steps/0/convert/t/precision'],
      JSON.stringify(precision),
    );
  }
  assert.deepEqual(configProblems([{ convert: { t: { from: 'iso8601', to: 'epoch-seconds', precision: 'seconds', zone: 'none' } } }]), [
    { path: '/steps/0/convert/t/precision', reason: 'applies only to `to: iso8601`, not to epoch-seconds' },
    { path: '/steps/0/convert/t/zone', reason: 'applies only to `to: iso8601`, not to epoch-seconds' },
  ]);
  assert.deepEqual(configProblems([{ convert: { t: { from: 'epoch-seconds', to: 'iso8601', precision: 'seconds', offset: '+02:00' } } }]), [
    { path: '/steps/0/convert/t/offset', reason: 'unknown option "offset"; the options are "from", "to", "optional", "precision", "zone"' },
  ]);
});

void test('ISO-8601 text converts to the same milliseconds as Date.parse, in every accepted shape', () => {
  const texts = [
    '2023-11-14T22:13:20Z',
    '2023-11-14t22:13:20z',
    '2023-11-14 22:13:20Z',
    '2023-11-14T22:13:20.1Z',
    '2023-11-14T22:13:20.12Z',
    '2023-11-14T22:13:20.123456789Z',
    '2023-11-15T00:13:20.999+02:00',
    '2023-11-14T17:13:20-05:30',
    '2024-02-29T23:59:59.999-23:59',
    '0100-01-01T00:00:00Z',
    '0099-12-31T23:59:59Z',
    '0000-01-01T00:00:00Z',
    '0000-03-01T00:00:00Z',
    '0004-02-29T12:00:00+01:00',
    '0001-01-01T00:30:00+01:00',
    '9999-12-31T23:59:59.999Z',
  ];
  for (const t of texts) assert.deepEqual(output(conv('t', 'iso8601', 'epoch-millis'), { t }), { t: Date.parse(t) }, t);
});

void test('ISO-8601 text converts as Date.parse does across the years 0000 to 9999 and every day of the year', () => {
  const convert = conv('t', 'iso8601', 'epoch-millis');
  let state = 7;
  const next = (below: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % below;
  };
  const two = (n: number) => String(n).padStart(2, '0');
  const texts: string[] = [];
  // Every day of leap and common years, the first and last years, and the century years either side of a 400-year cycle.
  const startOf = (year: number) => new Date(0).setUTCFullYear(year, 0, 1);
  for (const year of [0, 4, 99, 100, 1600, 1700, 1900, 1970, 2000, 2023, 2024, 2100, 9999]) {
    for (let at = startOf(year); at < startOf(year + 1); at += 86_400_000) texts.push(new Date(at).toISOString());
  }
  for (let i = 0; i < 5000; i++) {
    const year = next(10_000);
    const [month, day] = [1 + next(12), 1 + next(28)];
    const zone = next(3) === 0 ? 'Z' : `${next(2) === 0 ? '+' : '-'}${two(next(24))}:${two(next(60))}`;
    texts.push(
      `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(next(24))}:${two(next(60))}:${two(next(60))}.${String(next(1000)).padStart(3, '0')}${zone}`,
    );
  }
  for (const t of texts) {
    const expected = Date.parse(t);
    // Past 9999-12-31 once moved to UTC, the conversion refuses the value.
    if (expected > Date.UTC(9999, 11, 31, 23, 59, 59, 999)) continue;
    assert.deepEqual(output(convert, { t }), { t: expected }, t);
  }
});

void test('ISO-8601 text that only looks right fails as before', () => {
  for (const t of [
    '2023-02-29T00:00:00Z',
    '2023-13-01T00:00:00Z',
    '2023-11-14T24:00:00Z',
    '2023-11-14T22:13:20.Z',
    '2023-11-14T22:13:20+2:00',
    '2023-11-14T22:13:20',
    '9999-12-31T23:59:59-01:00',
    // Letters or other digits where the year's digits belong, alone or moved back into range by an offset.
    '00ab-01-01T00:00:00+23:59',
    'x024-02-29T12:34:56Z',
    'ab00-01-01T00:00:00Z',
    '٠٠٠٠-01-01T00:00:00Z',
  ]) {
    const outcome = failure(conv('t', 'iso8601', 'epoch-millis'), { t });
    assert.equal(outcome.path, '/t', t);
  }
});

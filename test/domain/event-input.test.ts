import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ErrorDetail } from '../../src/domain/errors.ts';
import { SluiceError } from '../../src/domain/errors.ts';
import { fromBinaryCloudEvent, isJsonContentType, toEventInput } from '../../src/domain/event-input.ts';

const original = (): string => '{"the":"bytes"}';

/** The event without its `original` thunk, for deepEqual. */
function fields(value: unknown): Record<string, unknown> {
  const { original: thunk, ...rest } = toEventInput(value, original);
  assert.equal(typeof thunk, 'function');
  return rest;
}

/** Asserts `run` throws invalid_event and returns its details. */
function invalid(run: () => unknown): ErrorDetail[] {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SluiceError, `expected a SluiceError, got ${String(caught)}`);
  assert.equal(caught.code, 'invalid_event');
  assert.equal(caught.status, 400);
  assert.ok(caught.details !== undefined && caught.details.length > 0, 'invalid_event names each bad field');
  for (const detail of caught.details) assert.ok(caught.message.includes(detail.path), `message mentions ${detail.path}: ${caught.message}`);
  return caught.details;
}

function paths(details: ErrorDetail[]): string[] {
  return details.map((detail) => detail.path).sort();
}

void describe('native events', () => {
  void test('the minimal event is type and data', () => {
    assert.deepEqual(fields({ type: 'fruits', data: { name: 'apple' } }), { type: 'fruits', data: { name: 'apple' } });
  });

  void test('every optional attribute is copied', () => {
    const event = {
      type: 'fruits',
      data: [1, 2],
      id: 'evt-1',
      key: 'k',
      time: '2026-01-31T12:00:00.5+01:00',
      source: '/shop',
      subject: 'apple',
      schemaVersion: 2,
    };
    assert.deepEqual(fields(event), event);
  });

  void test('data may be any JSON value, including null, false and 0', () => {
    for (const data of [null, false, 0, '', [], {}]) assert.deepEqual(fields({ type: 't', data }).data, data);
  });

  void test('key null means no key', () => {
    assert.equal(Object.hasOwn(fields({ type: 't', data: 1, key: null }), 'key'), false);
  });

  void test('optional attributes sent as null are left out', () => {
    assert.deepEqual(fields({ type: 't', data: 1, id: null, source: null, subject: null, time: null }), { type: 't', data: 1 });
  });

  void test('the original thunk is kept as given', () => {
    const thunk = (): string => 'raw';
    assert.equal(toEventInput({ type: 't', data: 1 }, thunk).original, thunk);
  });

  void test('missing type and data are both reported', () => {
    assert.deepEqual(
      invalid(() => toEventInput({}, original)),
      [
        { path: '/type', reason: 'required' },
        { path: '/data', reason: 'required' },
      ],
    );
  });

  void test('unknown fields are named', () => {
    const details = invalid(() => toEventInput({ type: 't', data: 1, colour: 'red', Type: 'x' }, original));
    assert.deepEqual(paths(details), ['/Type', '/colour']);
    assert.match(details[0]!.reason, /unknown field/);
  });

  void test('attributes of the wrong kind are each reported', () => {
    const details = invalid(() => toEventInput({ type: 7, data: 1, id: 5, key: 12, source: '', subject: {}, time: 'yesterday', schemaVersion: 0 }, original));
    assert.deepEqual(paths(details), ['/id', '/key', '/schemaVersion', '/source', '/subject', '/time', '/type']);
  });

  void test('type, id and source are limited to 1024 characters', () => {
    assert.equal(fields({ type: 't'.repeat(1024), data: 1 }).type, 't'.repeat(1024));
    assert.deepEqual(paths(invalid(() => toEventInput({ type: 't'.repeat(1025), data: 1 }, original))), ['/type']);
    assert.deepEqual(paths(invalid(() => toEventInput({ type: 't', data: 1, id: 'i'.repeat(1025) }, original))), ['/id']);
    assert.deepEqual(paths(invalid(() => toEventInput({ type: 't', data: 1, type2: 1, source: 's'.repeat(1025) }, original))), ['/source', '/type2']);
  });

  void test('key is limited to 1024 characters', () => {
    assert.equal(fields({ type: 't', data: 1, key: 'k'.repeat(1024) }).key, 'k'.repeat(1024));
    const details = invalid(() => toEventInput({ type: 't', data: 1, key: 'k'.repeat(1025) }, original));
    assert.deepEqual(details, [{ path: '/key', reason: 'must be a string of at most 1024 characters' }]);
  });

  void test('schemaVersion must be a positive integer', () => {
    assert.equal(fields({ type: 't', data: 1, schemaVersion: 1 }).schemaVersion, 1);
    for (const version of [0, -1, 1.5, '2', null, true]) {
      assert.deepEqual(
        invalid(() => toEventInput({ type: 't', data: 1, schemaVersion: version }, original)),
        [{ path: '/schemaVersion', reason: 'must be a positive integer' }],
      );
    }
  });

  void test('non-objects are refused with the root path', () => {
    for (const value of [null, 'event', 42, true, [{ type: 't', data: 1 }], undefined]) {
      assert.deepEqual(
        invalid(() => toEventInput(value, original)),
        [{ path: '', reason: 'not an object' }],
        JSON.stringify(value),
      );
    }
  });
});

void describe('time', () => {
  void test('RFC 3339 timestamps are accepted as sent', () => {
    for (const time of [
      '2026-01-31T12:00:00Z',
      '2026-01-31t12:00:00z',
      '2026-01-31 12:00:00Z',
      '2026-01-31T12:00:00.123456789Z',
      '2026-01-31T23:59:59-08:00',
      '2024-02-29T00:00:00Z',
      '2026-12-31T00:00:00+14:00',
    ]) {
      assert.equal(fields({ type: 't', data: 1, time }).time, time);
    }
  });

  void test('other date formats are refused', () => {
    for (const time of [
      '2026-01-31',
      '2026-01-31T12:00:00',
      '2026-01-31T12:00Z',
      'Sat, 31 Jan 2026 12:00:00 GMT',
      '1769860800',
      '2026-1-31T12:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-01-32T00:00:00Z',
      '2026-01-31T12:60:00Z',
      '2026-01-31T12:00:00+25:00',
      ' 2026-01-31T12:00:00Z',
    ]) {
      assert.deepEqual(
        invalid(() => toEventInput({ type: 't', data: 1, time }, original)),
        [{ path: '/time', reason: 'must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z' }],
        time,
      );
    }
  });

  // Regression: Date.parse rolls 2026-02-30 over to March 2nd, so the pattern check alone let it through.
  void test('days a month does not have are refused', () => {
    for (const time of ['2026-02-30T00:00:00Z', '2026-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '1900-02-29T00:00:00Z']) {
      assert.deepEqual(paths(invalid(() => toEventInput({ type: 't', data: 1, time }, original))), ['/time'], time);
    }
    assert.equal(fields({ type: 't', data: 1, time: '2000-02-29T00:00:00Z' }).time, '2000-02-29T00:00:00Z');
  });

  // Regression: V8 accepts 24:00:00 as the end of the day; RFC 3339 hours stop at 23.
  void test('hour 24 is refused', () => {
    assert.deepEqual(paths(invalid(() => toEventInput({ type: 't', data: 1, time: '2026-01-31T24:00:00Z' }, original))), ['/time']);
  });
});

void describe('CloudEvents structured mode', () => {
  const base = { specversion: '1.0', id: 'ce-1', source: '/shop', type: 'fruits' };

  void test('a minimal CloudEvent maps id, source and type', () => {
    assert.deepEqual(fields({ ...base, data: { name: 'kiwi' } }), {
      type: 'fruits',
      id: 'ce-1',
      source: '/shop',
      dedupKey: '["/shop","ce-1"]',
      data: { name: 'kiwi' },
    });
  });

  void test('time, subject and partitionkey are used', () => {
    const event = fields({ ...base, data: 1, time: '2026-01-31T12:00:00Z', subject: 'kiwi', partitionkey: 'user-7', datacontenttype: 'application/json' });
    assert.deepEqual(event, {
      type: 'fruits',
      id: 'ce-1',
      source: '/shop',
      dedupKey: '["/shop","ce-1"]',
      subject: 'kiwi',
      time: '2026-01-31T12:00:00Z',
      key: 'user-7',
      data: 1,
    });
  });

  void test('partitionkey must be a string of at most 1024 characters', () => {
    assert.equal(fields({ ...base, data: 1, partitionkey: 'p'.repeat(1024) }).key, 'p'.repeat(1024));
    for (const partitionkey of ['p'.repeat(1025), 7, null, {}]) {
      assert.deepEqual(
        invalid(() => toEventInput({ ...base, data: 1, partitionkey }, original)),
        [{ path: '/partitionkey', reason: 'must be a string of at most 1024 characters' }],
      );
    }
  });

  void test('dataschema ending in /versions/N selects schema version N', () => {
    assert.equal(fields({ ...base, data: 1, dataschema: 'https://sluice.example/v1/types/fruits/versions/3' }).schemaVersion, 3);
    assert.equal(fields({ ...base, data: 1, dataschema: '/versions/12' }).schemaVersion, 12);
  });

  void test('other dataschema values leave the version to the latest', () => {
    for (const dataschema of ['https://example.com/fruits.json', '/versions/latest', '/versions/3/', '/versions/-1', 'versions3']) {
      assert.equal(Object.hasOwn(fields({ ...base, data: 1, dataschema }), 'schemaVersion'), false, dataschema);
    }
  });

  void test('specversion must be "1.0"', () => {
    for (const specversion of ['0.3', '1', 1, null]) {
      assert.deepEqual(
        invalid(() => toEventInput({ ...base, specversion, data: 1 }, original)),
        [{ path: '/specversion', reason: 'must be "1.0"' }],
      );
    }
  });

  void test('id, source and type are required', () => {
    const details = invalid(() => toEventInput({ specversion: '1.0', data: 1 }, original));
    assert.deepEqual(details, [
      { path: '/type', reason: 'required' },
      { path: '/id', reason: 'required' },
      { path: '/source', reason: 'required' },
    ]);
  });

  // Regression: id and source were checked as required and again as optional attributes,
  // so each bad value was listed twice in `details`.
  void test('a malformed required attribute is reported once', () => {
    assert.deepEqual(paths(invalid(() => toEventInput({ ...base, id: '', source: 5, data: 1 }, original))), ['/id', '/source']);
  });

  void test('extension names must be lower-case letters and digits, at most 20', () => {
    assert.deepEqual(fields({ ...base, data: 1, traceparent: 'x', abc123: 'y', ['e'.repeat(20)]: 'z' }).type, 'fruits');
    const details = invalid(() => toEventInput({ ...base, data: 1, TraceParent: 'x', trace_id: 'y', ['e'.repeat(21)]: 'z', schemaVersion: 2 }, original));
    assert.deepEqual(paths(details), ['/TraceParent', `/${'e'.repeat(21)}`, '/schemaVersion', '/trace_id']);
    assert.match(details[0]!.reason, /extension names/);
  });

  // Regression: a CloudEvent without data reached the log as `undefined`, which SQLite cannot
  // bind, so the append failed and took every other request of the same group commit with it.
  void test('a CloudEvent without data has data null', () => {
    const event = toEventInput({ ...base }, original);
    assert.equal(event.data, null);
    assert.equal(JSON.stringify(event.data), 'null');
  });

  void test('data null is kept', () => {
    assert.equal(toEventInput({ ...base, data: null }, original).data, null);
  });
});

void describe('CloudEvents data_base64', () => {
  const base = { specversion: '1.0', id: 'ce-1', source: '/shop', type: 'fruits' };
  const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

  void test('JSON data_base64 is decoded', () => {
    assert.deepEqual(toEventInput({ ...base, data_base64: b64('{"name":"kiwi","n":[1,2]}') }, original).data, { name: 'kiwi', n: [1, 2] });
    assert.deepEqual(toEventInput({ ...base, datacontenttype: 'application/vnd.shop+json; charset=utf-8', data_base64: b64('"ü"') }, original).data, 'ü');
  });

  void test('data and data_base64 together are refused', () => {
    const details = invalid(() => toEventInput({ ...base, data: 1, data_base64: b64('1') }, original));
    assert.deepEqual(details, [{ path: '/data_base64', reason: 'send either data or data_base64, not both' }]);
  });

  void test('data_base64 must be a string', () => {
    assert.deepEqual(
      invalid(() => toEventInput({ ...base, data_base64: 12 }, original)),
      [{ path: '/data_base64', reason: 'must be a base64 string' }],
    );
  });

  void test('data_base64 that is not JSON is refused', () => {
    assert.deepEqual(
      invalid(() => toEventInput({ ...base, data_base64: b64('not json') }, original)),
      [{ path: '/data_base64', reason: 'does not decode to JSON' }],
    );
  });

  void test('non-JSON content types are refused for data_base64', () => {
    assert.deepEqual(
      invalid(() => toEventInput({ ...base, datacontenttype: 'application/octet-stream', data_base64: b64('1') }, original)),
      [{ path: '/datacontenttype', reason: 'Sluice validates JSON data; send datacontenttype application/json' }],
    );
  });
});

void describe('CloudEvents binary mode', () => {
  const headers = { specversion: '1.0', id: 'b-1', source: '/pos', type: 'sale' };

  void test('attributes come from the headers and data from the body', () => {
    const event = fromBinaryCloudEvent(
      { ...headers, time: '2026-01-31T12:00:00Z', subject: 's', partitionkey: 'store-9', datacontenttype: 'application/json' },
      { amount: 3 },
      original,
    );
    const { original: thunk, ...rest } = event;
    assert.equal(thunk, original);
    assert.deepEqual(rest, {
      type: 'sale',
      id: 'b-1',
      source: '/pos',
      dedupKey: '["/pos","b-1"]',
      time: '2026-01-31T12:00:00Z',
      subject: 's',
      key: 'store-9',
      data: { amount: 3 },
    });
  });

  void test('dataschema in a header selects the version', () => {
    assert.equal(fromBinaryCloudEvent({ ...headers, dataschema: '/types/sale/versions/4' }, 1, original).schemaVersion, 4);
  });

  void test('missing required headers are reported', () => {
    const details = invalid(() => fromBinaryCloudEvent({ specversion: '1.0' }, 1, original));
    assert.deepEqual(paths(details), ['/id', '/source', '/type']);
  });

  void test('a bad time header is reported', () => {
    assert.deepEqual(paths(invalid(() => fromBinaryCloudEvent({ ...headers, time: 'now' }, 1, original))), ['/time']);
  });

  // Regression: a `ce-data` header used to replace the body as the event's data.
  void test('ce-data and ce-data_base64 headers are refused, never replacing the body', () => {
    assert.deepEqual(
      invalid(() => fromBinaryCloudEvent({ ...headers, data: '"spoofed"' }, { real: true }, original)),
      [{ path: '/data', reason: 'in binary mode the body is the data; do not send a ce-data header' }],
    );
    assert.deepEqual(paths(invalid(() => fromBinaryCloudEvent({ ...headers, data_base64: 'MQ==' }, { real: true }, original))), ['/data_base64']);
  });
});

void test('isJsonContentType accepts JSON and +json media types, with parameters and any case', () => {
  for (const type of [
    'application/json',
    'Application/JSON',
    'application/json; charset=utf-8',
    'application/cloudevents+json',
    'text/json',
    ' application/json ',
  ]) {
    assert.equal(isJsonContentType(type), true, type);
  }
  for (const type of ['text/plain', 'application/octet-stream', 'application/x-ndjson', 'application/jsonx', '', 'json']) {
    assert.equal(isJsonContentType(type), false, type);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorCatalogue, isSluiceError, SluiceError, type ErrorCode } from '../../src/domain/errors.ts';

const codes = Object.keys(errorCatalogue) as ErrorCode[];

void test('every error code has an HTTP status and a fix', () => {
  assert.ok(codes.length > 20, `expected a full catalogue, got ${codes.length} codes`);
  for (const code of codes) {
    const entry = errorCatalogue[code];
    assert.match(code, /^[a-z][a-z0-9_]*$/, `code ${code} is snake_case`);
    assert.ok(Number.isInteger(entry.status) && entry.status >= 200 && entry.status <= 599, `${code} has status ${entry.status}`);
    assert.ok(entry.fix.trim().length >= 10, `${code} has a fix that says something`);
  }
});

void test('error codes map to the statuses the API documents', () => {
  const expected: Partial<Record<ErrorCode, number>> = {
    invalid_request: 400,
    malformed_json: 400,
    unsupported_media_type: 415,
    payload_too_large: 413,
    unauthorized: 401,
    forbidden: 403,
    not_found: 404,
    tenant_exists: 409,
    invalid_schema: 422,
    not_assigned: 409,
    rate_limited: 429,
    overloaded: 503,
    shutting_down: 503,
    internal: 500,
  };
  for (const [code, status] of Object.entries(expected)) assert.equal(errorCatalogue[code as ErrorCode].status, status, code);
});

void test('only internal, overloaded, shutting_down and store_unavailable are 5xx; only duplicate_id is below 400', () => {
  const serverSide = codes.filter((code) => errorCatalogue[code].status >= 500).sort();
  assert.deepEqual(serverSide, ['internal', 'overloaded', 'shutting_down', 'store_unavailable']);
  // duplicate_id is informational: the event is already stored.
  assert.deepEqual(
    codes.filter((code) => errorCatalogue[code].status < 400),
    ['duplicate_id'],
  );
});

void test('SluiceError carries code, status, details and retryAfter from the catalogue', () => {
  const cause = new Error('disk');
  const error = new SluiceError('rate_limited', 'slow down', { details: [{ path: '/a', reason: 'x' }], retryAfter: 3, cause });
  assert.ok(error instanceof Error);
  assert.equal(error.name, 'SluiceError');
  assert.equal(error.code, 'rate_limited');
  assert.equal(error.status, 429);
  assert.equal(error.message, 'slow down');
  assert.equal(error.retryAfter, 3);
  assert.equal(error.cause, cause);
  assert.deepEqual(error.details, [{ path: '/a', reason: 'x' }]);
});

void test('SluiceError without options has no details, no retryAfter and no cause', () => {
  const error = new SluiceError('not_found', 'nothing here');
  assert.equal(error.details, undefined);
  assert.equal(error.retryAfter, undefined);
  assert.equal('cause' in error, false);
});

void test('toBody is {code, message, fix} and adds details only when there are some', () => {
  const plain = new SluiceError('unknown_type', 'no event type "fruit"');
  assert.deepEqual(plain.toBody(), { code: 'unknown_type', message: 'no event type "fruit"', fix: errorCatalogue.unknown_type.fix });
  assert.equal(Object.hasOwn(plain.toBody(), 'details'), false);

  const detailed = new SluiceError('invalid_event', 'bad', { details: [{ path: '/time', reason: 'must be RFC 3339' }] });
  assert.deepEqual(detailed.toBody(), {
    code: 'invalid_event',
    message: 'bad',
    fix: errorCatalogue.invalid_event.fix,
    details: [{ path: '/time', reason: 'must be RFC 3339' }],
  });
});

void test('toBody never leaks the stack or the cause', () => {
  const body = new SluiceError('internal', 'boom', { cause: new Error('secret sql') }).toBody();
  const text = JSON.stringify(body);
  assert.equal(text.includes('secret sql'), false);
  assert.equal(text.includes('at '), false);
  assert.deepEqual(Object.keys(body).sort(), ['code', 'fix', 'message']);
});

void test('isSluiceError tells SluiceErrors from other values', () => {
  assert.equal(isSluiceError(new SluiceError('internal', 'x')), true);
  assert.equal(isSluiceError(new Error('x')), false);
  assert.equal(isSluiceError({ code: 'internal', status: 500 }), false);
  assert.equal(isSluiceError(undefined), false);
});

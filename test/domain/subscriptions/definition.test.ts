import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SluiceError } from '../../../src/domain/errors.ts';
import { defaultRetrySchedule, parseSubscriptionDefinition } from '../../../src/domain/subscriptions/definition.ts';

const base = { types: ['orders'], destination: { url: 'https://hooks.example.com/in' } };

void test('defaults: structured mode, one record per request, start latest, the default schedule', () => {
  const parsed = parseSubscriptionDefinition(base);
  assert.equal(parsed.start, 'latest');
  assert.equal(parsed.destination.kind === 'webhook' && parsed.destination.mode, 'structured');
  assert.equal(parsed.delivery.batchSize, 1);
  assert.deepEqual(parsed.delivery.retrySchedule, defaultRetrySchedule);
  const total = defaultRetrySchedule.reduce((a, b) => a + b, 0);
  assert.ok(total > 20 * 3_600_000 && total < 30 * 3_600_000, 'the default schedule spans about a day');
});

void test('durations as text, header names in lower case, time starts', () => {
  const parsed = parseSubscriptionDefinition({
    ...base,
    start: '2026-01-01T00:00:00Z',
    destination: { url: 'https://hooks.example.com/in', headers: { Authorization: 'Bearer x' }, mode: 'binary' },
    delivery: { timeoutMs: '2s', retrySchedule: ['1s', 500, '1m'], disableAfter: '1h', maxInFlight: 4 },
  });
  assert.deepEqual(parsed.start, { time: Date.parse('2026-01-01T00:00:00Z') });
  assert.deepEqual(parsed.destination.kind === 'webhook' && parsed.destination.headers, { authorization: 'Bearer x' });
  assert.deepEqual(parsed.delivery.retrySchedule, [1000, 500, 60_000]);
  assert.equal(parsed.delivery.timeoutMs, 2000);
  assert.equal(parsed.delivery.disableAfterMs, 3_600_000);
});

void test('every problem is named in one invalid_subscription error', () => {
  try {
    parseSubscriptionDefinition({
      typess: ['x'],
      destination: { url: 'ftp://x/', headers: { 'webhook-id': 'mine' } },
      filter: { data: { n: [{ numeric: ['>>', 1] }] } },
      delivery: { batchSize: 0, retrySchedule: ['soon'] },
      secret: 'hunter2',
      start: 'yesterday',
    });
    assert.fail('expected an error');
  } catch (error) {
    assert.ok(error instanceof SluiceError);
    assert.equal(error.code, 'invalid_subscription');
    const paths = (error.details ?? []).map((d) => d.path);
    for (const path of [
      '/typess',
      '/types',
      '/destination/url',
      '/destination/headers/webhook-id',
      '/delivery/batchSize',
      '/delivery/retrySchedule/0',
      '/secret',
      '/start',
    ]) {
      assert.ok(paths.includes(path), `${path} in ${paths.join(', ')}`);
    }
    assert.ok(
      paths.some((p) => p.startsWith('/filter')),
      'the filter problem is reported under /filter',
    );
  }
});

void test('URLs with credentials are refused with a hint', () => {
  assert.throws(() => parseSubscriptionDefinition({ ...base, destination: { url: 'https://user:pw@hooks.example.com/' } }), /destination\.headers/);
});

void test('an unknown type and binary batches are named in the same answer as a typo', () => {
  try {
    parseSubscriptionDefinition(
      { types: ['orders', 'ordres'], destinaton: {}, destination: { url: 'https://h.example.com/', mode: 'binary' }, delivery: { batchSize: 10 } },
      (type) => type === 'orders',
    );
    assert.fail('expected an error');
  } catch (error) {
    assert.ok(error instanceof SluiceError);
    assert.deepEqual((error.details ?? []).map((d) => d.path).sort(), ['/destination/mode', '/destinaton', '/types/1']);
  }
});

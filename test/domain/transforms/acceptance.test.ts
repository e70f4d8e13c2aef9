import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { compileSteps } from '../../../src/domain/transforms/index.ts';
import { deps, fixedNow, frozen, salt } from './helpers.ts';

// The platform-team job from the "Pipelines" issue: one declarative pipeline replaces the
// consumer that renamed timestamp, stamped processed_at and stripped personal data.
const userLoginPipeline = [
  { rename: { timestamp: 'created_at' } },
  { convert: { created_at: { from: 'epoch-seconds', to: 'iso8601' } } },
  { set: { processed_at: { now: true } } },
  { default: { locale: 'en-US' } },
  { keep: ['user_id', 'app_version', 'device_type', 'ip', 'locale', 'device_id', 'created_at', 'processed_at'] },
  { hash: ['ip'] },
  { mask: { device_id: { keepLast: 4 } } },
  {
    validate: {
      schema: { required: ['user_id', 'app_version', 'device_type', 'ip', 'locale', 'device_id', 'created_at', 'processed_at'] },
    },
  },
];

const logins = [
  {
    user_id: 'u-1001',
    app_version: '5.12.3',
    device_type: 'android',
    ip: '203.0.113.77',
    locale: 'de-DE',
    device_id: 'a1b2c3d4e5f6a7b8',
    timestamp: 1700000000,
    session: { id: 's-1', debug: true },
    referrer: 'https://example.com/?utm=x',
  },
  {
    user_id: 'u-1002',
    app_version: '5.13.0',
    device_type: 'ios',
    ip: '2001:db8::42',
    locale: null,
    device_id: 'F00DFACE-1234-5678-9ABC-DEF012345678',
    timestamp: 1767225600,
    experiments: ['checkout-v2'],
  },
];

void test('user-login events come out renamed, stamped, trimmed, hashed and masked', () => {
  const transform = compileSteps(userLoginPipeline, deps());
  const expected = [
    {
      user_id: 'u-1001',
      app_version: '5.12.3',
      device_type: 'android',
      ip: createHmac('sha256', salt).update('203.0.113.77').digest('hex'),
      locale: 'de-DE',
      device_id: '************a7b8',
      created_at: '2023-11-14T22:13:20.000Z',
      processed_at: fixedNow.toISOString(),
    },
    {
      user_id: 'u-1002',
      app_version: '5.13.0',
      device_type: 'ios',
      ip: createHmac('sha256', salt).update('2001:db8::42').digest('hex'),
      locale: 'en-US',
      device_id: '********************************5678',
      created_at: '2026-01-01T00:00:00.000Z',
      processed_at: fixedNow.toISOString(),
    },
  ];
  logins.forEach((login, i) => {
    const before = JSON.stringify(login);
    const outcome = transform(frozen(structuredClone(login)));
    assert.ok(outcome.ok, JSON.stringify(outcome));
    const data = outcome.data as Record<string, unknown>;
    assert.deepEqual(data, expected[i]);
    assert.deepEqual(Object.keys(data).sort(), ['app_version', 'created_at', 'device_id', 'device_type', 'ip', 'locale', 'processed_at', 'user_id']);
    assert.match(String(data.created_at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const text = JSON.stringify(data);
    assert.equal(text.includes(login.ip), false, 'the original ip appears nowhere');
    assert.equal(text.includes(login.device_id), false, 'the original device_id appears nowhere');
    assert.equal(JSON.stringify(login), before, 'the input event is unchanged');
  });
});

void test('a user-login event without a timestamp fails at the rename step, naming the field', () => {
  const transform = compileSteps(userLoginPipeline, deps());
  const withoutTimestamp: Record<string, unknown> = { ...logins[0]! };
  delete withoutTimestamp.timestamp;
  const outcome = transform(withoutTimestamp);
  assert.deepEqual(outcome, {
    ok: false,
    step: 0,
    stepName: 'rename',
    path: '/timestamp',
    reason: 'missing: there is no field /timestamp to rename to /created_at',
  });
});

void test('a user-login event with an unreadable timestamp fails at the convert step without echoing it', () => {
  const transform = compileSteps(userLoginPipeline, deps());
  const outcome = transform({ ...logins[0]!, timestamp: 'last tuesday' });
  assert.ok(!outcome.ok);
  assert.deepEqual([outcome.step, outcome.stepName, outcome.path, outcome.reason], [1, 'convert', '/created_at', 'is a string, not epoch seconds']);
  assert.equal(JSON.stringify(outcome).includes('tuesday'), false);
});

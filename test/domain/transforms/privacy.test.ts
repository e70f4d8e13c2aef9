import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { configProblems, failure, frozen, output, salt } from './helpers.ts';

const hmac = (text: string, key = salt) => createHmac('sha256', key).update(text, 'utf8').digest('hex');

void test('hash replaces a value with the hex HMAC-SHA-256 of it under the tenant salt', () => {
  const data = frozen({ ip: '203.0.113.77', user: { email: 'ana@example.com' } });
  const result = output([{ hash: ['ip', 'user.email'] }], data) as { ip: string; user: { email: string } };
  assert.equal(result.ip, hmac('203.0.113.77'));
  assert.match(result.ip, /^[0-9a-f]{64}$/);
  assert.equal(result.user.email, hmac('ana@example.com'));
  const text = JSON.stringify(result);
  assert.equal(text.includes('203.0.113.77'), false);
  assert.equal(text.includes('ana@example.com'), false);
  assert.equal(data.ip, '203.0.113.77', 'the input is untouched');
});

void test('hash is stable within a tenant and differs between tenants', () => {
  const steps = [{ hash: ['ip'] }];
  const a1 = output(steps, { ip: '10.0.0.1' });
  const a2 = output(steps, { ip: '10.0.0.1' });
  const b = output(steps, { ip: '10.0.0.1' }, { salt: 'another-tenant-salt-abcdefgh' });
  assert.deepEqual(a1, a2);
  assert.notDeepEqual(a1, b);
  assert.notEqual((output(steps, { ip: '10.0.0.2' }) as { ip: string }).ip, (a1 as { ip: string }).ip);
});

void test('hash takes numbers as their decimal text and leaves missing and null fields alone', () => {
  assert.deepEqual(output([{ hash: ['id', 'gone', 'none'] }], { id: 42, none: null }), { id: hmac('42'), none: null });
});

void test('hash fails on booleans, objects and arrays without echoing the value', () => {
  for (const [value, kind] of [
    [true, 'a boolean'],
    [{ a: 'secret' }, 'an object'],
    [['secret'], 'an array'],
  ] as const) {
    const outcome = failure([{ hash: ['x'] }], { x: value });
    assert.equal(outcome.stepName, 'hash');
    assert.equal(outcome.path, '/x');
    assert.equal(outcome.reason, `cannot hash ${kind}; hash takes a string or a number`);
    assert.equal(JSON.stringify(outcome).includes('secret'), false);
  }
});

void test('hash refuses to compile without a real tenant salt', () => {
  for (const weak of ['', 'short']) {
    assert.deepEqual(configProblems([{ hash: ['ip'] }], { salt: weak }), [
      { path: '/steps/0/hash', reason: "hash needs the tenant's secret salt (at least 16 characters), and none is configured" },
    ]);
  }
  // Pipelines without hash do not need one.
  assert.deepEqual(output([{ set: { a: 1 } }], {}, { salt: '' }), { a: 1 });
});

void test('mask keeps the requested ends and replaces every other character with *', () => {
  const data = frozen({ device_id: 'a1b2c3d4e5f6', card: '4111111111111111', pin: '1234', phone: '+4712345678' });
  assert.deepEqual(output([{ mask: { device_id: { keepLast: 4 }, card: { keepFirst: 6, keepLast: 4 }, pin: {}, phone: { keepFirst: 3 } } }], data), {
    device_id: '********e5f6',
    card: '411111******1111',
    pin: '****',
    phone: '+47********',
  });
});

void test('mask as a list of paths masks every character, nested paths included', () => {
  assert.deepEqual(output([{ mask: ['user.ssn', '/codes/0'] }], { user: { ssn: '123-45' }, codes: ['abc', 'keep'] }), {
    user: { ssn: '******' },
    codes: ['***', 'keep'],
  });
});

void test('mask always hides at least one character: keeping too much masks it all', () => {
  assert.deepEqual(output([{ mask: { a: { keepLast: 4 }, b: { keepFirst: 2, keepLast: 2 }, c: { keepLast: 1 } } }], { a: 'abc', b: 'abcd', c: '' }), {
    a: '***',
    b: '****',
    c: '',
  });
});

void test('mask counts characters, not UTF-16 units', () => {
  assert.deepEqual(output([{ mask: { name: { keepLast: 1 } } }], { name: 'ab😀c' }), { name: '***c' });
  assert.deepEqual(output([{ mask: { name: { keepFirst: 3 } } }], { name: 'ab😀cd' }), { name: 'ab😀**' });
});

void test('mask stringifies numbers, skips missing and null, and fails on other types', () => {
  assert.deepEqual(output([{ mask: { n: { keepLast: 2 }, gone: {}, none: {} } }], { n: 12345678, none: null }), { n: '******78', none: null });
  const outcome = failure([{ mask: { flag: {} } }], { flag: false });
  assert.deepEqual([outcome.stepName, outcome.path, outcome.reason], ['mask', '/flag', 'cannot mask a boolean; mask takes a string or a number']);
  assert.equal(failure([{ mask: { o: {} } }], { o: { pan: '4111' } }).reason, 'cannot mask an object; mask takes a string or a number');
});

void test('mask config mistakes are refused', () => {
  assert.deepEqual(configProblems([{ mask: { a: { keepLast: -1 } } }]), [{ path: '/steps/0/mask/a/keepLast', reason: 'must be a whole number from 0 to 64' }]);
  assert.equal(configProblems([{ mask: { a: { keepFirst: 1.5 } } }])[0]!.path, '/steps/0/mask/a/keepFirst');
  assert.match(configProblems([{ mask: { a: { char: '#' } } }])[0]!.reason, /unknown option "char"/);
  assert.match(configProblems([{ mask: { a: 4 } }])[0]!.reason, /must be a mapping such as \{keepLast: 4\}/);
  assert.match(configProblems([{ mask: {} }])[0]!.reason, /non-empty mapping/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSteps } from '../../../src/domain/transforms/index.ts';
import { configProblems, deps, failure, fixedNow, frozen, output } from './helpers.ts';

void test('rename moves fields, nested paths included, creating the new parents', () => {
  const data = frozen({ timestamp: 1, user: { name: 'ana', id: 7 }, keep: true });
  assert.deepEqual(output([{ rename: { timestamp: 'created_at', 'user.name': 'user.full_name', '/user/id': 'ids/user' } }], data), {
    keep: true,
    user: { full_name: 'ana' },
    created_at: 1,
    'ids/user': 7,
  });
  assert.deepEqual(output([{ rename: { 'user.name': 'profile.display.name' } }], data), {
    timestamp: 1,
    user: { id: 7 },
    keep: true,
    profile: { display: { name: 'ana' } },
  });
});

void test('rename of a missing field fails the event and names the field', () => {
  const outcome = failure([{ set: { a: 1 } }, { rename: { 'user.name': 'name' } }], { user: {} });
  assert.equal(outcome.step, 1);
  assert.equal(outcome.stepName, 'rename');
  assert.equal(outcome.path, '/user/name');
  assert.match(outcome.reason, /^missing: there is no field \/user\/name to rename to \/name$/);
});

void test('an optional rename skips a missing field and still moves the others', () => {
  const steps = [{ rename: { nickname: { to: 'alias', optional: true }, a: 'b' } }];
  assert.deepEqual(output(steps, { a: 1 }), { b: 1 });
  assert.deepEqual(output(steps, { a: 1, nickname: null }), { b: 1, alias: null });
});

void test('renames in one step happen at once, so a pair swaps', () => {
  assert.deepEqual(output([{ rename: { a: 'b', b: 'a' } }], frozen({ a: 1, b: 2 })), { b: 1, a: 2 });
});

void test('rename overwrites an existing target', () => {
  assert.deepEqual(output([{ rename: { new: 'old' } }], { old: 'x', new: 'y' }), { old: 'y' });
});

void test('rename fails when the target parent is not an object', () => {
  const outcome = failure([{ rename: { a: 'b.c' } }], { a: 1, b: 'text' });
  assert.equal(outcome.path, '/b/c');
  assert.equal(outcome.reason, 'cannot write inside /b: it is a string');
});

void test('rename config mistakes are refused at compile time', () => {
  assert.deepEqual(configProblems([{ rename: { a: 'a' } }]), [{ path: '/steps/0/rename/a', reason: 'renames "a" to itself' }]);
  assert.match(configProblems([{ rename: { a: 'a.b' } }])[0]!.reason, /cannot move into itself/);
  assert.match(configProblems([{ rename: { a: 'x', b: 'x' } }])[0]!.reason, /target "x" names the same field as "x"/);
  assert.match(configProblems([{ rename: { a: 'x', 'a.b': 'y' } }])[0]!.reason, /source "a.b" lies inside "a"/);
  assert.deepEqual(configProblems([{ rename: { a: { to: 'b', optional: 'yes' } } }]), [
    { path: '/steps/0/rename/a/optional', reason: 'must be true or false' },
  ]);
  assert.deepEqual(configProblems([{ rename: { a: { to: 'b', when: 1 } } }])[0]!.path, '/steps/0/rename/a/when');
  assert.deepEqual(configProblems([{ rename: { a: 5 } }])[0]!.path, '/steps/0/rename/a');
  assert.match(configProblems([{ rename: {} }])[0]!.reason, /non-empty mapping/);
  assert.match(configProblems([{ rename: ['a'] }])[0]!.reason, /non-empty mapping/);
});

void test('set writes constants of every JSON type, nested, over what was there', () => {
  const data = frozen({ pipeline: 'v0', meta: { a: 1 } });
  assert.deepEqual(output([{ set: { pipeline: 'v1', 'meta.b': 2, n: null, flags: [true, false], obj: { x: { y: 1 } } } }], data), {
    pipeline: 'v1',
    meta: { a: 1, b: 2 },
    n: null,
    flags: [true, false],
    obj: { x: { y: 1 } },
  });
});

void test('set {now: true} writes the injected clock as ISO-8601 UTC, once per event', () => {
  let calls = 0;
  const clock = () => {
    calls++;
    return new Date(fixedNow.getTime() + calls * 1000);
  };
  const transform = compileSteps([{ set: { processed_at: { now: true } } }, { set: { 'audit.at': { now: true } } }], deps({ now: clock }));
  assert.equal(calls, 0, 'the clock is not read at compile time');
  const first = transform({}) as { ok: true; data: { processed_at: string; audit: { at: string } } };
  assert.equal(first.data.processed_at, '2026-03-04T05:06:08.089Z');
  assert.equal(first.data.audit.at, first.data.processed_at, 'every now in one event agrees');
  const second = transform({}) as { ok: true; data: { processed_at: string } };
  assert.equal(second.data.processed_at, '2026-03-04T05:06:09.089Z');
  assert.equal(calls, 2);
});

void test('set {copy: path} copies another field deeply; later writes do not leak between the two', () => {
  const data = frozen({ user: { id: 7, tags: ['a'] } });
  const result = output([{ set: { owner: { copy: 'user' } } }, { set: { 'owner.id': 8, '/owner/tags/1': 'b' } }], data);
  assert.deepEqual(result, { user: { id: 7, tags: ['a'] }, owner: { id: 8, tags: ['a', 'b'] } });
});

void test('set copies read the event as it was before the step', () => {
  assert.deepEqual(output([{ set: { a: { copy: 'b' }, b: 'new' } }], { b: 'old' }), { b: 'new', a: 'old' });
});

void test('set {copy} of a missing field fails unless optional', () => {
  const outcome = failure([{ set: { x: { copy: 'user.id' } } }], { user: {} });
  assert.equal(outcome.stepName, 'set');
  assert.equal(outcome.path, '/user/id');
  assert.match(outcome.reason, /missing: there is no field \/user\/id to copy into \/x/);
  assert.deepEqual(output([{ set: { x: { copy: 'user.id', optional: true }, y: 1 } }], { user: {} }), { user: {}, y: 1 });
});

void test('{value: ...} sets an object that would otherwise read as a directive', () => {
  assert.deepEqual(output([{ set: { a: { value: { now: true } }, b: { value: { copy: 'x', other: 1 } } } }], {}), {
    a: { now: true },
    b: { copy: 'x', other: 1 },
  });
  assert.deepEqual(output([{ set: { price: { amount: 3, currency: 'EUR' } } }], {}), { price: { amount: 3, currency: 'EUR' } });
});

void test('set constants are private to the pipeline and shared read-only between events', () => {
  const config = [{ set: { meta: { source: 'web' } } }];
  const transform = compileSteps(config, deps());
  config[0]!.set.meta.source = 'changed after compile';
  const one = transform({}) as { ok: true; data: { meta: { source: string } } };
  assert.deepEqual(one.data, { meta: { source: 'web' } });
  assert.throws(() => {
    one.data.meta.source = 'mutated by a consumer';
  }, TypeError);
  // A later step writing inside the constant copies it first.
  const two = output([{ set: { meta: { source: 'web' } } }, { set: { 'meta.source': 'app' } }], {});
  assert.deepEqual(two, { meta: { source: 'app' } });
});

void test('set fails when a parent is a scalar, an array index is off, or the data is not an object', () => {
  let outcome = failure([{ set: { 'user.name': 'x' } }], { user: 5 });
  assert.deepEqual([outcome.path, outcome.reason], ['/user/name', 'cannot write inside /user: it is a number']);
  outcome = failure([{ set: { '/items/5': 'x' } }], { items: [1] });
  assert.deepEqual([outcome.path, outcome.reason], ['/items/5', 'cannot write inside /items: index 5 is past the end of the array']);
  outcome = failure([{ set: { '/items/x': 'x' } }], { items: [1] });
  assert.equal(outcome.reason, 'cannot write inside /items: it is an array and "x" is not an index');
  outcome = failure([{ set: { a: 1 } }], 'just a string');
  assert.deepEqual([outcome.path, outcome.reason], ['/a', 'cannot reach /a: the event data is a string, not an object']);
});

void test('set replaces array members by index and appends at the end, without touching the input array', () => {
  const data = frozen({ items: ['a', 'b'] });
  assert.deepEqual(output([{ set: { '/items/0': 'z', '/items/2': 'c' } }], data), { items: ['z', 'b', 'c'] });
  assert.deepEqual(data.items, ['a', 'b']);
});

void test('set config mistakes are refused at compile time', () => {
  assert.deepEqual(configProblems([{ set: { a: { now: 'yes' } } }]), [{ path: '/steps/0/set/a/now', reason: 'must be true' }]);
  assert.match(configProblems([{ set: { a: { now: true, other: 1 } } }])[0]!.reason, /takes no "other".*inside \{value: \.\.\.\}/);
  assert.match(configProblems([{ set: { a: { copy: 'b', x: 1 } } }])[0]!.reason, /takes no "x"/);
  assert.equal(configProblems([{ set: { a: { copy: 'b..c' } } }])[0]!.path, '/steps/0/set/a/copy');
  assert.deepEqual(configProblems([{ set: { a: Number.POSITIVE_INFINITY } }]), [{ path: '/steps/0/set/a', reason: 'must be a finite number' }]);
  assert.deepEqual(configProblems([{ set: { a: { nested: { __proto__: null, constructor: 1 } } } }]), [
    { path: '/steps/0/set/a/nested/constructor', reason: '"constructor" is not allowed as a property name' },
  ]);
  assert.match(configProblems([{ set: { a: new Date(0) } }])[0]!.reason, /must be a JSON value/);
  assert.match(configProblems([{ set: { a: 1, 'a.b': 2 } }])[0]!.reason, /field "a.b" lies inside "a"/);
});

void test('default fills absent and null fields only', () => {
  const steps = [{ default: { locale: 'en-US', 'prefs.theme': 'dark', tz: { copy: 'prefs.tz', optional: true } } }];
  assert.deepEqual(output(steps, { locale: null }), { locale: 'en-US', prefs: { theme: 'dark' } });
  assert.deepEqual(output(steps, frozen({ locale: 'de-DE', prefs: { theme: 'light', tz: 'UTC' } })), {
    locale: 'de-DE',
    prefs: { theme: 'light', tz: 'UTC' },
    tz: 'UTC',
  });
  // Falsy values are values: only absence and null count as missing.
  assert.deepEqual(output(steps, { locale: '', prefs: { theme: 0 } }), { locale: '', prefs: { theme: 0 } });
});

void test('default with {now: true} stamps only events that lack the field', () => {
  const steps = [{ default: { received_at: { now: true } } }];
  assert.deepEqual(output(steps, {}), { received_at: fixedNow.toISOString() });
  assert.deepEqual(output(steps, { received_at: 'earlier' }), { received_at: 'earlier' });
});

void test('default fails like set when the parent is not an object', () => {
  const outcome = failure([{ default: { 'prefs.theme': 'dark' } }], { prefs: ['x'] });
  assert.equal(outcome.stepName, 'default');
  assert.equal(outcome.path, '/prefs/theme');
  assert.match(outcome.reason, /it is an array and "theme" is not an index/);
});

void test('rename keeps the other fields in their order, an own "__proto__" field as data, and the input as it was', () => {
  const input = JSON.parse('{"a":1,"__proto__":{"x":1},"b":2,"c":{"d":3,"e":4}}') as Record<string, unknown>;
  const before = JSON.stringify(input);
  const result = output([{ rename: { a: 'z', 'c.d': 'c.f' } }], input) as Record<string, unknown>;
  assert.equal(JSON.stringify(result), '{"__proto__":{"x":1},"b":2,"c":{"e":4,"f":3},"z":1}');
  assert.equal(Object.getPrototypeOf(result), Object.prototype);
  assert.equal(JSON.stringify(input), before);
});

void test('set {now: true} writes the clock and convert writes each event time, in one pipeline over events of many days', () => {
  let clock = fixedNow.getTime();
  const transform = compileSteps(
    [
      { convert: { at: { from: 'epoch-millis', to: 'iso8601' }, day: { from: 'epoch-millis', to: 'iso8601', precision: 'seconds', zone: '+02:00' } } },
      { set: { processed_at: { now: true } } },
    ],
    deps({ now: () => new Date(clock) }),
  );
  for (let i = 0; i < 500; i++) {
    const at = Date.UTC(1999, 11, 31) + i * 86_399_999;
    if (i % 3 === 0) clock += 1;
    const outcome = transform({ at, day: at });
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.data, {
      at: new Date(at).toISOString(),
      day: `${new Date(at + 7_200_000).toISOString().slice(0, 19)}+02:00`,
      processed_at: new Date(clock).toISOString(),
    });
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorCatalogue, SluiceError } from '../../../src/domain/errors.ts';
import { compileSteps } from '../../../src/domain/transforms/index.ts';
import { configProblems, deps, failure, frozen, output } from './helpers.ts';

void test('an invalid pipeline throws invalid_pipeline (400) listing every problem with its config path', () => {
  let thrown: unknown;
  try {
    compileSteps([{ rename: { a: 'b' } }, { renam: { a: 'b' } }, { set: { x: 1 }, remove: ['y'] }, 'keep', { remove: ['/__proto__'] }], deps());
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown instanceof SluiceError);
  assert.equal(thrown.code, 'invalid_pipeline');
  assert.equal(thrown.status, 400);
  assert.equal(errorCatalogue.invalid_pipeline.status, 400);
  assert.match(thrown.toBody().fix, /docs\/pipelines\.md/);
  assert.deepEqual(
    thrown.details?.map((detail) => detail.path),
    ['/steps/1/renam', '/steps/2', '/steps/3', '/steps/4/remove/0'],
  );
  assert.match(
    thrown.message,
    /^the pipeline is not valid: \/steps\/1\/renam unknown step "renam"; the steps are rename, set, remove, default, keep, hash, mask, convert, validate \(and 3 more\)$/,
  );
  assert.match(thrown.details?.[3]?.reason ?? '', /"__proto__" is not allowed in a field path/);
});

void test('the steps must be a list of at most 100 steps', () => {
  assert.deepEqual(configProblems({ rename: {} }), [{ path: '/steps', reason: 'must be a list of steps, each a mapping with one key naming the step' }]);
  assert.deepEqual(configProblems(Array.from({ length: 101 }, () => ({ remove: ['a'] }))), [{ path: '/steps', reason: 'must have at most 100 steps' }]);
  assert.match(configProblems([{}])[0]!.reason, /exactly one key naming the step/);
  assert.match(configProblems([null])[0]!.reason, /exactly one key naming the step/);
  // An inherited name is not a step.
  assert.match(configProblems([{ toString: {} }])[0]!.reason, /unknown step "toString"/);
});

void test('config paths escape keys the RFC 6901 way', () => {
  assert.deepEqual(configProblems([{ rename: { 'a/b~c': 'a/b~c' } }]), [{ path: '/steps/0/rename/a~1b~0c', reason: 'renames "a/b~c" to itself' }]);
});

void test('no steps is the identity', () => {
  const data = { a: 1 };
  const outcome = compileSteps([], deps())(data);
  assert.deepEqual(outcome, { ok: true, data: { a: 1 } });
});

void test('steps run in order: each sees what the one before left', () => {
  const data = { timestamp: 1700000000 };
  assert.deepEqual(
    output(
      [
        { rename: { timestamp: 'created_at' } },
        { convert: { created_at: { from: 'epoch-seconds', to: 'iso8601' } } },
        { set: { copy: { copy: 'created_at' } } },
      ],
      data,
    ),
    { created_at: '2023-11-14T22:13:20.000Z', copy: '2023-11-14T22:13:20.000Z' },
  );
  // The same steps in another order fail: created_at does not exist yet.
  const outcome = failure([{ convert: { created_at: { from: 'epoch-seconds', to: 'iso8601' } } }, { rename: { timestamp: 'created_at' } }], data);
  assert.deepEqual([outcome.step, outcome.stepName, outcome.path], [0, 'convert', '/created_at']);
});

void test('the first failing step stops the run and is reported by index and name', () => {
  const outcome = failure([{ set: { a: 1 } }, { remove: ['b'] }, { rename: { c: 'd' } }, { set: { never: true } }], {});
  assert.deepEqual(outcome, {
    ok: false,
    step: 2,
    stepName: 'rename',
    path: '/c',
    reason: 'missing: there is no field /c to rename to /d',
  });
});

void test('validate checks the transformed data against the output schema', () => {
  const steps = [{ rename: { ts: 'created_at' } }, { validate: { schema: { required: ['created_at', 'user_id'] } } }];
  assert.deepEqual(output(steps, { ts: 1, user_id: 'u' }), { created_at: 1, user_id: 'u' });
  const outcome = failure(steps, { ts: 1 });
  assert.deepEqual(outcome, {
    ok: false,
    step: 1,
    stepName: 'validate',
    path: '/user_id',
    reason: 'does not match the output schema: is required',
    details: [{ path: '/user_id', reason: 'is required' }],
  });
});

void test('validate compiles its schema once, at compile time', () => {
  let compiled = 0;
  const transform = compileSteps(
    [{ validate: { schema: {} } }],
    deps({
      compileSchema: () => {
        compiled++;
        return () => undefined;
      },
    }),
  );
  for (let i = 0; i < 3; i++) assert.equal(transform({}).ok, true);
  assert.equal(compiled, 1);
});

void test('a schema that does not compile is an invalid pipeline', () => {
  assert.deepEqual(configProblems([{ validate: { schema: { invalid: true } } }]), [
    { path: '/steps/0/validate/schema', reason: 'is not a valid schema: schema is invalid: type must be a string' },
  ]);
  assert.deepEqual(configProblems([{ validate: { schema: { details: true } } }]), [
    { path: '/steps/0/validate/schema/properties/a/type', reason: 'must be a known type' },
  ]);
  assert.match(configProblems([{ validate: {} }])[0]!.reason, /needs a schema/);
  assert.match(configProblems([{ validate: { schema: {}, strict: true } }])[0]!.reason, /unknown option "strict"/);
});

void test('no step mutates its input: a deep-frozen event goes through every step', () => {
  const steps = [
    { rename: { timestamp: 'created_at', 'user.name': 'user.full_name' } },
    { convert: { created_at: { from: 'epoch-seconds', to: 'iso8601' } } },
    { set: { processed_at: { now: true }, 'user.tags': ['x'], '/items/0': 'z' } },
    { remove: ['debug', 'tmp.x', '/items/1'] },
    { default: { locale: 'en-US', 'user.age': 0 } },
    { hash: ['ip'] },
    { mask: { device_id: { keepLast: 4 } } },
    { keep: ['user', 'created_at', 'processed_at', 'ip', 'device_id', 'locale', 'items', 'tmp'] },
    { set: { 'user.id': 2 } },
    { validate: { schema: { required: ['user'] } } },
  ];
  const input = () => ({
    timestamp: 1700000000,
    user: { name: 'ana', id: 1 },
    debug: true,
    tmp: { x: 1, y: 2 },
    items: ['a', 'b', 'c'],
    ip: '10.1.2.3',
    device_id: 'abcdef',
    locale: null,
  });
  const data = frozen(input());
  const transform = compileSteps(steps, deps());
  const first = transform(data);
  assert.ok(first.ok);
  assert.deepEqual(data, input(), 'the input is unchanged');
  assert.deepEqual(transform(data), first, 'the same input gives the same output');
  assert.deepEqual((first.data as { items: string[] }).items, ['z', 'c']);
});

void test('untouched subtrees are shared with the input, touched ones are copies', () => {
  const data = frozen({ big: { deep: { list: [1, 2, 3] } }, user: { name: 'ana' } });
  const result = output([{ set: { 'user.name': 'bo' } }], data) as typeof data;
  assert.equal(result.big, data.big, 'structural sharing, no deep copy');
  assert.notEqual(result.user, data.user);
  assert.notEqual(result, data);
});

void test('no config can write to an object prototype', () => {
  for (const path of ['__proto__.polluted', '/constructor/prototype/polluted', 'a.__proto__']) {
    assert.match(configProblems([{ set: { [path]: true } }])[0]!.reason, /is not allowed in a field path/);
    assert.match(configProblems([{ rename: { x: path } }])[0]!.reason, /is not allowed in a field path/);
    assert.match(configProblems([{ set: { x: { copy: path } } }])[0]!.reason, /is not allowed in a field path/);
  }
  // Event data with an own "__proto__" key (as JSON.parse makes) passes through as data.
  const data = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
  const result = output([{ set: { b: 2 } }, { rename: { a: 'c' } }], data) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(result), Object.prototype);
  assert.deepEqual(Object.keys(result).sort(), ['__proto__', 'b', 'c']);
});

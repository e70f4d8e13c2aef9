import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SluiceError } from '../../src/domain/errors.ts';
import type { EventInput } from '../../src/domain/event.ts';
import { compilePointer } from '../../src/domain/json-pointer.ts';
import type { CompiledType, PipelineContext, PipelineOutcome, Validator } from '../../src/domain/pipeline.ts';
import { runPipeline } from '../../src/domain/pipeline.ts';
import { compilePipeline, type CompiledPipeline } from '../../src/domain/pipeline-config.ts';
import { deps } from './transforms/helpers.ts';

// compilePipeline (steps + filter + route) and runPipeline with a pipeline: what the
// "Pipelines" issue asks of validate → transform → filter → route, without I/O.

/** The event types tenant "acme" has, with their partition counts (route targets). */
const acmeTypes: Record<string, number> = { orders: 4, finance: 2, marketing: 3, logistics: 1, unrouted: 1, audit: 2 };

const anything: Validator = () => undefined;

function problemsOf(config: unknown): { path: string; reason: string }[] {
  try {
    compilePipeline(config, deps());
  } catch (error) {
    assert.ok(error instanceof SluiceError, `expected a SluiceError, got ${String(error)}`);
    assert.equal(error.code, 'invalid_pipeline');
    assert.ok(error.details !== undefined && error.details.length > 0, 'invalid_pipeline carries details');
    for (const detail of error.details) assert.ok(error.message.includes(detail.path), `the message names ${detail.path}: ${error.message}`);
    return error.details;
  }
  assert.fail(`expected ${JSON.stringify(config)} to be refused`);
}

function pathsOf(config: unknown): string[] {
  return problemsOf(config).map((problem) => problem.path);
}

/** `schemas` gives route targets a latest schema (version 3); the others take anything. */
function orders(
  pipeline: unknown,
  options: { partitionKey?: string; validate?: Validator; types?: Record<string, number>; schemas?: Record<string, Validator> } = {},
): CompiledType {
  const types = options.types ?? acmeTypes;
  const compiled: CompiledPipeline | undefined = pipeline === undefined ? undefined : compilePipeline(pipeline, deps());
  const latest = { version: 1, schemaId: 7, validate: options.validate ?? anything };
  return {
    tenant: 'acme',
    type: 'orders',
    stream: 'acme.orders',
    partitions: 4,
    partitionKey: options.partitionKey === undefined ? undefined : compilePointer(options.partitionKey),
    partitionKeyPointer: options.partitionKey,
    latest,
    version: (n) => (n === 1 ? latest : undefined),
    pipeline: compiled,
    routeTarget: (type) =>
      Object.hasOwn(types, type)
        ? { stream: `acme.${type}`, partitions: types[type]!, latest: { version: 3, schemaId: 30, validate: options.schemas?.[type] ?? anything } }
        : undefined,
  };
}

function context(): PipelineContext {
  let ids = 0;
  return { tenant: 'acme', receivedAt: '2026-01-31T12:00:00.000Z', newId: () => `generated-${++ids}` };
}

function event(data: unknown, fields: Partial<EventInput> = {}): EventInput {
  return { type: 'orders', data, original: () => JSON.stringify({ type: 'orders', data }), ...fields };
}

function run(pipeline: unknown, input: EventInput, options: Parameters<typeof orders>[1] = {}): PipelineOutcome {
  return runPipeline(input, orders(pipeline, options), context());
}

/** The streams an accepted event goes to, in the order the pipeline chose them. */
function streams(outcome: PipelineOutcome): string[] {
  assert.equal(outcome.kind, 'accepted', outcome.kind === 'rejected' ? JSON.stringify(outcome.rejection) : outcome.kind);
  if (outcome.kind !== 'accepted') throw new Error('unreachable');
  return outcome.events.map((accepted) => accepted.stream);
}

function rejection(outcome: PipelineOutcome) {
  assert.equal(outcome.kind, 'rejected', `expected a rejection, got ${JSON.stringify(outcome)}`);
  if (outcome.kind !== 'rejected') throw new Error('unreachable');
  return outcome.rejection;
}

const byDestination = {
  route: { field: 'destination_service_type', map: { FINANCE: 'finance', MARKETING: 'marketing', LOGISTICS: 'logistics' } },
};

// ---- compilePipeline: every invalid config path is reported ----

void test('a pipeline that is not a mapping is refused at the root', () => {
  for (const config of [null, [], 'steps', 3, true]) {
    assert.deepEqual(problemsOf(config), [{ path: '', reason: 'not a mapping' }], JSON.stringify(config));
  }
});

void test('unknown top-level keys are refused by name', () => {
  assert.deepEqual(pathsOf({ steps: [], transform: [], routes: {} }), ['/transform', '/routes']);
});

void test('every problem in steps, filter and route is reported at once, each at its path', () => {
  const problems = problemsOf({
    steps: [{ renam: { a: 'b' } }, { set: { a: 1, 'a.b': 2 } }],
    filter: { type: 'order.placed' },
    route: { rules: [{ pattern: {}, to: 'Not A Type' }], keepOriginal: 'yes' },
  });
  assert.deepEqual(
    problems.map((p) => p.path),
    ['/steps/0/renam', '/steps/1/set/a.b', '/filter/type', '/route/rules/0/to', '/route/keepOriginal'],
  );
  assert.match(problems[0]!.reason, /unknown step "renam"/);
  assert.match(problems[2]!.reason, /put it in a list/);
  assert.equal(problems[4]!.reason, 'must be true or false');
});

void test('steps that are not a list, and a filter that is not a pattern object, are refused', () => {
  assert.deepEqual(pathsOf({ steps: { rename: { a: 'b' } } }), ['/steps']);
  assert.deepEqual(pathsOf({ filter: null }), ['/filter']);
  assert.deepEqual(pathsOf({ filter: ['a'] }), ['/filter']);
  assert.deepEqual(pathsOf({ filter: { data: { total: [{ numeric: ['>', '100'] }] } } }), ['/filter/data/total/0/numeric/1']);
});

void test('a route that is not a mapping, or has unknown keys, is refused', () => {
  assert.deepEqual(pathsOf({ route: 'finance' }), ['/route']);
  assert.deepEqual(pathsOf({ route: ['finance'] }), ['/route']);
  const paths = pathsOf({ route: { rules: [{ pattern: {}, to: 'finance' }], fallback: 'unrouted' } });
  assert.deepEqual(paths, ['/route/fallback']);
});

void test('a route with neither field and map nor rules is refused', () => {
  assert.deepEqual(problemsOf({ route: {} }), [{ path: '/route', reason: 'needs field and map, or rules' }]);
  assert.deepEqual(pathsOf({ route: { default: 'unrouted', keepOriginal: true } }), ['/route']);
});

void test('field needs map and map needs field; each wrong half is named', () => {
  assert.ok(pathsOf({ route: { field: 'destination' } }).includes('/route/map'));
  assert.ok(pathsOf({ route: { map: { A: 'finance' } } }).includes('/route/field'));
  assert.ok(pathsOf({ route: { field: 7, map: { A: 'finance' } } }).includes('/route/field'));
  assert.ok(pathsOf({ route: { field: 'destination', map: ['finance'] } }).includes('/route/map'));
  assert.ok(pathsOf({ route: { field: 'destination', map: null } }).includes('/route/map'));
});

void test('a route field that is not a usable path is refused at /route/field', () => {
  for (const field of ['a..b', '.a', '__proto__', 'user.constructor', '/a/prototype']) {
    const problems = problemsOf({ route: { field, map: { A: 'finance' } } });
    assert.deepEqual(
      problems.map((p) => p.path),
      ['/route/field'],
      `${field}: ${JSON.stringify(problems)}`,
    );
  }
});

void test('map values must be type names or non-empty lists of them', () => {
  const problems = problemsOf({
    route: { field: 'destination', map: { A: 'finance', B: ['finance', 'marketing'], C: 'Not A Type', D: [], E: 5, F: ['finance', 3], G: null, H: '' } },
  });
  assert.deepEqual(
    problems.map((p) => p.path),
    ['/route/map/C', '/route/map/D', '/route/map/E', '/route/map/F', '/route/map/G', '/route/map/H'],
  );
  for (const problem of problems) assert.equal(problem.reason, 'must name an event type of this tenant, or a list of them');
});

void test('a map value with / or ~ in it is reported as a JSON pointer (escaped)', () => {
  assert.deepEqual(pathsOf({ route: { field: 'destination', map: { 'eu/west': 'Bad Name', 'a~b': 7 } } }), ['/route/map/eu~1west', '/route/map/a~0b']);
});

void test('rules must be a list of at most 100 mappings with a valid pattern and to', () => {
  assert.deepEqual(pathsOf({ route: { rules: { pattern: {}, to: 'finance' } } }), ['/route/rules']);
  const tooMany = Array.from({ length: 101 }, () => ({ pattern: {}, to: 'finance' }));
  assert.deepEqual(pathsOf({ route: { rules: tooMany } }), ['/route/rules']);
  assert.doesNotThrow(() => compilePipeline({ route: { rules: tooMany.slice(1) } }, deps()), '100 rules are allowed');

  const problems = problemsOf({
    route: {
      rules: [
        null,
        'finance',
        ['finance'],
        { pattern: { data: { kind: 'a' } }, to: 'finance' },
        { pattern: {}, to: '' },
        { pattern: {}, to: [] },
        { to: 'finance' },
        { pattern: { data: { kind: ['a'] } }, to: ['finance', 'marketing'] },
      ],
    },
  });
  assert.deepEqual(
    problems.map((p) => p.path),
    [
      '/route/rules/0',
      '/route/rules/1',
      '/route/rules/2',
      '/route/rules/3/pattern/data/kind',
      '/route/rules/4/to',
      '/route/rules/5/to',
      '/route/rules/6/pattern',
    ],
  );
});

void test('default must name a type; keepOriginal must be a boolean', () => {
  const problems = problemsOf({ route: { rules: [{ pattern: {}, to: 'finance' }], default: 7, keepOriginal: 1 } });
  assert.deepEqual(
    problems.map((p) => p.path),
    ['/route/default', '/route/keepOriginal'],
  );
  assert.deepEqual(pathsOf({ route: { rules: [{ pattern: {}, to: 'finance' }], default: [] } }), ['/route/default']);
});

void test('a hash step without a usable salt makes the pipeline invalid', () => {
  assert.throws(
    () => compilePipeline({ steps: [{ hash: ['ip'] }] }, deps({ salt: 'short' })),
    (error: unknown) => error instanceof SluiceError && error.code === 'invalid_pipeline' && error.details?.[0]?.path.startsWith('/steps/0/hash') === true,
  );
});

void test('a valid pipeline lists every type its route can name, once', () => {
  const compiled = compilePipeline(
    {
      route: {
        field: 'destination_service_type',
        map: { FINANCE: 'finance', BOTH: ['finance', 'marketing'] },
        rules: [{ pattern: {}, to: ['audit', 'finance'] }],
        default: 'unrouted',
      },
    },
    deps(),
  );
  assert.deepEqual([...compiled.targets].sort(), ['audit', 'finance', 'marketing', 'unrouted']);
  assert.equal(compiled.keepOriginal, false);
  assert.deepEqual(compilePipeline({}, deps()).targets, []);
  assert.equal(compilePipeline({}, deps()).route, undefined);
});

// ---- runPipeline: route by field ----

void test('routing by a string field sends each value to its stream, not the own stream', () => {
  for (const [value, stream] of [
    ['FINANCE', 'acme.finance'],
    ['MARKETING', 'acme.marketing'],
    ['LOGISTICS', 'acme.logistics'],
  ] as const) {
    const outcome = run(byDestination, event({ destination_service_type: value, order: 'o-1' }));
    assert.deepEqual(streams(outcome), [stream]);
    if (outcome.kind !== 'accepted') continue;
    const [routed] = outcome.events;
    assert.equal(routed!.partitions, acmeTypes[stream.slice('acme.'.length)], "partitions are the target type's");
    assert.equal(routed!.data, JSON.stringify({ destination_service_type: value, order: 'o-1' }));
    assert.equal(routed!.type, 'orders', 'a routed record still says which type it was sent as');
  }
});

void test('field values are matched exactly: case and JSON type matter', () => {
  const outcome = run(byDestination, event({ destination_service_type: 'finance' }));
  assert.equal(rejection(outcome).code, 'no_route');
});

void test('numbers and booleans route by their text', () => {
  const pipeline = { route: { field: 'priority', map: { '1': 'finance', '2.5': 'marketing', true: 'logistics', false: 'audit' } } };
  assert.deepEqual(streams(run(pipeline, event({ priority: 1 }))), ['acme.finance']);
  assert.deepEqual(streams(run(pipeline, event({ priority: 1.0 }))), ['acme.finance']);
  assert.deepEqual(streams(run(pipeline, event({ priority: 2.5 }))), ['acme.marketing']);
  assert.deepEqual(streams(run(pipeline, event({ priority: true }))), ['acme.logistics']);
  assert.deepEqual(streams(run(pipeline, event({ priority: false }))), ['acme.audit']);
});

void test('a field that is missing, null, an object or an array matches no map entry', () => {
  const pipeline = { route: { field: 'destination', map: { null: 'finance', '[object Object]': 'marketing', A: 'logistics' } } };
  for (const data of [{}, { destination: null }, { destination: { A: 1 } }, { destination: ['A'] }, 'not an object']) {
    const rejected = rejection(run(pipeline, event(data)));
    assert.equal(rejected.code, 'no_route', JSON.stringify(data));
    assert.equal(rejected.stage, 'transform');
  }
});

void test('the route field may be nested, dotted or a JSON pointer', () => {
  const data = { meta: { 'dest.type': 'FINANCE', route: ['x', 'MARKETING'] } };
  assert.deepEqual(streams(run({ route: { field: 'meta.dest\\.type', map: { FINANCE: 'finance' } } }, event(data))), ['acme.finance']);
  assert.deepEqual(streams(run({ route: { field: '/meta/route/1', map: { MARKETING: 'marketing' } } }, event(data))), ['acme.marketing']);
});

void test('a map entry can name several types: the event is stored in each', () => {
  const outcome = run({ route: { field: 'kind', map: { refund: ['finance', 'logistics'] } } }, event({ kind: 'refund' }));
  assert.deepEqual(streams(outcome), ['acme.finance', 'acme.logistics']);
  if (outcome.kind !== 'accepted') return;
  assert.equal(new Set(outcome.events.map((e) => e.id)).size, 1, 'every copy has the same id');
  assert.equal(new Set(outcome.events.map((e) => e.data)).size, 1, 'every copy has the same data');
});

// ---- route by rules ----

const byRules = {
  route: {
    rules: [
      { pattern: { data: { destination_service_type: ['FINANCE'] } }, to: 'finance' },
      { pattern: { data: { total: [{ numeric: ['>', 1000] }] } }, to: ['audit'] },
      { pattern: { data: { destination_service_type: [{ 'equals-ignore-case': 'logistics' }] } }, to: 'logistics' },
    ],
  },
};

void test('rules route by pattern; every matching rule adds its types', () => {
  assert.deepEqual(streams(run(byRules, event({ destination_service_type: 'FINANCE', total: 5 }))), ['acme.finance']);
  assert.deepEqual(streams(run(byRules, event({ destination_service_type: 'Logistics' }))), ['acme.logistics']);
  assert.deepEqual(streams(run(byRules, event({ destination_service_type: 'FINANCE', total: 5000 }))).sort(), ['acme.audit', 'acme.finance']);
  assert.equal(rejection(run(byRules, event({ destination_service_type: 'HR', total: 5 }))).code, 'no_route');
});

void test('field routes and rules combine, and a type named twice is stored once', () => {
  const pipeline = {
    route: {
      field: 'destination_service_type',
      map: { FINANCE: 'finance' },
      rules: [
        { pattern: { data: { destination_service_type: ['FINANCE'] } }, to: ['finance', 'audit'] },
        { pattern: {}, to: 'finance' },
      ],
    },
  };
  assert.deepEqual(streams(run(pipeline, event({ destination_service_type: 'FINANCE' }))).sort(), ['acme.audit', 'acme.finance']);
  assert.deepEqual(streams(run(pipeline, event({ destination_service_type: 'HR' }))), ['acme.finance'], 'the catch-all rule still applies');
});

void test('rules see the attributes: type, source, subject and key', () => {
  const pipeline = {
    route: {
      rules: [
        { pattern: { subject: [{ prefix: 'eu/' }] }, to: 'marketing' },
        { pattern: { key: ['vip'] }, to: 'finance' },
        { pattern: { source: ['/warehouse'] }, to: 'logistics' },
        { pattern: { type: ['orders'], key: [null] }, to: 'audit' },
      ],
    },
  };
  assert.deepEqual(streams(run(pipeline, event({}, { subject: 'eu/berlin', key: 'k' }))), ['acme.marketing']);
  assert.deepEqual(streams(run(pipeline, event({}, { key: 'vip' }))), ['acme.finance']);
  assert.deepEqual(streams(run(pipeline, event({}, { source: '/warehouse', key: 'k' }))), ['acme.logistics']);
  assert.deepEqual(streams(run(pipeline, event({}))), ['acme.audit']);
});

// ---- default, keepOriginal, missing targets ----

void test('the default type takes events no route matched, and only those', () => {
  const pipeline = { route: { ...byDestination.route, default: 'unrouted' } };
  assert.deepEqual(streams(run(pipeline, event({ destination_service_type: 'HR' }))), ['acme.unrouted']);
  assert.deepEqual(streams(run(pipeline, event({}))), ['acme.unrouted']);
  assert.deepEqual(streams(run(pipeline, event({ destination_service_type: 'FINANCE' }))), ['acme.finance']);
  const several = { route: { ...byDestination.route, default: ['unrouted', 'audit'] } };
  assert.deepEqual(streams(run(several, event({ destination_service_type: 'HR' }))), ['acme.unrouted', 'acme.audit']);
});

void test('keepOriginal also stores the event in its own stream, first', () => {
  const pipeline = { route: { ...byDestination.route, keepOriginal: true } };
  assert.deepEqual(streams(run(pipeline, event({ destination_service_type: 'MARKETING' }))), ['acme.orders', 'acme.marketing']);
  const withDefault = { route: { ...pipeline.route, default: 'unrouted' } };
  assert.deepEqual(streams(run(withDefault, event({ destination_service_type: 'HR' }))), ['acme.orders', 'acme.unrouted']);
});

void test('keepOriginal does not save an event no route matched from no_route', () => {
  const rejected = rejection(run({ route: { ...byDestination.route, keepOriginal: true } }, event({ destination_service_type: 'HR' })));
  assert.equal(rejected.code, 'no_route');
});

void test('keepOriginal with a route back to the own type stores the event in its stream once', () => {
  const pipeline = { route: { field: 'kind', map: { a: ['orders', 'finance'] }, keepOriginal: true } };
  assert.deepEqual(streams(run(pipeline, event({ kind: 'a' }))), ['acme.orders', 'acme.finance']);
});

void test('nothing matched and no default: no_route at stage transform', () => {
  const rejected = rejection(run(byDestination, event({ destination_service_type: 'HR' })));
  assert.equal(rejected.code, 'no_route');
  assert.equal(rejected.stage, 'transform');
  assert.match(rejected.message, /"orders"/);
});

void test('a route to a type the tenant does not have (any more) is no_route, naming the type', () => {
  const types = { orders: 4, finance: 2 };
  const pipeline = { route: { field: 'd', map: { A: 'finance', B: 'gone', C: ['finance', 'gone'] } } };
  assert.deepEqual(streams(run(pipeline, event({ d: 'A' }), { types })), ['acme.finance']);
  for (const d of ['B', 'C']) {
    const rejected = rejection(run(pipeline, event({ d }), { types }));
    assert.equal(rejected.code, 'no_route');
    assert.equal(rejected.stage, 'transform');
    assert.match(rejected.message, /"gone"/);
    assert.deepEqual(rejected.details, [{ path: '/route', reason: 'register "gone"' }]);
  }
});

void test('a routed record is placed by the key it had before routing', () => {
  const outcome = run({ route: { field: 'd', map: { A: ['finance', 'logistics'] } } }, event({ d: 'A', user: 'u-9' }), { partitionKey: '/user' });
  assert.equal(outcome.kind, 'accepted');
  if (outcome.kind !== 'accepted') return;
  assert.deepEqual(
    outcome.events.map((e) => [e.stream, e.partitions, e.key]),
    [
      ['acme.finance', 2, 'u-9'],
      ['acme.logistics', 1, 'u-9'],
    ],
  );
});

void test("a routed record must match its target type's latest schema: schema_validation_failed at stage route, naming the target", () => {
  const needsAmount: Validator = (data) =>
    typeof data === 'object' && data !== null && 'amount' in data ? undefined : [{ path: '', reason: "must have required property 'amount'" }];
  const pipeline = { steps: [{ remove: ['amount'] }], route: { field: 'd', map: { A: 'finance', B: 'marketing', C: ['marketing', 'finance'] } } };
  const options = { schemas: { finance: needsAmount } };
  assert.deepEqual(streams(run(pipeline, event({ d: 'B', amount: 5 }), options)), ['acme.marketing'], 'a target without the requirement takes it');
  for (const d of ['A', 'C']) {
    const rejected = rejection(run(pipeline, event({ d, amount: 5 }), options));
    assert.deepEqual(rejected, {
      stage: 'route',
      code: 'schema_validation_failed',
      message: 'the record routed to event type "finance" does not match its schema version 3',
      details: [{ path: '', reason: "must have required property 'amount'" }],
    });
  }
  // The default and keepOriginal routes are checked the same way; the own stream is not.
  const rejected = rejection(run({ ...pipeline, route: { ...pipeline.route, default: 'finance', keepOriginal: true } }, event({ d: 'X', amount: 5 }), options));
  assert.equal(rejected.stage, 'route');
  const own = { steps: [{ remove: ['amount'] }], route: { field: 'd', map: { A: 'orders' } } };
  assert.deepEqual(streams(run(own, event({ d: 'A', amount: 5 }), { validate: needsAmount, schemas: { finance: needsAmount } })), ['acme.orders']);
});

void test('routed records are validated as transformed, once per target', () => {
  const seen: unknown[] = [];
  const counting: Validator = (data) => {
    seen.push(data);
    return undefined;
  };
  const pipeline = {
    steps: [{ rename: { a: 'b' } }],
    route: { field: 'd', map: { A: ['finance', 'audit'] }, rules: [{ pattern: { data: { d: ['A'] } }, to: 'finance' }] },
  };
  assert.deepEqual(streams(run(pipeline, event({ d: 'A', a: 1 }), { schemas: { finance: counting } })), ['acme.finance', 'acme.audit']);
  assert.deepEqual(seen, [{ d: 'A', b: 1 }]);
});

// ---- transform, then filter, then route ----

void test('a failing step dead-letters the event: transform_failed, stage transform, the field path', () => {
  const pipeline = {
    steps: [{ rename: { timestamp: 'created_at' } }, { convert: { created_at: { from: 'epoch-seconds', to: 'iso8601' } } }],
    ...byDestination,
  };
  const rejected = rejection(run(pipeline, event({ timestamp: 'yesterday', destination_service_type: 'FINANCE' })));
  assert.equal(rejected.code, 'transform_failed');
  assert.equal(rejected.stage, 'transform');
  assert.match(rejected.message, /^step 2 \(convert\) failed at \/created_at: /);
  assert.equal(rejected.details?.length, 1);
  assert.equal(rejected.details[0]!.path, '/created_at');
  assert.ok(!JSON.stringify(rejected).includes('yesterday'), 'the reason does not quote the value');

  const missing = rejection(run(pipeline, event({ destination_service_type: 'FINANCE' })));
  assert.equal(missing.code, 'transform_failed');
  assert.deepEqual(missing.details, [{ path: '/timestamp', reason: 'missing: there is no field /timestamp to rename to /created_at' }]);
});

void test('schema validation runs before the steps: a bad event is schema_validation_failed at stage ingest', () => {
  const requiresUser: Validator = (data) =>
    (data as { user_id?: unknown }).user_id === undefined ? [{ path: '/user_id', reason: 'required property is missing' }] : undefined;
  const rejected = rejection(run({ steps: [{ rename: { nothing: 'here' } }] }, event({}), { validate: requiresUser }));
  assert.equal(rejected.code, 'schema_validation_failed');
  assert.equal(rejected.stage, 'ingest');
});

void test('steps run before the filter and the route, which see the transformed data', () => {
  const pipeline = {
    steps: [{ rename: { dest: 'destination_service_type' } }, { set: { checked: true } }],
    filter: { data: { checked: [true] } },
    ...byDestination,
  };
  const outcome = run(pipeline, event({ dest: 'LOGISTICS' }));
  assert.deepEqual(streams(outcome), ['acme.logistics']);
  if (outcome.kind === 'accepted') assert.deepEqual(JSON.parse(outcome.events[0]!.data), { destination_service_type: 'LOGISTICS', checked: true });
});

void test('a filter that does not match drops the event as filtered, before any route', () => {
  const pipeline = { filter: { data: { country: ['NL', 'BE'] } }, ...byDestination };
  const outcome = runPipeline(event({ country: 'DE', destination_service_type: 'NOWHERE' }, { id: 'e-1' }), orders(pipeline), context());
  assert.deepEqual(outcome, { kind: 'filtered', id: 'e-1' });
  assert.deepEqual(streams(run(pipeline, event({ country: 'NL', destination_service_type: 'FINANCE' }))), ['acme.finance']);
});

void test('a filtered event without an id gets a generated one', () => {
  const outcome = run({ filter: { data: { keep: [true] } } }, event({ keep: false }));
  assert.deepEqual(outcome, { kind: 'filtered', id: 'generated-1' });
});

void test('a filter alone keeps matching events in the own stream', () => {
  assert.deepEqual(streams(run({ filter: { data: { total: [{ numeric: ['>=', 10] }] } } }, event({ total: 10 }))), ['acme.orders']);
  assert.equal(run({ filter: { data: { total: [{ numeric: ['>=', 10] }] } } }, event({ total: '50' })).kind, 'filtered');
});

void test('a filter can look at subject and key as well as data', () => {
  const bySubject = { filter: { subject: [{ prefix: 'eu/' }] } };
  assert.equal(run(bySubject, event({}, { subject: 'eu/paris' })).kind, 'accepted');
  assert.equal(run(bySubject, event({}, { subject: 'us/boston' })).kind, 'filtered');
  assert.equal(run(bySubject, event({})).kind, 'filtered', 'an absent subject matches no prefix');

  const byKey = { filter: { key: [{ 'anything-but': ['test-user'] }] } };
  assert.equal(run(byKey, event({}, { key: 'u-1' })).kind, 'accepted');
  assert.equal(run(byKey, event({}, { key: 'test-user' })).kind, 'filtered');
  assert.equal(run({ filter: { key: [null] } }, event({})).kind, 'accepted', 'no key is a null key');

  // The key may come from the type's partition key instead of the producer.
  assert.equal(run(byKey, event({ user: 'test-user' }), { partitionKey: '/user' }).kind, 'filtered');
  assert.equal(run(byKey, event({ user: 'u-2' }), { partitionKey: '/user' }).kind, 'accepted');
});

void test('a filter sees type, source and time too', () => {
  assert.equal(run({ filter: { type: ['orders'], source: [{ prefix: '/shop' }] } }, event({}, { source: '/shop/eu' })).kind, 'accepted');
  assert.equal(run({ filter: { source: [{ prefix: '/shop' }] } }, event({})).kind, 'filtered', 'the default source is /tenants/acme');
  assert.equal(run({ filter: { time: [{ prefix: '2026-01-31' }] } }, event({})).kind, 'accepted', 'the default time is the receive time');
});

void test('an empty pipeline leaves events as they are', () => {
  const outcome = run({}, event({ a: 1 }));
  assert.deepEqual(streams(outcome), ['acme.orders']);
  if (outcome.kind === 'accepted') assert.equal(outcome.events[0]!.data, '{"a":1}');
});

void test('the pipeline never changes the event it was given', () => {
  const data = { destination_service_type: 'FINANCE', timestamp: 1700000000, ip: '198.51.100.7' };
  const before = structuredClone(data);
  const pipeline = {
    steps: [{ rename: { timestamp: 'created_at' } }, { hash: ['ip'] }, { remove: ['destination_service_type'] }],
    route: { rules: [{ pattern: {}, to: 'finance' }] },
  };
  const outcome = run(pipeline, event(data));
  assert.deepEqual(data, before);
  assert.deepEqual(streams(outcome), ['acme.finance']);
  if (outcome.kind === 'accepted') {
    const stored = JSON.parse(outcome.events[0]!.data);
    assert.deepEqual(Object.keys(stored).sort(), ['created_at', 'ip']);
    assert.match(stored.ip, /^[0-9a-f]{64}$/);
  }
});

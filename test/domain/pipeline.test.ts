import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventInput } from '../../src/domain/event.ts';
import { compilePointer } from '../../src/domain/json-pointer.ts';
import type { CompiledType, PipelineContext, PipelineOutcome, SchemaVersion, Validator } from '../../src/domain/pipeline.ts';
import { runPipeline } from '../../src/domain/pipeline.ts';

/** Accepts objects whose `name` is a string; one detail per problem otherwise. */
const nameIsString: Validator = (data) => {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [{ path: '', reason: 'must be object' }];
  const name = (data as Record<string, unknown>).name;
  return typeof name === 'string' ? undefined : [{ path: '/name', reason: 'must be string' }];
};
const anything: Validator = () => undefined;

function compiledType(options: { partitionKey?: string; versions?: SchemaVersion[] } = {}): CompiledType {
  const versions = options.versions ?? [
    { version: 1, schemaId: 11, validate: anything },
    { version: 2, schemaId: 12, validate: nameIsString },
  ];
  return {
    tenant: 'acme',
    type: 'fruits',
    stream: 'acme.fruits',
    partitions: 4,
    partitionKey: options.partitionKey === undefined ? undefined : compilePointer(options.partitionKey),
    partitionKeyPointer: options.partitionKey,
    latest: versions.at(-1)!,
    version: (n) => versions.find((v) => v.version === n),
    pipeline: undefined,
    routeTarget: () => undefined,
  };
}

function context(): PipelineContext & { ids: number } {
  const ctx = { tenant: 'acme', receivedAt: '2026-01-31T12:00:00.000Z', ids: 0, newId: () => `generated-${++ctx.ids}` };
  return ctx;
}

function input(fields: Partial<EventInput> & { data: unknown }): EventInput {
  return { type: 'fruits', original: () => JSON.stringify(fields.data), ...fields };
}

function accepted(outcome: PipelineOutcome) {
  assert.equal(outcome.kind, 'accepted', outcome.kind === 'rejected' ? JSON.stringify(outcome.rejection) : '');
  if (outcome.kind !== 'accepted') throw new Error('unreachable');
  assert.equal(outcome.events.length, 1, 'without a route an event has one output, its own stream');
  return outcome.events[0]!;
}

function rejected(outcome: PipelineOutcome) {
  assert.equal(outcome.kind, 'rejected', 'expected a rejection');
  if (outcome.kind !== 'rejected') throw new Error('unreachable');
  assert.equal(outcome.rejection.stage, 'ingest');
  return outcome.rejection;
}

void test('an unknown type is rejected with unknown_type naming tenant and type', () => {
  const rejection = rejected(runPipeline(input({ type: 'vegetables', data: {} }), undefined, context()));
  assert.equal(rejection.code, 'unknown_type');
  assert.match(rejection.message, /"acme"/);
  assert.match(rejection.message, /"vegetables"/);
  assert.equal(rejection.details, undefined);
});

void test('an unknown schema version is rejected with unknown_version', () => {
  const rejection = rejected(runPipeline(input({ data: { name: 'kiwi' }, schemaVersion: 3 }), compiledType(), context()));
  assert.equal(rejection.code, 'unknown_version');
  assert.match(rejection.message, /version 3/);
});

void test('the latest version validates when none is named', () => {
  const rejection = rejected(runPipeline(input({ data: { name: 7 } }), compiledType(), context()));
  assert.equal(rejection.code, 'schema_validation_failed');
  assert.match(rejection.message, /version 2/);
  assert.deepEqual(rejection.details, [{ path: '/name', reason: 'must be string' }]);
});

void test('a named version validates and its schema id is recorded', () => {
  const event = accepted(runPipeline(input({ data: { name: 7 }, schemaVersion: 1 }), compiledType(), context()));
  assert.equal(event.attributes.schemaId, 11);
  const latest = accepted(runPipeline(input({ data: { name: 'kiwi' } }), compiledType(), context()));
  assert.equal(latest.attributes.schemaId, 12);
});

void test('an accepted event carries the defaults: generated id, tenant source, receive time', () => {
  const ctx = context();
  const event = accepted(runPipeline(input({ data: { name: 'kiwi' } }), compiledType(), ctx));
  assert.deepEqual(event, {
    id: 'generated-1',
    producerId: false,
    type: 'fruits',
    stream: 'acme.fruits',
    partitions: 4,
    key: null,
    attributes: { type: 'fruits', source: '/tenants/acme', time: '2026-01-31T12:00:00.000Z', schemaId: 12 },
    data: '{"name":"kiwi"}',
  });
  assert.equal(ctx.ids, 1);
});

void test('producer attributes win over the defaults, and a producer id is marked as such', () => {
  const ctx = context();
  const event = accepted(
    runPipeline(
      input({ data: { name: 'kiwi' }, id: 'evt-9', source: '/shop', time: '2025-12-24T18:00:00Z', subject: 'basket-1', key: 'user-1' }),
      compiledType({ partitionKey: '/name' }),
      ctx,
    ),
  );
  assert.equal(event.id, 'evt-9');
  assert.equal(event.producerId, true);
  assert.equal(event.key, 'user-1', 'an explicit key wins over the partition key pointer');
  assert.deepEqual(event.attributes, { type: 'fruits', source: '/shop', time: '2025-12-24T18:00:00Z', subject: 'basket-1', schemaId: 12 });
  assert.equal(ctx.ids, 0, 'no id is generated when the producer sent one');
});

void test('the type and stream come from the compiled type', () => {
  const event = accepted(runPipeline(input({ type: 'fruits', data: { name: 'x' } }), compiledType(), context()));
  assert.equal(event.type, 'fruits');
  assert.equal(event.stream, 'acme.fruits');
});

void test('the partition key pointer picks a string from the data', () => {
  const event = accepted(runPipeline(input({ data: { name: 'kiwi', user: { id: 'u-7' } } }), compiledType({ partitionKey: '/user/id' }), context()));
  assert.equal(event.key, 'u-7');
});

void test('a number at the partition key pointer becomes its decimal text', () => {
  for (const [value, key] of [
    [42, '42'],
    [0, '0'],
    [-3.5, '-3.5'],
  ] as const) {
    const event = accepted(runPipeline(input({ data: { name: 'n', user: value } }), compiledType({ partitionKey: '/user' }), context()));
    assert.equal(event.key, key);
  }
});

void test('a missing partition key is rejected with invalid_key and the pointer as path', () => {
  const rejection = rejected(runPipeline(input({ data: { name: 'kiwi' } }), compiledType({ partitionKey: '/user/id' }), context()));
  assert.equal(rejection.code, 'invalid_key');
  assert.match(rejection.message, /\/user\/id/);
  assert.deepEqual(rejection.details, [{ path: '/user/id', reason: 'missing' }]);
});

void test('a null, boolean, object or array partition key is rejected, saying what it is', () => {
  for (const [value, reason] of [
    [null, 'is null'],
    [true, 'is boolean'],
    [{ a: 1 }, 'is object'],
    [[1], 'is object'],
  ] as const) {
    const rejection = rejected(runPipeline(input({ data: { name: 'n', user: value } }), compiledType({ partitionKey: '/user' }), context()));
    assert.equal(rejection.code, 'invalid_key');
    assert.deepEqual(rejection.details, [{ path: '/user', reason }]);
  }
});

void test('a partition key longer than 1024 characters is rejected; 1024 is accepted', () => {
  const ok = accepted(runPipeline(input({ data: { name: 'n', user: 'u'.repeat(1024) } }), compiledType({ partitionKey: '/user' }), context()));
  assert.equal(ok.key, 'u'.repeat(1024));
  const rejection = rejected(runPipeline(input({ data: { name: 'n', user: 'u'.repeat(1025) } }), compiledType({ partitionKey: '/user' }), context()));
  assert.equal(rejection.code, 'invalid_key');
  assert.deepEqual(rejection.details, [{ path: '/user', reason: 'is 1025 characters long' }]);
});

void test('validation runs before the partition key is looked at', () => {
  const rejection = rejected(runPipeline(input({ data: { user: null } }), compiledType({ partitionKey: '/user' }), context()));
  assert.equal(rejection.code, 'schema_validation_failed');
});

void test('data is stored as JSON text exactly as sent, null included', () => {
  const versions = [{ version: 1, schemaId: 1, validate: anything }];
  for (const data of [null, 0, 'text', [1, { b: 2, a: 1 }], { z: 1, a: [true] }]) {
    const event = accepted(runPipeline(input({ data }), compiledType({ versions }), context()));
    assert.equal(event.data, JSON.stringify(data));
  }
});

void test('the pipeline leaves its input untouched', () => {
  const data = { name: 'kiwi', user: { id: 'u' } };
  const event = input({ data, id: 'e' });
  const before = structuredClone({ ...event, original: undefined });
  runPipeline(event, compiledType({ partitionKey: '/user/id' }), context());
  assert.deepEqual({ ...event, original: undefined }, before);
});

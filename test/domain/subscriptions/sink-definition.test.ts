import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SluiceError } from '../../../src/domain/errors.ts';
import { parseSubscriptionDefinition } from '../../../src/domain/subscriptions/definition.ts';
import { cloudEventHeaders, errorShaped, sinkKeyReader } from '../../../src/domain/subscriptions/sink-values.ts';
import type { StoredRecord } from '../../../src/domain/event.ts';

function problems(definition: unknown): { path: string; reason: string }[] {
  try {
    parseSubscriptionDefinition(definition);
  } catch (error) {
    assert.ok(error instanceof SluiceError);
    assert.equal(error.code, 'invalid_subscription');
    return error.details ?? [];
  }
  assert.fail('expected invalid_subscription');
}

void test('a Kafka sink: defaults, batches of 500, no secret', () => {
  const parsed = parseSubscriptionDefinition({ types: ['orders'], destination: { kind: 'kafka', topic: 'processor.to.finance' } });
  assert.deepEqual(parsed.destination, { kind: 'kafka', topic: 'processor.to.finance', format: 'json', headers: 'none', errorShape: 'envelope' });
  assert.equal(parsed.delivery.batchSize, 500);
  assert.equal(parsed.secret, undefined);
});

void test('a Kafka sink with every option', () => {
  const parsed = parseSubscriptionDefinition({
    types: ['orders'],
    destination: {
      kind: 'kafka',
      topic: 'out',
      format: 'avro',
      key: '/customer',
      headers: 'cloudevents',
      brokers: ['kafka-1.internal:9092', '[::1]:9093'],
      schemaType: 'order-out',
      errorShape: 'inline',
    },
    delivery: { batchSize: 100 },
  });
  assert.deepEqual(parsed.destination, {
    kind: 'kafka',
    topic: 'out',
    format: 'avro',
    key: '/customer',
    headers: 'cloudevents',
    brokers: ['kafka-1.internal:9092', '[::1]:9093'],
    schemaType: 'order-out',
    errorShape: 'inline',
  });
  assert.equal(parsed.delivery.batchSize, 100);
});

void test('a Kafka sink names every bad field', () => {
  const found = problems({
    types: ['orders'],
    destination: {
      kind: 'kafka',
      topic: 'bad topic',
      format: 'xml',
      key: 'customer',
      headers: 'yes',
      brokers: ['nohost'],
      schemaType: 'x',
      errorShape: 'flat',
      partitions: 3,
    },
  });
  const paths = found.map((p) => p.path).sort();
  assert.deepEqual(
    paths,
    [
      '/destination/brokers/0',
      '/destination/errorShape',
      '/destination/format',
      '/destination/headers',
      '/destination/key',
      '/destination/partitions',
      '/destination/schemaType',
      '/destination/topic',
    ].sort(),
  );
  assert.deepEqual(
    problems({ types: ['orders'], secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', destination: { kind: 'kafka', topic: 'out' } }).map((p) => p.path),
    ['/secret'],
  );
});

void test('a file sink: defaults and bounds; paths cannot leave the archive', () => {
  const parsed = parseSubscriptionDefinition({
    types: ['orders'],
    destination: { kind: 'file', dir: 'archive/orders', format: 'ndjson.gz', rotate: { bytes: 4096, seconds: '1m' } },
  });
  assert.deepEqual(parsed.destination, {
    kind: 'file',
    dir: 'archive/orders',
    format: 'ndjson.gz',
    content: 'cloudevents',
    rotate: { bytes: 4096, seconds: 60 },
    errorShape: 'envelope',
  });
  for (const dir of ['../etc', '/tmp/x', 'a/../b', 'a//b', '', '.hidden']) {
    assert.deepEqual(
      problems({ types: ['orders'], destination: { kind: 'file', dir } }).map((p) => p.path),
      ['/destination/dir'],
      dir,
    );
  }
  assert.deepEqual(
    problems({ types: ['orders'], destination: { kind: 'file', dir: 'a', rotate: { bytes: 1, seconds: 0.5 } } })
      .map((p) => p.path)
      .sort(),
    ['/destination/rotate/bytes', '/destination/rotate/seconds'],
  );
  assert.deepEqual(
    problems({ types: ['orders'], destination: { kind: 'ftp' } }).map((p) => p.path),
    ['/destination/kind'],
  );
});

const record: StoredRecord = {
  stream: 'acme._dead',
  partition: 0,
  offset: 7,
  id: 'e1',
  key: 'user-login',
  timestamp: 0,
  attributes: { type: 'user-login', source: 'sluice/ingest', time: '2026-01-01T00:00:00.000Z' },
  value: JSON.stringify({
    stage: 'ingest',
    code: 'schema_validation_failed',
    message: 'missing user',
    details: [{ path: '/user', reason: 'required' }],
    id: 'e1',
    type: 'user-login',
    original: JSON.stringify({ type: 'user-login', data: { ip: '10.0.0.1' } }),
    receivedAt: '2026-01-01T00:00:00.000Z',
  }),
};

void test('dead letters in both error shapes; the original is the data of an envelope', () => {
  assert.deepEqual(JSON.parse(errorShaped(record.value, 'envelope')), {
    error: { code: 'schema_validation_failed', message: 'missing user', stage: 'ingest', type: 'user-login', details: [{ path: '/user', reason: 'required' }] },
    original: { ip: '10.0.0.1' },
  });
  assert.deepEqual(JSON.parse(errorShaped(record.value, 'inline')), {
    ip: '10.0.0.1',
    error: { code: 'schema_validation_failed', message: 'missing user', stage: 'ingest', type: 'user-login', details: [{ path: '/user', reason: 'required' }] },
  });
  const notJson = JSON.stringify({ ...JSON.parse(record.value), original: 'not json{' });
  assert.equal(JSON.parse(errorShaped(notJson, 'inline')).original, 'not json{');
});

void test('keys: passed through, or read from the data; CloudEvents binding headers', () => {
  const data = { customer: 42, name: 'x' };
  assert.equal(
    sinkKeyReader(undefined)(record, () => data),
    'user-login',
  );
  assert.equal(
    sinkKeyReader('/customer')(record, () => data),
    '42',
  );
  assert.equal(
    sinkKeyReader('/name')(record, () => data),
    'x',
  );
  assert.equal(
    sinkKeyReader('/missing')(record, () => data),
    null,
  );
  const headers = cloudEventHeaders(record, 'application/json');
  assert.equal(headers.ce_id, 'e1');
  assert.equal(headers.ce_type, 'user-login');
  assert.equal(headers.ce_specversion, '1.0');
  assert.equal(headers['content-type'], 'application/json');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRecordsBatch, crc32c, readRecordsBatch, Reader, type MessageRecord } from '@platformatic/kafka';
import { toProduceColumns, transferList, valueStart } from '../../../src/adapters/kafka/produce-columns.ts';
import { encodeRecordBatch } from '../../../src/adapters/kafka/record-batch.ts';
import type { AppendRecord } from '../../../src/ports/event-log.ts';

const identity = { producerId: 4321n, producerEpoch: 3 };

function record(i: number, overrides: Partial<AppendRecord> = {}): AppendRecord {
  return {
    stream: 'acme.orders',
    partition: 2,
    id: `order-${i}`,
    unique: false,
    key: `customer-${i % 3}`,
    timestamp: 1_767_225_600_000 + i * 7,
    attributes: { type: 'orders', source: '/tenants/acme', time: '2026-01-01T00:00:00.000Z' },
    value: JSON.stringify({ n: i, text: 'ünïcödé ✓' }),
    ...overrides,
  };
}

/** The messages the CloudEvents Kafka binding asks for (docs/internals/kafka.md), built by hand. */
function expectedMessage(r: AppendRecord): MessageRecord {
  const headers = new Map<Buffer, Buffer>();
  const add = (name: string, value: string): void => void headers.set(Buffer.from(name), Buffer.from(value));
  add('ce_specversion', '1.0');
  add('ce_id', r.id);
  add('ce_type', r.attributes.type);
  add('ce_source', r.attributes.source);
  add('ce_time', r.attributes.time);
  if (r.attributes.subject !== undefined) add('ce_subject', r.attributes.subject);
  add('content-type', 'application/json');
  if (r.attributes.schemaId !== undefined) add('sluice_schemaid', String(r.attributes.schemaId));
  add('sluice_receivedat', String(r.timestamp));
  if (r.unique) add('sluice_unique', '1');
  const message: MessageRecord = { topic: r.stream, partition: r.partition, value: Buffer.from(r.value), timestamp: BigInt(r.timestamp), headers };
  if (r.key !== null) message.key = Buffer.from(r.key);
  return message;
}

/** The record batch the client library writes for the same records, from sequence `baseSequence`. */
function clientLibraryBatch(records: readonly AppendRecord[], baseSequence: number): Buffer {
  return createRecordsBatch(records.map(expectedMessage), {
    producerId: identity.producerId,
    producerEpoch: identity.producerEpoch,
    partitionLeaderEpoch: -1,
    sequences: { getWithDefault: () => baseSequence },
  } as unknown as Parameters<typeof createRecordsBatch>[1]).buffer;
}

const mixed = [
  record(0, { attributes: { type: 'orders', source: '/tenants/acme', time: '2026-01-01T00:00:00.000Z', subject: 'sub/ject', schemaId: 17 } }),
  record(1, { unique: true }),
  record(2, { key: null }),
  record(3, { timestamp: 1_767_225_600_000 - 5_000 }), // older than the first: a negative delta
  record(4, { value: 'x'.repeat(300), id: 'ä'.repeat(70) }), // lengths past one varint byte
];

void test('a record batch is byte for byte the one the client library writes for the same messages', () => {
  const columns = toProduceColumns(mixed, (stream) => stream);
  const ours = encodeRecordBatch(columns, [0, 1, 2, 3, 4], identity, 41);
  const theirs = clientLibraryBatch(mixed, 41);
  assert.equal(ours.toString('hex'), theirs.toString('hex'));
});

void test('a record batch reads back with its producer, sequence, timestamps, keys, values and headers, and its CRC holds', () => {
  const columns = toProduceColumns(mixed, (stream) => stream);
  const batch = readRecordsBatch(Reader.from(encodeRecordBatch(columns, [4, 1, 0], identity, 2 ** 31 - 2)));
  assert.equal(batch.magic, 2);
  assert.equal(batch.producerId, identity.producerId);
  assert.equal(batch.producerEpoch, identity.producerEpoch);
  assert.equal(batch.firstSequence, 2 ** 31 - 2);
  assert.equal(batch.lastOffsetDelta, 2);
  assert.equal(batch.firstTimestamp, BigInt(mixed[4]!.timestamp));
  assert.equal(batch.maxTimestamp, BigInt(mixed[4]!.timestamp));
  assert.deepEqual(
    batch.records.map((r) => [r.offsetDelta, r.key?.toString(), r.value?.toString(), Number(batch.firstTimestamp + r.timestampDelta)]),
    [4, 1, 0].map((i, n) => [n, mixed[i]!.key ?? undefined, mixed[i]!.value, mixed[i]!.timestamp]),
  );
  const headersOf = (n: number): Record<string, string> => Object.fromEntries(batch.records[n]!.headers.map(([k, v]) => [k?.toString(), v?.toString()]));
  assert.equal(headersOf(0).ce_id, 'ä'.repeat(70));
  assert.equal(headersOf(1).sluice_unique, '1');
  assert.equal(headersOf(2).ce_subject, 'sub/ject');
  assert.equal(headersOf(2).sluice_schemaid, '17');
  const bytes = encodeRecordBatch(columns, [4, 1, 0], identity, 0);
  assert.equal(bytes.readUInt32BE(17), crc32c(bytes.subarray(21)));
});

void test('a unique record carries where its writer checked the partition up to (sluice_checkedto), and only a unique one', () => {
  const checkedTo = new Float64Array([Number.NaN, 1_234_567, 99]);
  const columns = toProduceColumns([mixed[0]!, mixed[1]!, mixed[2]!], (stream) => stream, checkedTo);
  const batch = readRecordsBatch(Reader.from(encodeRecordBatch(columns, [0, 1, 2], identity, 0)));
  const headers = batch.records.map((r) => Object.fromEntries(r.headers.map(([k, v]) => [k?.toString(), v?.toString()])));
  assert.equal(headers[1]!.sluice_unique, '1');
  assert.equal(headers[1]!.sluice_checkedto, '1234567');
  assert.equal(headers[0]!.sluice_checkedto, undefined);
  assert.equal(headers[2]!.sluice_checkedto, undefined, 'not unique');
});

void test('an empty record batch is refused', () => {
  assert.throws(
    () =>
      encodeRecordBatch(
        toProduceColumns(mixed, (s) => s),
        [],
        identity,
        0,
      ),
    /at least one record/,
  );
});

void test('values travel as UTF-8 in one buffer of their own, grown where text is wider than it is long', () => {
  const values = ['', 'plain', '€'.repeat(400), '😀'.repeat(300), 'é', 'x'.repeat(1000), '\u{10FFFF}\u00e9a'];
  const records = values.map((value, i) => record(i, { value }));
  const columns = toProduceColumns(records, (stream) => stream);
  assert.deepEqual(
    values.map((_, i) => Buffer.from(columns.values.subarray(valueStart(columns, i), columns.valueEnds[i])).toString('utf8')),
    values,
  );
  // Handed over to another thread, the buffer moves: the copy reads the same, the original is emptied.
  const moved = structuredClone(columns, { transfer: transferList(columns) });
  assert.equal(columns.values.byteLength, 0);
  assert.deepEqual(
    values.map((_, i) => Buffer.from(moved.values.subarray(valueStart(moved, i), moved.valueEnds[i])).toString('utf8')),
    values,
  );
  const theirs = clientLibraryBatch(records, 0);
  assert.equal(encodeRecordBatch(moved, [0, 1, 2, 3, 4, 5, 6], identity, 0).toString('hex'), theirs.toString('hex'));
});

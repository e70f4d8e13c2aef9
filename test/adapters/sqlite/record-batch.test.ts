import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromColumns, toColumns } from '../../../src/adapters/sqlite/columns.ts';
import { BatchBuilder, DecodedBatch, type BatchRecord } from '../../../src/adapters/sqlite/record-batch.ts';
import type { AppendRecord } from '../../../src/ports/event-log.ts';

const records: BatchRecord[] = [
  { id: 'a', key: null, timestamp: 10, attrs: '{"type":"t"}', value: '{"x":1}' },
  { id: 'ü🚀', key: 'k\u0000ey', timestamp: 10, attrs: '{}', value: '"ümlaut ✓"' },
  { id: '', key: '', timestamp: 12.5, attrs: '{"a":"b"}', value: 'null' },
];

void test('a batch decodes to the records it was built from, in order', () => {
  const builder = new BatchBuilder();
  for (const record of records) builder.add(record);
  const encoded = builder.encode();
  assert.equal(encoded.count, 3);
  assert.equal(encoded.lastTimestamp, 12.5);
  assert.equal(
    encoded.size,
    records.reduce((sum, r) => sum + r.attrs.length + r.value.length, 0),
  );
  // A BLOB read from the file may start at any byte: decode from an unaligned copy.
  const unaligned = new Uint8Array(encoded.layout.byteLength + 1).subarray(1);
  unaligned.set(encoded.layout);
  const decoded = new DecodedBatch(unaligned, encoded.data);
  assert.equal(decoded.count, 3);
  assert.deepEqual(
    Array.from({ length: 3 }, (_, i) => decoded.record(i)),
    records,
  );
  assert.deepEqual([decoded.id(1), decoded.size(2), decoded.timestamp(2)], ['ü🚀', 13, 12.5]);
  assert.deepEqual([decoded.firstAtOrAfter(0), decoded.firstAtOrAfter(11), decoded.firstAtOrAfter(13)], [0, 2, 3]);
});

void test('a batch whose text does not match its layout is refused, not misread', () => {
  const builder = new BatchBuilder();
  builder.add(records[0]!);
  const encoded = builder.encode();
  assert.throws(() => new DecodedBatch(encoded.layout, encoded.data + 'x'), /holds 21 characters where its layout says 20/);
  assert.throws(() => new DecodedBatch(encoded.layout.subarray(1), encoded.data), /layout of 23 bytes/);
});

void test('appends packed for the store thread come back as they were, attributes written once per run of equal ones', () => {
  const base = { stream: 's', partition: 0, unique: false, key: null, timestamp: 1, value: '1' };
  const records: AppendRecord[] = [
    { ...base, id: 'a', attributes: { type: 't', source: '/s', time: 'x', schemaId: 1 } },
    { ...base, id: 'b', attributes: { type: 't', source: '/s', time: 'x', schemaId: 1 } },
    { ...base, id: 'c', attributes: { type: 't', source: '/s', time: 'x', schemaId: 1, subject: 'k' } },
    { ...base, id: 'd', attributes: { type: 't', source: '/s', time: 'x', schemaId: 1, extra: 1 } as never },
    { ...base, id: 'e', attributes: { type: 't', source: '/s', time: 'x', schemaId: 1, other: 2 } as never },
    { ...base, id: 'f', key: 'ü', attributes: { type: 't', source: '/s', time: 'y' }, dedupKey: 'src\u0000f' },
  ];
  const back = fromColumns(toColumns(records));
  assert.deepEqual(
    back.map((r) => [r.id, r.key, JSON.parse(r.attrs), r.dedupKey]),
    records.map((r) => [r.id, r.key, r.attributes, r.dedupKey ?? r.id]),
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordsOf, toColumns } from '../../src/ports/append-columns.ts';
import type { AppendRecord } from '../../src/ports/event-log.ts';
import { deadLetterRecord, type PreparedIngest } from '../../src/services/ingest.ts';
import { packPrepared, unpackPlan } from '../../src/services/packed-ingest.ts';

function record(stream: string, id: string, key: string | null, value: unknown, extra: Partial<AppendRecord> = {}): AppendRecord {
  return {
    stream,
    partition: key === null ? 0 : 2,
    id,
    unique: false,
    key,
    timestamp: 1_780_000_000_000,
    attributes: { type: stream.split('.')[1]!, source: '/tenants/acme', time: '2026-06-01T00:00:00.000Z', schemaId: 3 },
    value: JSON.stringify(value),
    ...extra,
  };
}

// Accepted (one routed to two streams), filtered and rejected items, with keys wider than
// ASCII, so every offset into the packed text is exercised.
const prepared: PreparedIngest = {
  tenant: 'acme',
  deadStream: 'acme._dead',
  deadLetters: 1,
  records: [
    record('acme.orders', 'id-ü-1', 'kunde-ß', { n: 1 }),
    record('acme.orders', 'id-2', null, { n: 2, note: '€ and 🎉' }, { unique: true, dedupKey: '/shop\u0000id-2' }),
    record('acme.audit', 'id-2', null, { n: 2, note: '€ and 🎉' }),
    deadLetterRecord(
      'acme._dead',
      { stage: 'ingest', code: 'schema_validation_failed', message: 'no', id: 'id-4', type: 'orders', original: '{}', receivedAt: '2026-06-01T00:00:00.000Z' },
      1_780_000_000_000,
    ),
  ],
  plan: [
    { kind: 'accepted', id: 'id-ü-1', type: 'orders', streams: ['acme.orders'], first: 0 },
    { kind: 'accepted', id: 'id-2', type: 'orders', streams: ['acme.orders', 'acme.audit'], first: 1 },
    { kind: 'filtered', id: 'id-3', type: 'orders' },
    {
      kind: 'rejected',
      index: 3,
      id: 'id-4',
      type: 'refunds',
      rejection: { stage: 'ingest', code: 'schema_validation_failed', message: 'no', details: [{ path: '/n', reason: 'missing' }] },
      record: 3,
    },
  ],
};

void test('a packed request unpacks to the same plan, and its records to the same columns', () => {
  const packed = packPrepared(prepared);
  assert.deepEqual(unpackPlan(packed), prepared.plan);
  assert.deepEqual(packed.columns, toColumns(prepared.records));
  assert.deepEqual(packed.types, ['orders', 'refunds']);
});

void test('records unpacked from their columns are the records packed, for a log that takes records', () => {
  assert.deepEqual(recordsOf(toColumns(prepared.records)), prepared.records);
  assert.deepEqual(recordsOf(toColumns([])), []);
});

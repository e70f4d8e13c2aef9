/**
 * Kafka record batches (magic 2) written straight from a writer round's columns into one
 * buffer per partition.
 *
 * The client builds every record from many small buffers (each varint, key, value and header
 * is a buffer of its own, joined twice before the request is written), which costs about
 * 10 µs a record with the CloudEvents headers: as much as HTTP and validation together. Here
 * each record is measured once and written once, into a buffer sized for the whole batch.
 *
 * Layout (Kafka protocol, "Record Batch"): baseOffset int64, batchLength int32,
 * partitionLeaderEpoch int32, magic int8, crc uint32 (CRC-32C of everything after it),
 * attributes int16, lastOffsetDelta int32, baseTimestamp int64, maxTimestamp int64,
 * producerId int64, producerEpoch int16, baseSequence int32, record count int32, then the
 * records: length, attributes, timestamp delta, offset delta, key, value and headers, with
 * zig-zag varints for every length and delta.
 */
import { crc32c } from '@platformatic/kafka';
import { valueStart, type ProduceColumns } from './produce-columns.ts';

export interface ProducerIdentity {
  producerId: bigint;
  producerEpoch: number;
}

/** Bytes before the first record. */
const BATCH_HEADER_BYTES = 61;
/** Where the CRC starts counting: the attributes, right after the CRC itself. */
const CRC_FROM = 21;

/** Header names as bytes, made once: every record carries most of them (docs/internals/kafka.md). */
const names = {
  specversion: Buffer.from('ce_specversion'),
  id: Buffer.from('ce_id'),
  type: Buffer.from('ce_type'),
  source: Buffer.from('ce_source'),
  time: Buffer.from('ce_time'),
  subject: Buffer.from('ce_subject'),
  contentType: Buffer.from('content-type'),
  schemaId: Buffer.from('sluice_schemaid'),
  receivedAt: Buffer.from('sluice_receivedat'),
  unique: Buffer.from('sluice_unique'),
  checkedTo: Buffer.from('sluice_checkedto'),
};
const specversion = '1.0';
const applicationJson = 'application/json';

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** Bytes of the unsigned varint of a non-negative integer below 2^53. */
function varintBytes(value: number): number {
  let bytes = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    bytes++;
  }
  return bytes;
}

function writeVarint(buffer: Buffer, value: number, at: number): number {
  while (value >= 0x80) {
    buffer[at++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  buffer[at++] = value;
  return at;
}

/** A key, a value, a header name or value: its zig-zag varint length and its bytes. */
function fieldBytes(length: number): number {
  return varintBytes(zigzag(length)) + Math.max(length, 0);
}

/**
 * The headers of record `i`, in the order they are written (the CloudEvents Kafka binding and
 * Sluice's own, docs/internals/kafka.md); answers how many there are. Both passes of the encoder read
 * them from here, so the size measured is the size written.
 */
function visitHeaders(columns: ProduceColumns, i: number, visit: (name: Buffer, value: string) => void): number {
  let count = 7;
  visit(names.specversion, specversion);
  visit(names.id, columns.id[i]!);
  visit(names.type, columns.type[i]!);
  visit(names.source, columns.source[i]!);
  visit(names.time, columns.time[i]!);
  const subject = columns.subject[i];
  if (subject !== null && subject !== undefined) {
    visit(names.subject, subject);
    count++;
  }
  visit(names.contentType, applicationJson);
  const schemaId = columns.schemaId[i]!;
  if (!Number.isNaN(schemaId)) {
    visit(names.schemaId, String(schemaId));
    count++;
  }
  visit(names.receivedAt, String(columns.timestamp[i]!));
  if (columns.unique[i] === 1) {
    // '1': the id identifies the record; otherwise the header holds what does (never '1').
    visit(names.unique, columns.dedupKey[i] ?? '1');
    count++;
    const checkedTo = columns.checkedTo[i]!;
    if (!Number.isNaN(checkedTo)) {
      visit(names.checkedTo, String(checkedTo));
      count++;
    }
  }
  return count;
}

/**
 * One record batch of the round's records `indexes` (all of one topic and partition), in that
 * order, as the idempotent producer `identity` sends it from `baseSequence`.
 *
 * @example
 * const batch = encodeRecordBatch(columns, [0, 3, 4], { producerId: 7n, producerEpoch: 0 }, 12);
 */
export function encodeRecordBatch(columns: ProduceColumns, indexes: readonly number[], identity: ProducerIdentity, baseSequence: number): Buffer {
  const count = indexes.length;
  if (count === 0) throw new Error('a record batch needs at least one record');
  const baseTimestamp = columns.timestamp[indexes[0]!]!;
  let maxTimestamp = baseTimestamp;
  // First pass: every record's size, so the batch is one allocation and lengths precede bytes.
  const sizes = new Int32Array(count);
  const headerCounts = new Uint8Array(count);
  const keyLengths = new Int32Array(count);
  const valueLengths = new Int32Array(count);
  let size = 0;
  const measure = (name: Buffer, value: string): void => void (size += fieldBytes(name.length) + fieldBytes(Buffer.byteLength(value)));
  let total = BATCH_HEADER_BYTES;
  for (let n = 0; n < count; n++) {
    const i = indexes[n]!;
    const timestamp = columns.timestamp[i]!;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const key = columns.key[i];
    size = 1 + varintBytes(zigzag(timestamp - baseTimestamp)) + varintBytes(zigzag(n));
    keyLengths[n] = key === null || key === undefined ? -1 : Buffer.byteLength(key);
    valueLengths[n] = columns.valueEnds[i]! - valueStart(columns, i);
    size += fieldBytes(keyLengths[n]!) + fieldBytes(valueLengths[n]!);
    const headers = visitHeaders(columns, i, measure);
    size += varintBytes(zigzag(headers));
    sizes[n] = size;
    headerCounts[n] = headers;
    total += varintBytes(zigzag(size)) + size;
  }

  const batch = Buffer.allocUnsafe(total);
  batch.writeBigInt64BE(0n, 0);
  batch.writeInt32BE(total - 12, 8);
  batch.writeInt32BE(-1, 12); // partition leader epoch: the broker sets it
  batch.writeInt8(2, 16);
  batch.writeInt16BE(0, 21); // no compression, create time, not transactional
  batch.writeInt32BE(count - 1, 23);
  batch.writeBigInt64BE(BigInt(baseTimestamp), 27);
  batch.writeBigInt64BE(BigInt(maxTimestamp), 35);
  batch.writeBigInt64BE(identity.producerId, 43);
  batch.writeInt16BE(identity.producerEpoch, 51);
  batch.writeInt32BE(baseSequence, 53);
  batch.writeInt32BE(count, 57);

  const { values } = columns;
  let at = BATCH_HEADER_BYTES;
  const text = (value: string, length = Buffer.byteLength(value)): void => {
    at = writeVarint(batch, zigzag(length), at);
    at += batch.write(value, at);
  };
  const header = (name: Buffer, value: string): void => {
    at = writeVarint(batch, zigzag(name.length), at);
    at += name.copy(batch, at);
    text(value);
  };
  for (let n = 0; n < count; n++) {
    const i = indexes[n]!;
    at = writeVarint(batch, zigzag(sizes[n]!), at);
    batch[at++] = 0; // record attributes: none are defined
    at = writeVarint(batch, zigzag(columns.timestamp[i]! - baseTimestamp), at);
    at = writeVarint(batch, zigzag(n), at);
    const key = columns.key[i];
    if (key === null || key === undefined) at = writeVarint(batch, zigzag(-1), at);
    else text(key, keyLengths[n]);
    at = writeVarint(batch, zigzag(valueLengths[n]!), at);
    batch.set(values.subarray(valueStart(columns, i), columns.valueEnds[i]), at);
    at += valueLengths[n]!;
    at = writeVarint(batch, zigzag(headerCounts[n]!), at);
    visitHeaders(columns, i, header);
  }
  if (at !== total) throw new Error(`record batch size mismatch: wrote ${at} of ${total} bytes`);
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_FROM)), 17);
  return batch;
}

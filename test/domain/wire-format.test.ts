import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SluiceError } from '../../src/domain/errors.ts';
import { decodeFrame, encodeFrame, encodeMessageIndexes, maxMessageIndexes, splitMessageIndexes } from '../../src/domain/wire-format.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytes = (text: string): Buffer => Buffer.from(text.replaceAll(' ', ''), 'hex');

function assertWireError(run: () => unknown, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof SluiceError, `expected a SluiceError, got ${String(error)}`);
    assert.equal(error.code, 'invalid_wire_format');
    assert.equal(error.status, 400);
    assert.match(error.message, message);
    return true;
  });
}

// Header vectors cross-checked against @kafkajs/confluent-schema-registry's wireEncoder
// (encode(id, <de ad>)), installed outside the repository for the check.
void test('the header is the magic byte 0 and the schema id as 4 big-endian bytes', () => {
  const payload = bytes('dead');
  assert.equal(hex(encodeFrame(1, undefined, payload)), '0000000001dead');
  assert.equal(hex(encodeFrame(258, undefined, payload)), '0000000102dead');
  assert.equal(hex(encodeFrame(0x01020304, undefined, payload)), '0001020304dead');
  assert.equal(hex(encodeFrame(2147483647, undefined, payload)), '007fffffffdead');
  assert.equal(hex(encodeFrame(0xffffffff, undefined, payload)), '00ffffffffdead');
});

void test('an Avro record from avsc keeps its bytes after the header', () => {
  // avsc: {user_id: "ab", n: 3} for record {user_id: string, n: long} is 04 61 62 06.
  const frame = encodeFrame(42, undefined, bytes('04616206'));
  assert.equal(hex(frame), '000000002a04616206');
  const decoded = decodeFrame(frame);
  assert.equal(decoded.schemaId, 42);
  assert.equal(decoded.messageIndexes, undefined);
  assert.equal(hex(decoded.payload), '04616206');
});

// Protobuf message indexes, from Confluent's wire-format documentation: a zig-zag varint
// count, then each index as a zig-zag varint; [0] is written as the single byte 0.
void test('message indexes are zig-zag varints, with [0] as the single byte 0', () => {
  assert.deepEqual(encodeMessageIndexes([0]), [0x00]);
  assert.deepEqual(encodeMessageIndexes([1]), [0x02, 0x02]);
  assert.deepEqual(encodeMessageIndexes([0, 2]), [0x04, 0x00, 0x04]);
  assert.deepEqual(encodeMessageIndexes([3, 0, 1]), [0x06, 0x06, 0x00, 0x02]);
  // 64 zig-zags to 128, which takes two varint bytes: 0x80 0x01.
  assert.deepEqual(encodeMessageIndexes([64]), [0x02, 0x80, 0x01]);
  // The largest index, 2^31 - 1, zig-zags to 2^32 - 2: five varint bytes.
  assert.deepEqual(encodeMessageIndexes([2147483647]), [0x02, 0xfe, 0xff, 0xff, 0xff, 0x0f]);
});

void test('a Protobuf frame puts the message indexes between the schema id and the payload', () => {
  assert.equal(hex(encodeFrame(7, [0], bytes('0a0178'))), '0000000007000a0178');
  assert.equal(hex(encodeFrame(7, [1, 0], bytes('0a0178'))), '0000000007' + '040200' + '0a0178');
  const decoded = decodeFrame(bytes('00 00000007 04 02 00 0a0178'), { messageIndexes: true });
  assert.deepEqual(decoded, { schemaId: 7, messageIndexes: [1, 0], payload: decoded.payload });
  assert.equal(hex(decoded.payload), '0a0178');
});

void test('the single byte 0 decodes as message indexes [0]', () => {
  const decoded = decodeFrame(bytes('0000000007000a0178'), { messageIndexes: true });
  assert.deepEqual(decoded.messageIndexes, [0]);
  assert.equal(hex(decoded.payload), '0a0178');
});

void test('a frame round-trips for every shape of message indexes', () => {
  const payload = new Uint8Array([1, 2, 3, 0, 255]);
  for (const indexes of [[0], [1], [0, 0], [5, 63, 64, 8191, 8192], [2147483647], Array.from({ length: maxMessageIndexes }, (_, i) => i)]) {
    const decoded = decodeFrame(encodeFrame(123456, indexes, payload), { messageIndexes: true });
    assert.equal(decoded.schemaId, 123456);
    assert.deepEqual(decoded.messageIndexes, indexes);
    assert.deepEqual([...decoded.payload], [...payload]);
  }
});

void test('an empty payload is a valid frame', () => {
  assert.equal(hex(encodeFrame(1, undefined, new Uint8Array())), '0000000001');
  const decoded = decodeFrame(bytes('0000000001'));
  assert.equal(decoded.payload.byteLength, 0);
  assert.deepEqual(decodeFrame(bytes('000000000100'), { messageIndexes: true }).messageIndexes, [0]);
});

void test('decoding reads a frame inside a larger buffer without copying', () => {
  const backing = bytes('ffff 00 00000009 c0ffee ffff');
  const view = backing.subarray(2, 10);
  const decoded = decodeFrame(view);
  assert.equal(decoded.schemaId, 9);
  assert.equal(hex(decoded.payload), 'c0ffee');
  assert.equal(decoded.payload.buffer, backing.buffer);
});

void test('a wrong magic byte is refused with what was found', () => {
  assertWireError(() => decodeFrame(bytes('0100000001dead')), /first byte is 1, not the magic byte 0/);
  // JSON sent where a frame was expected: '{' is 123.
  assertWireError(() => decodeFrame(Buffer.from('{"a":1}')), /first byte is 123/);
});

void test('a record shorter than the 5-byte header is truncated', () => {
  assertWireError(() => decodeFrame(new Uint8Array()), /has 0 bytes; a Confluent frame starts with 5/);
  assertWireError(() => decodeFrame(bytes('00')), /has 1 byte;/);
  assertWireError(() => decodeFrame(bytes('00000000')), /has 4 bytes;/);
});

void test('message indexes that end early are truncated', () => {
  // Nothing after the schema id: the count is missing.
  assertWireError(() => decodeFrame(bytes('0000000001'), { messageIndexes: true }), /ends inside the message-index count \(byte 5\)/);
  // Count 2, one index.
  assertWireError(() => decodeFrame(bytes('0000000001 04 02'), { messageIndexes: true }), /ends inside message index 2 of 2 \(byte 7\)/);
  // A continuation bit with nothing after it.
  assertWireError(() => decodeFrame(bytes('0000000001 02 80'), { messageIndexes: true }), /ends inside message index 1 of 1/);
});

void test('bad varints are refused: too long, too large, negative', () => {
  assertWireError(() => splitMessageIndexes(bytes('ffffffffff01')), /longer than 5 bytes/);
  // Five bytes whose value passes 32 bits.
  assertWireError(() => splitMessageIndexes(bytes('02 ffffffff7f')), /message index 1 of 1 at byte 1 does not fit 32 bits/);
  // Zig-zag 1 is -1.
  assertWireError(() => splitMessageIndexes(bytes('01')), /count at byte 0 is negative \(-1\)/);
  assertWireError(() => splitMessageIndexes(bytes('02 03')), /message index 1 of 1 at byte 1 is negative \(-2\)/);
  // Count 128 (the most allowed) with no indexes after it.
  assertWireError(() => splitMessageIndexes(bytes('8002')), /ends inside message index 1 of 128/);
  assertWireError(() => splitMessageIndexes(bytes('8204')), new RegExp(`is 257; at most ${maxMessageIndexes}`));
});

void test('error positions count from the start of the whole frame', () => {
  assertWireError(() => decodeFrame(bytes('0000000001 04 00 03'), { messageIndexes: true }), /message index 2 of 2 at byte 7 is negative/);
});

void test('encoding refuses what no decoder could read back', () => {
  assertWireError(() => encodeFrame(-1, undefined, new Uint8Array()), /schema id -1/);
  assertWireError(() => encodeFrame(2 ** 32, undefined, new Uint8Array()), /schema id 4294967296/);
  assertWireError(() => encodeFrame(1.5, undefined, new Uint8Array()), /schema id 1.5/);
  assertWireError(() => encodeFrame(1, [], new Uint8Array()), /at least one message/);
  assertWireError(() => encodeFrame(1, [-1], new Uint8Array()), /message index -1/);
  assertWireError(() => encodeFrame(1, [2 ** 31], new Uint8Array()), /message index 2147483648/);
  assertWireError(() => encodeFrame(1, new Array<number>(maxMessageIndexes + 1).fill(1), new Uint8Array()), /at most 128 message indexes/);
});

import { SluiceError } from './errors.ts';

/**
 * Confluent's wire format, the framing every Confluent (and Karapace, Apicurio in
 * compatibility mode) serializer puts around a record value:
 *
 * ```
 * byte 0      magic byte, always 0
 * bytes 1..4  schema id, unsigned 32-bit big-endian
 * Protobuf only: the message indexes, the path to the message type inside the .proto
 *             file: a zig-zag varint count, then each index as a zig-zag varint; the
 *             common path [0] (the first message) is the single byte 0
 * the rest    the payload: Avro binary, Protobuf binary or JSON text
 * ```
 *
 * Pure: the payload's encoding is the caller's business (src/services/schemas/serializers.ts).
 */

export const magicByte = 0;
/** Magic byte and schema id. */
export const headerBytes = 5;
/** Message indexes name a nested message path; no real .proto file nests this deep. */
export const maxMessageIndexes = 128;
const maxSchemaId = 0xffff_ffff;
const maxIndex = 0x7fff_ffff;
// A 32-bit value takes at most 5 varint bytes.
const maxVarintBytes = 5;

export interface Frame {
  schemaId: number;
  /** Present only when the frame was read (or written) as Protobuf. */
  messageIndexes?: number[];
  payload: Uint8Array;
}

/**
 * Frames a payload. Give `messageIndexes` for Protobuf (`[0]` for the first message of the
 * file), `undefined` for Avro and JSON Schema.
 *
 * @example encodeFrame(7, undefined, avroBytes) // <00 00 00 00 07 ...avroBytes>
 * @example encodeFrame(7, [0], protoBytes)     // <00 00 00 00 07 00 ...protoBytes>
 */
export function encodeFrame(schemaId: number, messageIndexes: readonly number[] | undefined, payload: Uint8Array): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > maxSchemaId) {
    throw wireError(`schema id ${schemaId} is not an unsigned 32-bit integer`);
  }
  const indexBytes = messageIndexes === undefined ? [] : encodeMessageIndexes(messageIndexes);
  const frame = Buffer.allocUnsafe(headerBytes + indexBytes.length + payload.byteLength);
  frame[0] = magicByte;
  frame.writeUInt32BE(schemaId, 1);
  for (let i = 0; i < indexBytes.length; i++) frame[headerBytes + i] = indexBytes[i]!;
  frame.set(payload, headerBytes + indexBytes.length);
  return frame;
}

/** The message-index bytes alone: `[0]` is `<00>`, `[1]` is `<02 02>`, `[0, 2]` is `<04 00 04>`. */
export function encodeMessageIndexes(indexes: readonly number[]): number[] {
  if (indexes.length === 0) throw wireError('message indexes name at least one message (use [0] for the first message of the file)');
  if (indexes.length > maxMessageIndexes) throw wireError(`at most ${maxMessageIndexes} message indexes are supported, got ${indexes.length}`);
  for (const index of indexes) {
    if (!Number.isInteger(index) || index < 0 || index > maxIndex) throw wireError(`message index ${index} is not a non-negative 32-bit integer`);
  }
  if (indexes.length === 1 && indexes[0] === 0) return [0];
  const bytes: number[] = [];
  writeZigZagVarint(bytes, indexes.length);
  for (const index of indexes) writeZigZagVarint(bytes, index);
  return bytes;
}

/**
 * Reads a frame. With `{ messageIndexes: true }` (Protobuf) the message indexes are read
 * and removed from the payload; otherwise everything after the schema id is the payload.
 * The payload is a view into `bytes`, not a copy.
 *
 * @throws SluiceError `invalid_wire_format` for a wrong magic byte, a frame shorter than its
 *   header, or message indexes that are truncated, over-long or negative
 * @example decodeFrame(bytes).schemaId
 */
export function decodeFrame(bytes: Uint8Array, options: { messageIndexes?: boolean } = {}): Frame {
  if (bytes.byteLength < headerBytes) {
    throw wireError(
      `the record has ${bytes.byteLength} byte${bytes.byteLength === 1 ? '' : 's'}; a Confluent frame starts with ${headerBytes} (magic byte and schema id)`,
    );
  }
  if (bytes[0] !== magicByte) {
    throw wireError(`the first byte is ${bytes[0]}, not the magic byte 0: this is not a Confluent-framed record (or it was framed by another serializer)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const schemaId = view.getUint32(1, false);
  const rest = bytes.subarray(headerBytes);
  if (options.messageIndexes !== true) return { schemaId, payload: rest };
  const { messageIndexes, payload } = splitMessageIndexes(rest, headerBytes);
  return { schemaId, messageIndexes, payload };
}

/**
 * Reads the Protobuf message indexes at the start of `bytes` (what follows the schema id).
 * `offset` is only for error messages: where `bytes` starts in the whole frame.
 */
export function splitMessageIndexes(bytes: Uint8Array, offset = 0): { messageIndexes: number[]; payload: Uint8Array } {
  const cursor = { position: 0 };
  const count = readZigZagVarint(bytes, cursor, offset, 'the message-index count');
  if (count === 0) return { messageIndexes: [0], payload: bytes.subarray(cursor.position) };
  if (count < 0) throw wireError(`the message-index count at byte ${offset} is negative (${count})`);
  if (count > maxMessageIndexes) throw wireError(`the message-index count at byte ${offset} is ${count}; at most ${maxMessageIndexes} are supported`);
  const messageIndexes: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = offset + cursor.position;
    const index = readZigZagVarint(bytes, cursor, offset, `message index ${i + 1} of ${count}`);
    if (index < 0) throw wireError(`message index ${i + 1} of ${count} at byte ${at} is negative (${index})`);
    messageIndexes.push(index);
  }
  return { messageIndexes, payload: bytes.subarray(cursor.position) };
}

function writeZigZagVarint(out: number[], value: number): void {
  // Zig-zag of a non-negative 32-bit value is 2 * value, which may not fit 32 bits:
  // work in plain numbers (exact up to 2^53) rather than with bit operators.
  let rest = value >= 0 ? value * 2 : -value * 2 - 1;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

function readZigZagVarint(bytes: Uint8Array, cursor: { position: number }, offset: number, what: string): number {
  const start = cursor.position;
  let raw = 0;
  let scale = 1;
  for (let i = 0; i < maxVarintBytes; i++) {
    const byte = bytes[cursor.position];
    if (byte === undefined) throw wireError(`the record ends inside ${what} (byte ${offset + cursor.position})`);
    cursor.position++;
    raw += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      if (raw > maxSchemaId) throw wireError(`${what} at byte ${offset + start} does not fit 32 bits`);
      // Zig-zag: even values are non-negative, odd ones negative.
      return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    }
    scale *= 0x80;
  }
  throw wireError(`${what} at byte ${offset + start} is a varint longer than ${maxVarintBytes} bytes`);
}

function wireError(message: string): SluiceError {
  return new SluiceError('invalid_wire_format', message);
}

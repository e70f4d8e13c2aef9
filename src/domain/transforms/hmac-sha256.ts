import { createHash, createHmac } from 'node:crypto';
import { blockBytes, initialState, type Sha256Blocks, sha256Blocks } from './sha256-blocks.ts';

/**
 * HMAC-SHA-256 (RFC 2104 over FIPS 180-4) for one fixed key, written for many short values.
 *
 * node:crypto makes a new HMAC object per value (it is single-use) and hashes the key's two
 * pad blocks again each time: about 2 µs for an e-mail address, most of a `hash` step's cost.
 * Here the hash states after the inner and outer pad blocks are computed once per key, so a
 * value of up to 55 UTF-8 bytes costs two compressions. Past `longValueBytes` the
 * compressions cost more than node:crypto's fixed cost per call (measured on a 2-core AMD
 * EPYC with SHA instructions), and node:crypto hashes the value. The output is byte for byte
 * what `createHmac('sha256', key).update(text, 'utf8').digest('hex')` gives (tested against
 * it).
 */

const utf8 = new TextEncoder();
// Each byte's two hex digits as one 16-bit unit, in the platform's order, for a Uint16Array over the text.
const hexPairs = new Uint16Array(
  new Uint8Array(Array.from({ length: 256 }, (_, byte) => [...byte.toString(16).padStart(2, '0')].map((digit) => digit.charCodeAt(0))).flat()).buffer,
);

// Where each call lays out its work in the block memory (byte offsets).
const stateAt = 0;
const outerBlockAt = 64;
const messageAt = 128;
/** The longest value, in UTF-8 bytes, hashed here rather than by node:crypto. */
export const longValueBytes = 256;

/**
 * Returns a function giving the lowercase hex HMAC-SHA-256 of a text's UTF-8 bytes under `key`.
 * `blocks` is the compression function to use (this thread's fastest by default).
 *
 * @example hmacSha256Hex(Buffer.from('key'))('The quick brown fox jumps over the lazy dog')
 * // 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8'
 */
export function hmacSha256Hex(key: Uint8Array, blocks: Sha256Blocks = sha256Blocks()): (text: string) => string {
  const keyBlock = new Uint8Array(blockBytes);
  // RFC 2104: a key longer than a block is hashed first.
  keyBlock.set(key.length > blockBytes ? createHash('sha256').update(key).digest() : key);
  const innerStart = stateAfter(
    blocks,
    keyBlock.map((byte) => byte ^ 0x36),
  );
  const outerStart = stateAfter(
    blocks,
    keyBlock.map((byte) => byte ^ 0x5c),
  );
  const stateWord = stateAt >> 2;
  const hex = Buffer.alloc(64);
  const hexUnits = new Uint16Array(hex.buffer, hex.byteOffset, 32);
  const { bytes, words } = blocks;
  const secret = Buffer.from(key);
  // The outer block's padding is the same for every key and nothing else writes there: once.
  bytes[outerBlockAt + 32] = 0x80;
  bytes.fill(0, outerBlockAt + 33, outerBlockAt + blockBytes - 8);
  writeBitLength(bytes, outerBlockAt + blockBytes, blockBytes + 32);
  const hashedByNode = (text: string) => createHmac('sha256', secret).update(text, 'utf8').digest('hex');

  return (text) => {
    // Every UTF-16 unit takes at least one UTF-8 byte, so a text this long is past the bound
    // before it is encoded; a shorter one (at most 3 bytes per unit) fits the memory.
    if (text.length > longValueBytes) return hashedByNode(text);
    const length = encodeInto(text, bytes, messageAt);
    if (length > longValueBytes) return hashedByNode(text);
    const end = messageAt + Math.ceil((length + 9) / blockBytes) * blockBytes;
    bytes[messageAt + length] = 0x80;
    bytes.fill(0, messageAt + length + 1, end - 8);
    writeBitLength(bytes, end, blockBytes + length);
    for (let i = 0; i < 8; i++) words[stateWord + i] = innerStart[i]!;
    for (let offset = messageAt; offset < end; offset += blockBytes) blocks.compress(stateAt, offset);
    // The outer message is the inner digest (32 bytes) after the outer pad block: one padded block.
    for (let i = 0; i < 8; i++) writeWord(bytes, outerBlockAt + i * 4, words[stateWord + i]!);
    for (let i = 0; i < 8; i++) words[stateWord + i] = outerStart[i]!;
    blocks.compress(stateAt, outerBlockAt);
    // Hex digits written as bytes and read once as Latin-1: one flat string, not 32 joined pieces.
    for (let i = 0; i < 8; i++) {
      const word = words[stateWord + i]!;
      hexUnits[i * 4] = hexPairs[word >>> 24]!;
      hexUnits[i * 4 + 1] = hexPairs[(word >>> 16) & 0xff]!;
      hexUnits[i * 4 + 2] = hexPairs[(word >>> 8) & 0xff]!;
      hexUnits[i * 4 + 3] = hexPairs[word & 0xff]!;
    }
    return hex.toString('latin1');
  };
}

/** UTF-8 bytes of `text` into `into` from `at`; ASCII without the encoder's call cost. */
function encodeInto(text: string, into: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) return utf8.encodeInto(text, into.subarray(at)).written;
    into[at + i] = unit;
  }
  return text.length;
}

/** SHA-256's trailing 64-bit big-endian length in bits, ending at `end`. */
function writeBitLength(bytes: Uint8Array, end: number, byteLength: number): void {
  const bits = byteLength * 8;
  writeWord(bytes, end - 8, Math.floor(bits / 2 ** 32));
  writeWord(bytes, end - 4, bits >>> 0);
}

function writeWord(bytes: Uint8Array, at: number, word: number): void {
  bytes[at] = word >>> 24;
  bytes[at + 1] = word >>> 16;
  bytes[at + 2] = word >>> 8;
  bytes[at + 3] = word;
}

/** The state after hashing one 64-byte block (a key XOR-ed with a pad); the block is wiped from the shared memory. */
function stateAfter(blocks: Sha256Blocks, block: Uint8Array): Int32Array {
  blocks.bytes.set(block, messageAt);
  blocks.words.set(initialState, stateAt >> 2);
  blocks.compress(stateAt, messageAt);
  blocks.bytes.fill(0, messageAt, messageAt + blockBytes);
  return blocks.words.slice(stateAt >> 2, (stateAt >> 2) + 8);
}

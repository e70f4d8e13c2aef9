/**
 * HMAC-SHA-256 (RFC 2104 over FIPS 180-4) for one fixed key, written for many short values.
 *
 * node:crypto makes a new HMAC object per value (it is single-use) and hashes the key's two
 * pad blocks again each time: about 2 µs for an e-mail address, most of a `hash` step's cost.
 * Here the hash states after the inner and outer pad blocks are computed once per key, so a
 * value of up to 55 UTF-8 bytes costs two compressions. The output is byte for byte what
 * `createHmac('sha256', key).update(text, 'utf8').digest('hex')` gives (tested against it).
 */

// The first 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4, 4.2.2).
const roundConstants = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// The first 32 bits of the fractional parts of the square roots of the first 8 primes (4.2.3... 5.3.3).
const initialState = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const blockBytes = 64;
const utf8 = new TextEncoder();
const hexCodes = new Uint8Array([...'0123456789abcdef'].map((digit) => digit.charCodeAt(0)));

/** Folds one 64-byte block of `bytes` at `offset` into `state` (FIPS 180-4, 6.2.2). */
function compress(state: Int32Array, bytes: Uint8Array, offset: number, schedule: Int32Array): void {
  for (let t = 0; t < 16; t++) {
    const i = offset + t * 4;
    schedule[t] = (bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!;
  }
  for (let t = 16; t < 64; t++) {
    const w15 = schedule[t - 15]!;
    const w2 = schedule[t - 2]!;
    const sigma0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const sigma1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    schedule[t] = (sigma1 + schedule[t - 7]! + sigma0 + schedule[t - 16]!) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let t = 0; t < 64; t++) {
    const bigSigma1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    // Ch and Maj of FIPS 180-4 (4.2), each written with one operation fewer.
    const choose = g ^ (e & (f ^ g));
    const t1 = (h + bigSigma1 + choose + roundConstants[t]! + schedule[t]!) | 0;
    const bigSigma0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const majority = (a & b) | (c & (a | b));
    const t2 = (bigSigma0 + majority) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/** The state after hashing one 64-byte block (a key XOR-ed with a pad). */
function stateAfter(block: Uint8Array, schedule: Int32Array): Int32Array {
  const state = Int32Array.from(initialState);
  compress(state, block, 0, schedule);
  return state;
}

/**
 * Returns a function giving the lowercase hex HMAC-SHA-256 of a text's UTF-8 bytes under `key`.
 *
 * @example hmacSha256Hex(Buffer.from('key'))('The quick brown fox jumps over the lazy dog')
 * // 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8'
 */
export function hmacSha256Hex(key: Uint8Array): (text: string) => string {
  const schedule = new Int32Array(64);
  const keyBlock = new Uint8Array(blockBytes);
  keyBlock.set(key.length > blockBytes ? digestBytes(key, schedule) : key);
  const innerPad = keyBlock.map((byte) => byte ^ 0x36);
  const outerPad = keyBlock.map((byte) => byte ^ 0x5c);
  const innerStart = stateAfter(innerPad, schedule);
  const outerStart = stateAfter(outerPad, schedule);
  const state = new Int32Array(8);
  // The message after the pad block, then its own padding; grows for long values. A plain
  // Uint8Array like the pad blocks: `compress` slowed down when it also saw a Buffer.
  let message = new Uint8Array(4 * blockBytes);
  // The outer message is always the inner digest (32 bytes) after the outer pad block: one padded block.
  const outerBlock = new Uint8Array(blockBytes);
  const hex = Buffer.alloc(64);
  outerBlock[32] = 0x80;
  outerBlock[62] = ((blockBytes + 32) * 8) >>> 8;
  outerBlock[63] = ((blockBytes + 32) * 8) & 0xff;

  return (text) => {
    // A UTF-8 character takes at most 3 bytes per UTF-16 unit; room for the padding's 9 more.
    const room = text.length * 3 + 9 + blockBytes;
    if (room > message.length) message = new Uint8Array(Math.ceil(room / blockBytes) * blockBytes);
    const length = encodeInto(text, message);
    const blocks = Math.ceil((length + 9) / blockBytes);
    const end = blocks * blockBytes;
    message[length] = 0x80;
    message.fill(0, length + 1, end - 8);
    writeBitLength(message, end, blockBytes + length);
    state.set(innerStart);
    for (let offset = 0; offset < end; offset += blockBytes) compress(state, message, offset, schedule);
    for (let i = 0; i < 8; i++) writeWord(outerBlock, i * 4, state[i]!);
    state.set(outerStart);
    compress(state, outerBlock, 0, schedule);
    // Hex digits written as bytes and read once as Latin-1: one flat string, not 32 joined pieces.
    for (let i = 0; i < 8; i++) {
      const word = state[i]!;
      for (let shift = 28, at = i * 8; shift >= 0; shift -= 4, at++) hex[at] = hexCodes[(word >>> shift) & 0xf]!;
    }
    return hex.toString('latin1');
  };
}

/** UTF-8 bytes of `text` into `into` from 0; ASCII without the encoder's call cost. */
function encodeInto(text: string, into: Uint8Array): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) return utf8.encodeInto(text, into).written;
    into[i] = unit;
  }
  return text.length;
}

/** SHA-256's trailing 64-bit big-endian length in bits, ending at `end`. */
function writeBitLength(block: Uint8Array, end: number, byteLength: number): void {
  const bits = byteLength * 8;
  writeWord(block, end - 8, Math.floor(bits / 2 ** 32));
  writeWord(block, end - 4, bits >>> 0);
}

function writeWord(bytes: Uint8Array, at: number, word: number): void {
  bytes[at] = word >>> 24;
  bytes[at + 1] = word >>> 16;
  bytes[at + 2] = word >>> 8;
  bytes[at + 3] = word;
}

/** Plain SHA-256 of `bytes`, for a key longer than a block (RFC 2104 hashes it first). */
function digestBytes(bytes: Uint8Array, schedule: Int32Array): Uint8Array {
  const end = Math.ceil((bytes.length + 9) / blockBytes) * blockBytes;
  const padded = new Uint8Array(end);
  padded.set(bytes);
  padded[bytes.length] = 0x80;
  writeBitLength(padded, end, bytes.length);
  const state = Int32Array.from(initialState);
  for (let offset = 0; offset < end; offset += blockBytes) compress(state, padded, offset, schedule);
  const digest = new Uint8Array(32);
  for (let i = 0; i < 8; i++) writeWord(digest, i * 4, state[i]!);
  return digest;
}

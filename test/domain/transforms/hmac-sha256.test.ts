import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { test } from 'node:test';
import { hmacSha256Hex, longValueBytes } from '../../../src/domain/transforms/hmac-sha256.ts';
import { initialState, jsBlocks, memoryBytes, type Sha256Blocks, sha256Blocks, wasmBlocks } from '../../../src/domain/transforms/sha256-blocks.ts';

const reference = (key: Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest('hex');

const wasm = wasmBlocks();
const engines: [string, () => Sha256Blocks][] = [['JavaScript', jsBlocks]];
if (wasm !== undefined) engines.push(['WebAssembly', () => wasmBlocks()!]);
// WebAssembly's memory is little-endian; elsewhere the JavaScript rounds run, and are tested alone.
const bigEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1;

void test('this runtime gets the WebAssembly compression function', { skip: bigEndian && 'a big-endian host runs the JavaScript rounds' }, () => {
  assert.equal(wasm?.engine, 'webassembly', 'WebAssembly is available in Node; only the fallback would run');
  assert.equal(sha256Blocks().engine, 'webassembly');
});

for (const [engine, blocks] of engines) {
  void test(`HMAC-SHA-256 gives the RFC 4231 test vectors (${engine})`, () => {
    const jefe = hmacSha256Hex(Buffer.from('Jefe'), blocks());
    assert.equal(jefe('what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    // A key longer than one block is hashed first (RFC 4231, test case 6).
    const long = hmacSha256Hex(Buffer.alloc(131, 0xaa), blocks());
    assert.equal(long('Test Using Larger Than Block-Size Key - Hash Key First'), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
  });

  void test(`HMAC-SHA-256 agrees with node:crypto across lengths, block edges and keys (${engine})`, () => {
    const keys = [Buffer.from('tenant-acme-secret-salt-0123456789'), Buffer.alloc(64, 7), Buffer.alloc(65, 9), Buffer.from('ü'.repeat(40))];
    const memory = blocks();
    for (const key of keys) {
      const hmac = hmacSha256Hex(key, memory);
      // 55 and 56 bytes are where the padding first needs a second block; 119 and 120 a
      // third; past 256 characters node:crypto takes over.
      for (let length = 0; length <= 300; length++) {
        const text = 'a'.repeat(length);
        assert.equal(hmac(text), reference(key, text), `ASCII, ${length} bytes, key of ${key.length}`);
      }
    }
  });

  void test(`HMAC-SHA-256 hashes the UTF-8 bytes of any text, as node:crypto does (${engine})`, () => {
    const key = Buffer.from('tenant-acme-secret-salt-0123456789');
    const memory = blocks();
    const hmac = hmacSha256Hex(key, memory);
    // U+0080 and U+07FF are the ends of the two-byte range, U+0800 and U+FFFF of the three-byte one.
    const texts = [
      '\u0080',
      '\u07ff',
      '\u0800',
      '\uffff',
      'a\u0080b',
      'é',
      'ünïcødé@example.com',
      '€'.repeat(30),
      '😀'.repeat(25),
      'a\u0000b',
      'lone \ud800 surrogate',
      'x'.repeat(5000) + 'ß',
    ];
    for (const text of texts) assert.equal(hmac(text), reference(key, text), JSON.stringify(text.slice(0, 20)));
    // Values past `longValueBytes` UTF-8 bytes go to node:crypto; the memory stays one page.
    const around = (unit: string) => [-1, 0, 1, 2, 90_000].map((more) => unit.repeat(Math.floor(longValueBytes / Buffer.byteLength(unit)) + more));
    for (const text of ['a', '€', '😀'].flatMap(around)) assert.equal(hmac(text), reference(key, text), `${Buffer.byteLength(text)} bytes of ${text[0]}`);
    assert.equal(memory.bytes.length, memoryBytes);
    // A short one after it must not see stale bytes.
    assert.equal(hmac('short'), reference(key, 'short'));
  });

  void test(`one memory serves several keys in turn (${engine})`, () => {
    const memory = blocks();
    const keys = ['first-tenant-salt-0123456789', 'second-tenant-salt-9876543210'].map((key) => Buffer.from(key));
    const hmacs = keys.map((key) => hmacSha256Hex(key, memory));
    for (let i = 0; i < 20; i++) {
      const text = `user${i}@example.com`;
      hmacs.forEach((hmac, k) => assert.equal(hmac(text), reference(keys[k]!, text)));
    }
  });

  void test(`one compression of the padded empty message is SHA-256 of nothing (${engine})`, () => {
    const memory = blocks();
    memory.bytes.fill(0, 64, 128);
    memory.bytes[64] = 0x80;
    memory.words.set(initialState, 8);
    memory.compress(32, 64);
    const digest = Buffer.alloc(32);
    for (let i = 0; i < 8; i++) digest.writeInt32BE(memory.words[8 + i]!, i * 4);
    assert.equal(digest.toString('hex'), createHash('sha256').digest('hex'));
  });
}

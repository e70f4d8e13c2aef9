import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { hmacSha256Hex } from '../../../src/domain/transforms/hmac-sha256.ts';

const reference = (key: Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest('hex');

void test('HMAC-SHA-256 gives the RFC 4231 test vectors', () => {
  const jefe = hmacSha256Hex(Buffer.from('Jefe'));
  assert.equal(jefe('what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  // A key longer than one block is hashed first (RFC 4231, test case 6).
  const long = hmacSha256Hex(Buffer.alloc(131, 0xaa));
  assert.equal(long('Test Using Larger Than Block-Size Key - Hash Key First'), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
});

void test('HMAC-SHA-256 agrees with node:crypto across lengths, block edges and keys', () => {
  const keys = [Buffer.from('tenant-acme-secret-salt-0123456789'), Buffer.alloc(64, 7), Buffer.alloc(65, 9), Buffer.from('ü'.repeat(40))];
  for (const key of keys) {
    const hmac = hmacSha256Hex(key);
    // 55 and 56 bytes are where the padding first needs a second block; 119 and 120 a third.
    for (let length = 0; length <= 200; length++) {
      const text = 'a'.repeat(length);
      assert.equal(hmac(text), reference(key, text), `ASCII, ${length} bytes, key of ${key.length}`);
    }
  }
});

void test('HMAC-SHA-256 hashes the UTF-8 bytes of any text, as node:crypto does', () => {
  const key = Buffer.from('tenant-acme-secret-salt-0123456789');
  const hmac = hmacSha256Hex(key);
  const texts = ['é', 'ünïcødé@example.com', '€'.repeat(30), '😀'.repeat(25), 'a\u0000b', 'lone \ud800 surrogate', 'x'.repeat(5000) + 'ß'];
  for (const text of texts) assert.equal(hmac(text), reference(key, text), JSON.stringify(text.slice(0, 20)));
  // A long value grows the message buffer; a short one after it must not see stale bytes.
  assert.equal(hmac('short'), reference(key, 'short'));
});

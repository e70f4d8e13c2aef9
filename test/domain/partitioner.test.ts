import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partitionForKey } from '../../src/domain/partitioner.ts';

/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils#murmur2) written out again from its
 * definition with BigInt arithmetic modulo 2^32, independent of the implementation under test.
 */
function referenceMurmur2(bytes: Uint8Array): number {
  const mask = 0xffffffffn;
  const m = 0x5bd1e995n;
  const mul = (a: bigint, b: bigint): bigint => (a * b) & mask;
  let h = (0x9747b28cn ^ BigInt(bytes.length)) & mask;
  const whole = bytes.length - (bytes.length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k = BigInt(bytes[i]!) + (BigInt(bytes[i + 1]!) << 8n) + (BigInt(bytes[i + 2]!) << 16n) + (BigInt(bytes[i + 3]!) << 24n);
    k = mul(k, m);
    k ^= k >> 24n;
    k = mul(k, m);
    h = mul(h, m) ^ k;
  }
  const tail = bytes.length % 4;
  if (tail >= 3) h ^= BigInt(bytes[whole + 2]!) << 16n;
  if (tail >= 2) h ^= BigInt(bytes[whole + 1]!) << 8n;
  if (tail >= 1) {
    h ^= BigInt(bytes[whole]!);
    h = mul(h, m);
  }
  h ^= h >> 13n;
  h = mul(h, m);
  h ^= h >> 15n;
  return Number(BigInt.asIntN(32, h));
}

/** Kafka's `Utils.toPositive(murmur2(key))`: with 2^31 partitions the modulo is the identity. */
function positiveHash(key: string): number {
  return partitionForKey(key, 2 ** 31);
}

const kafkaVectors: [string, number][] = [
  // From Kafka's own UtilsTest#testMurmur2: signed 32-bit murmur2 of the UTF-8 bytes.
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

void test('the reference murmur2 reproduces the Kafka test vectors', () => {
  for (const [key, expected] of kafkaVectors) assert.equal(referenceMurmur2(Buffer.from(key, 'utf8')), expected, key);
});

void test('partitionForKey hashes like Kafka: toPositive(murmur2(key)) for the Kafka vectors', () => {
  for (const [key, signed] of kafkaVectors) assert.equal(positiveHash(key), signed & 0x7fffffff, key);
});

void test('partitionForKey matches the reference for every tail length and for the empty key', () => {
  const keys = [''];
  for (let length = 1; length <= 17; length++) keys.push('kafka-sluice-key!'.slice(0, length));
  for (const key of keys) {
    const expected = referenceMurmur2(Buffer.from(key, 'utf8')) & 0x7fffffff;
    assert.equal(positiveHash(key), expected, JSON.stringify(key));
  }
});

void test('the empty key hashes to the seed mixed once, as in Kafka', () => {
  // h = 0x9747b28c ^ 0, then the final avalanche only.
  assert.equal(positiveHash(''), referenceMurmur2(new Uint8Array()) & 0x7fffffff);
  assert.equal(partitionForKey('', 12), (referenceMurmur2(new Uint8Array()) & 0x7fffffff) % 12);
});

void test('keys are hashed as UTF-8 bytes, including high bytes and astral characters', () => {
  for (const key of ['é', 'ÿÿÿÿ', 'naïve-café', '日本語キー', '🍓🍌', '\u0000', '\u007f\u0080']) {
    const expected = referenceMurmur2(Buffer.from(key, 'utf8')) & 0x7fffffff;
    assert.equal(positiveHash(key), expected, key);
  }
});

void test('the partition is toPositive(hash) modulo the partition count', () => {
  for (const [key, signed] of kafkaVectors) {
    for (const partitions of [1, 2, 3, 4, 7, 12, 100, 256]) {
      assert.equal(partitionForKey(key, partitions), (signed & 0x7fffffff) % partitions, `${key} over ${partitions}`);
    }
  }
});

void test('a key always lands in the same partition, inside the range', () => {
  for (let i = 0; i < 500; i++) {
    const key = `user-${i}`;
    const first = partitionForKey(key, 6);
    assert.ok(first >= 0 && first < 6 && Number.isInteger(first));
    assert.equal(partitionForKey(key, 6), first);
    assert.equal(partitionForKey(key, 1), 0);
  }
});

void test('keys spread evenly over the partitions', () => {
  const partitions = 8;
  const keys = 16_000;
  const counts = new Array<number>(partitions).fill(0);
  for (let i = 0; i < keys; i++) counts[partitionForKey(`order-${i}`, partitions)]!++;
  // Expected 2000 each; a fair hash stays far inside ±15 %.
  for (const [partition, count] of counts.entries()) {
    assert.ok(count > 1700 && count < 2300, `partition ${partition} got ${count} of ${keys} keys`);
  }
});

void test('ASCII keys of every length up to and past the reused buffer hash like their UTF-8 bytes, before and after a non-ASCII key', () => {
  for (const length of [0, 1, 100, 255, 256, 257, 1000]) {
    const ascii = 'k'.repeat(length);
    const mixed = `${ascii}é`;
    for (const key of [ascii, mixed, ascii]) {
      assert.equal(positiveHash(key), referenceMurmur2(Buffer.from(key, 'utf8')) & 0x7fffffff, `${key.length} characters`);
    }
  }
});

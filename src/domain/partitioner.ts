import { writeAscii } from './ascii-bytes.ts';
/**
 * Kafka's default partitioner (murmur2 over the UTF-8 key, sign bit cleared), so a key
 * lands in the same partition on the embedded store and on Kafka.
 *
 * @example partitionForKey('user-42', 4) // always the same partition in 0..3
 */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(...utf8(key)) & 0x7fffffff) % partitions;
}

/** Reused for ASCII keys, which are their own UTF-8: a Buffer per key cost more than the hash. */
const scratch = new Uint8Array(256);

function utf8(key: string): [Uint8Array, number] {
  const length = writeAscii(key, scratch);
  if (length >= 0) return [scratch, length];
  const bytes = Buffer.from(key, 'utf8');
  return [bytes, bytes.length];
}

function murmur2(data: Uint8Array, length: number): number {
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = (data[i]! & 0xff) | ((data[i + 1]! & 0xff) << 8) | ((data[i + 2]! & 0xff) << 16) | ((data[i + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= (data[blocks + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[blocks + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[blocks]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h;
}

/**
 * Kafka's default partitioner (murmur2 over the UTF-8 key, sign bit cleared), so a key
 * lands in the same partition on the embedded store and on Kafka.
 *
 * @example partitionForKey('user-42', 4) // always the same partition in 0..3
 */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}

function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
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

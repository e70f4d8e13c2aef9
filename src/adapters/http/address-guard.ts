import { BlockList, isIP } from 'node:net';

/**
 * Addresses Sluice will not deliver to unless private networks are allowed: loopback,
 * unspecified, private, shared (carrier-grade NAT), link-local, unique-local, multicast,
 * broadcast and the IETF's special-purpose blocks, in IPv4 and IPv6 (IPv4-mapped included).
 */
const refused = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  refused.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // The unspecified address, loopback and the deprecated IPv4-compatible ::a.b.c.d.
  ['::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  refused.addSubnet(network, prefix, 'ipv6');
}

/** Why an IP address is refused, or `undefined` when it is a public address. */
export function refusedAddress(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return `"${address}" is not an IP address`;
  const mapped = family === 6 ? mappedIpv4(address) : undefined;
  if (mapped !== undefined) return refusedAddress(mapped);
  if (refused.check(address, family === 4 ? 'ipv4' : 'ipv6')) return `${address} is a loopback, private, link-local or otherwise non-public address`;
  return undefined;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address, dotted (`::ffff:7f00:1` → `127.0.0.1`). */
function mappedIpv4(address: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (dotted !== undefined) return dotted;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex === null) return undefined;
  const high = parseInt(hex[1]!, 16);
  const low = parseInt(hex[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

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
  ['::', 128],
  ['::1', 128],
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
  const mapped = family === 6 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
  if (mapped !== undefined) return refusedAddress(mapped);
  if (family === 6 && /^::ffff:/i.test(address)) return `${address} is an IPv4-mapped address`;
  if (refused.check(address, family === 4 ? 'ipv4' : 'ipv6')) return `${address} is a loopback, private, link-local or otherwise non-public address`;
  return undefined;
}

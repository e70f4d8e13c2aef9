import type { CidrRange } from './types.ts';

/** An IP address: IPv4 as a 32-bit number, IPv6 as a 128-bit bigint. */
export type IpAddress = { family: 4; value: number } | { family: 6; value: bigint };

const ipv4Pattern = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
const hexGroup = /^[0-9a-fA-F]{1,4}$/;
// The longest IPv6 text: eight groups of four, or six groups and a dotted quad.
const maxIpv6Length = 45;

/**
 * Parses a dotted-quad IPv4 address. Leading zeros are refused: `010` reads as octal in
 * some tools and as decimal in others.
 *
 * @example parseIpv4('10.0.0.1') // 167772161
 */
export function parseIpv4(text: string): number | undefined {
  const match = ipv4Pattern.exec(text);
  if (match === null) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(match[i]);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/**
 * Parses an IPv6 address (RFC 4291 text forms: full, `::`-compressed, and with a trailing
 * dotted quad such as `::ffff:10.0.0.1`). Zone ids (`%eth0`) are not addresses here.
 *
 * @example parseIpv6('::1') // 1n
 */
export function parseIpv6(text: string): bigint | undefined {
  if (text.length < 2 || text.length > maxIpv6Length) return undefined;
  let hex = text;
  if (text.includes('.')) {
    // A trailing dotted quad is two 16-bit groups written another way.
    const cut = text.lastIndexOf(':');
    const quad = parseIpv4(text.slice(cut + 1));
    if (quad === undefined) return undefined;
    hex = `${text.slice(0, cut + 1)}${(quad >>> 16).toString(16)}:${(quad & 0xffff).toString(16)}`;
  }
  const halves = hex.split('::');
  if (halves.length > 2) return undefined;
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  // Without `::` all eight groups are written; `::` stands for at least one zero group.
  const zeros = 8 - head.length - tail.length;
  if (halves.length === 1 ? zeros !== 0 : zeros < 1) return undefined;
  let value = 0n;
  for (const group of [...head, ...new Array<number>(zeros).fill(0), ...tail]) value = (value << 16n) | BigInt(group);
  return value;
}

function groupsOf(part: string): number[] | undefined {
  if (part === '') return [];
  const groups: number[] = [];
  for (const group of part.split(':')) {
    if (!hexGroup.test(group)) return undefined;
    groups.push(Number.parseInt(group, 16));
  }
  return groups;
}

/**
 * Parses an address of either family.
 *
 * @example parseIp('fe80::1') // { family: 6, value: 0xfe80000000000000_0000000000000001n }
 */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

const prefixLength = /^(0|[1-9]\d{0,2})$/;

export type CidrParse = { ok: true; range: CidrRange } | { ok: false; reason: string };

/**
 * Parses `address/length` into the range of addresses it covers. Bits past the prefix
 * length are ignored, so `10.0.0.7/24` is the block `10.0.0.0/24`.
 *
 * @example parseCidr('10.0.0.0/24') // { ok: true, range: { family: 4, first: 167772160, last: 167772415 } }
 */
export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf('/');
  if (slash === -1) return { ok: false, reason: 'a CIDR block is "address/length", e.g. "10.0.0.0/24" or "2001:db8::/32"' };
  const address = parseIp(text.slice(0, slash));
  if (address === undefined) return { ok: false, reason: `"${text.slice(0, slash)}" is not an IPv4 or IPv6 address` };
  const bits = address.family === 4 ? 32 : 128;
  const lengthText = text.slice(slash + 1);
  const length = prefixLength.test(lengthText) ? Number(lengthText) : Number.NaN;
  if (!(length <= bits)) return { ok: false, reason: `the prefix length must be a whole number from 0 to ${bits}, got "${lengthText}"` };
  if (address.family === 4) {
    const size = 2 ** (32 - length);
    const first = Math.floor(address.value / size) * size;
    return { ok: true, range: { family: 4, first, last: first + size - 1 } };
  }
  const hostBits = BigInt(128 - length);
  const first = (address.value >> hostBits) << hostBits;
  return { ok: true, range: { family: 6, first, last: first + (1n << hostBits) - 1n } };
}

/** Whether an address lies in a block (an IPv4 address is never in an IPv6 block, nor the reverse). */
export function inRange(range: CidrRange, address: IpAddress): boolean {
  if (range.family === 4) return address.family === 4 && address.value >= range.first && address.value <= range.last;
  return address.family === 6 && address.value >= range.first && address.value <= range.last;
}

import { isIPv4, isIPv6 } from 'node:net';

/** An address as a number, for ranges, overlaps and the lock-out check. */
export interface Ip {
  family: 4 | 6;
  value: bigint;
}

function v4(s: string): bigint {
  return s.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

function v6(s: string): bigint {
  let text = s.toLowerCase();
  // an embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = v4(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const a = head ? head.split(':') : [];
  const b = tail ? tail.split(':') : [];
  const groups = tail === undefined ? a : [...a, ...Array<string>(8 - a.length - b.length).fill('0'), ...b];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** A literal address (no prefix, no zone), or undefined. */
export function parseIp(s: string): Ip | undefined {
  if (isIPv4(s)) return { family: 4, value: v4(s) };
  if (isIPv6(s) && !s.includes('%')) return { family: 6, value: v6(s) };
  return undefined;
}

/** An address or CIDR as the range of addresses it covers, or undefined when it is neither. */
export function parseCidr(s: string): { family: 4 | 6; first: bigint; last: bigint } | undefined {
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(s);
  if (!m) return undefined;
  const ip = parseIp(m[1]!);
  if (!ip) return undefined;
  const width = ip.family === 4 ? 32 : 128;
  const bits = m[2] === undefined ? width : Number(m[2]);
  if (bits > width) return undefined;
  const host = (1n << BigInt(width - bits)) - 1n;
  return { family: ip.family, first: ip.value & ~host, last: (ip.value & ~host) | host };
}

/** An IPv4 or IPv6 address in a Node socket's `remoteAddress` form (IPv4-mapped IPv6 unwrapped). */
export function callerIp(addr: string): Ip | undefined {
  const plain = addr.startsWith('::ffff:') && isIPv4(addr.slice(7)) ? addr.slice(7) : addr;
  return parseIp(plain);
}

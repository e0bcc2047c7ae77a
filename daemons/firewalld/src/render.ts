import { parseCidr } from './addr.js';
import type { Rule, RuleSet } from './model.js';

/** The one table firewalld owns; nothing else on the machine is touched. */
export const TABLE = 'belfry';

/** The legacy IP filter (`Network.Filter.*`): accept only the list (`allow`) or drop it (`deny`). */
export interface LegacyFilter {
  enabled: boolean;
  policy: 'allow' | 'deny';
  addresses: string[];
  /** log what it drops (kernel log, prefix `belfry-filter: `) */
  log: boolean;
}

/** What firewalld enforces: the REST rule set when activated, the legacy filter when enabled. */
export interface Enforced {
  rules?: RuleSet;
  legacy?: LegacyFilter;
}

const PERIOD = { SECOND: 'second', MINUTE: 'minute', HOUR: 'hour', DAY: 'day' } as const;

function addrMatch(s: string): string {
  return `${parseCidr(s)!.family === 4 ? 'ip' : 'ip6'} saddr ${s}`;
}

function portMatch(portType: 'TCP' | 'UDP' | 'BOTH', ports: string): string {
  return portType === 'BOTH' ? `meta l4proto { tcp, udp } th dport ${ports}` : `${portType.toLowerCase()} dport ${ports}`;
}

/** A rule's match statements (empty: every packet). */
export function matchOf(r: Rule): string {
  const m: string[] = [];
  if (r.mac) m.push(`ether saddr ${r.mac}`);
  if (r.pktType) m.push(`meta pkttype ${r.pktType.toLowerCase()}`);
  if (r.ip) m.push(addrMatch(r.ip));
  if (r.ipRange) m.push(`${addrMatch(r.ipRange.start).split(' ')[0]} saddr ${r.ipRange.start}-${r.ipRange.end}`);
  if (r.tcpPort !== null) m.push(`tcp dport ${r.tcpPort}`);
  if (r.udpPort !== null) m.push(`udp dport ${r.udpPort}`);
  if (r.port) m.push(portMatch(r.port.portType, String(r.port.portNum)));
  if (r.portRange) m.push(portMatch(r.portRange.portType, `${r.portRange.start}-${r.portRange.end}`));
  return m.join(' ');
}

/**
 * A rule as nft statements. FILTER: accept or drop what matches. LIMIT: what matches is accepted up
 * to the rate (new connections, or packets outside established flows, which are always allowed
 * before any rule) and dropped beyond it.
 */
export function ruleLines(r: Rule, n: number): string[] {
  const match = matchOf(r);
  const sp = match ? `${match} ` : '';
  const note = `comment "rule ${n}"`;
  if (r.filter) return [`${sp}${r.filter.policy === 'ACCEPT' ? 'accept' : 'drop'} ${note}`];
  const l = r.limit!;
  const rate = `limit rate over ${l.amount}/${PERIOD[l.period]} burst ${l.burst} packets`;
  return [`${sp}${l.unit === 'NEWCONNECTIONS' ? 'ct state new ' : ''}${rate} drop ${note}`, `${sp}accept ${note}`];
}

function legacyLines(f: LegacyFilter): string[] {
  const list = f.addresses.length ? `{ ${f.addresses.join(', ')} }` : '';
  const drop = `${f.log ? 'log prefix "belfry-filter: " ' : ''}drop comment "legacy filter"`;
  // allow: only the listed IPv4 clients pass on to the rules; deny: the listed ones are dropped
  if (f.policy === 'allow') return [...(list ? [`ip saddr != ${list} ${drop}`] : [`meta nfproto ipv4 ${drop}`]), `meta nfproto ipv6 ${drop}`];
  return list ? [`ip saddr ${list} ${drop}`] : [];
}

/**
 * Always allowed, before any rule: loopback (the ACAP host 127.0.0.12 is on it; a 127/8 source on
 * another interface is spoofed, and the kernel drops it as a martian), packets of
 * established connections, IPv6 neighbour and router discovery (without them IPv6 stops working
 * under a DROP policy) and DHCP replies to the device's client.
 */
const ALWAYS = [
  'iif "lo" accept',
  'ct state established,related accept',
  'icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, nd-router-solicit } accept',
  'udp sport 67 udp dport 68 accept',
];

/**
 * The whole ruleset file: one transaction that replaces firewalld's table (creating it first so
 * the delete cannot fail), or only removes it when nothing is enforced. `nft -f` applies it
 * atomically: the old rules stay until the new ones are all in.
 */
export function renderRuleset(e: Enforced): string {
  const head = [`add table inet ${TABLE}`, `delete table inet ${TABLE}`];
  if (!e.rules && !e.legacy?.enabled) return head.join('\n') + '\n';
  const policy = e.rules?.defaultPolicy === 'DROP' ? 'drop' : 'accept';
  const body = [...ALWAYS, ...(e.legacy?.enabled ? legacyLines(e.legacy) : []), ...(e.rules?.rules ?? []).flatMap((r, i) => ruleLines(r, i + 1))];
  return [...head, `table inet ${TABLE} {`, '  chain input {', `    type filter hook input priority filter; policy ${policy};`, ...body.map((l) => `    ${l}`), '  }', '}', ''].join('\n');
}

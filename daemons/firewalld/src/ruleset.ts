import { BelfryError } from '@belfry/core';
import { parseCidr, parseIp, type Ip } from './addr.js';
import { fwError, MAX_FALLBACK_S, MAX_RULES, parseRule, POLICIES, type Policy, type Rule, type RuleSet } from './model.js';

/** The body of `conf/setRules`: the rule set and the test time (0 = apply without testing). */
export function parseSetRules(data: unknown): { set: RuleSet; fallbackTime: number } {
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw fwError(103, 'data must be {"rules","defaultPolicy","fallbackTime"}');
  const d = data as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!['rules', 'defaultPolicy', 'fallbackTime'].includes(k)) throw fwError(103, `unknown member ${JSON.stringify(k.slice(0, 64))}`);
  if (!Array.isArray(d.rules)) throw fwError(103, 'rules must be a list');
  if (d.rules.length > MAX_RULES) throw new BelfryError('limit_exceeded', `at most ${MAX_RULES} rules (got ${d.rules.length})`);
  if (typeof d.defaultPolicy !== 'string' || !POLICIES.includes(d.defaultPolicy as Policy)) throw fwError(103, 'defaultPolicy must be ACCEPT or DROP');
  const ft = d.fallbackTime ?? 0;
  if (typeof ft !== 'number' || !Number.isInteger(ft) || ft < 0 || ft > MAX_FALLBACK_S) throw fwError(103, `fallbackTime must be whole seconds 0–${MAX_FALLBACK_S}`);
  const rules = d.rules.map((r, i) => parseRule(r, i));
  checkOverlaps(rules);
  return { set: { rules, defaultPolicy: d.defaultPolicy as Policy }, fallbackTime: ft };
}

interface Span {
  i: number;
  kind: string;
  first: bigint;
  last: bigint;
}

function spans(rules: Rule[]): { ip: Span[]; port: Span[] } {
  const ip: Span[] = [];
  const port: Span[] = [];
  rules.forEach((r, i) => {
    if (r.ipRange) {
      const a = parseIp(r.ipRange.start)!;
      ip.push({ i, kind: `ip${a.family}`, first: a.value, last: parseIp(r.ipRange.end)!.value });
    }
    if (r.portRange) port.push({ i, kind: r.portRange.portType, first: BigInt(r.portRange.start), last: BigInt(r.portRange.end) });
  });
  return { ip, port };
}

const partial = (a: Span, b: Span) => a.kind === b.kind && a.first <= b.last && b.first <= a.last && !(a.first <= b.first && b.last <= a.last) && !(b.first <= a.first && a.last <= b.last);

/**
 * Two ranges of the same kind that overlap only in part (neither holds the other) are refused:
 * first match wins, so the shared part silently follows the earlier rule — almost always a typo
 * (Belfry choice). Nested ranges (an exception before a wider rule) and disjoint ones are fine.
 */
function checkOverlaps(rules: Rule[]): void {
  const { ip, port } = spans(rules);
  for (const [list, code] of [[ip, 101], [port, 104]] as const)
    for (let a = 0; a < list.length; a++)
      for (let b = a + 1; b < list.length; b++)
        if (partial(list[a]!, list[b]!)) throw fwError(code, `rules[${list[a]!.i}] and rules[${list[b]!.i}]: overlapping ranges (one must hold the other, or neither overlap)`);
}

/** What a connection looks like to the lock-out check: its source, and TCP to the port it used. */
export interface Flow {
  ip: Ip;
  tcpPort: number;
}

function l3Matches(r: Rule, ip: Ip): boolean {
  if (r.ip) {
    const c = parseCidr(r.ip)!;
    return c.family === ip.family && c.first <= ip.value && ip.value <= c.last;
  }
  if (r.ipRange) {
    const a = parseIp(r.ipRange.start)!;
    return a.family === ip.family && a.value <= ip.value && ip.value <= parseIp(r.ipRange.end)!.value;
  }
  return true;
}

function l4Matches(r: Rule, port: number): boolean {
  if (r.udpPort !== null) return false;
  if (r.tcpPort !== null) return r.tcpPort === port;
  if (r.port) return r.port.portType !== 'UDP' && r.port.portNum === port;
  if (r.portRange) return r.portRange.portType !== 'UDP' && r.portRange.start <= port && port <= r.portRange.end;
  return true;
}

/**
 * Whether `set` would let `flow` in. A TCP connection is unicast; a MAC rule is left out (the check
 * cannot know the caller's MAC address), and a LIMIT rule counts as accepting (it accepts up to its
 * rate). Established connections are always allowed, so this is about the caller's next connection.
 */
export function admits(set: RuleSet, flow: Flow): boolean {
  for (const r of set.rules) {
    if (r.mac || (r.pktType && r.pktType !== 'UNICAST')) continue;
    if (!l3Matches(r, flow.ip) || !l4Matches(r, flow.tcpPort)) continue;
    return r.filter ? r.filter.policy === 'ACCEPT' : true;
  }
  return set.defaultPolicy === 'ACCEPT';
}

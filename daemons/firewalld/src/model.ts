import { BelfryError } from '@belfry/core';
import { parseCidr, parseIp } from './addr.js';

/**
 * The firewall's rule model, as `/config/rest/firewall/v1` carries it: every member present, null
 * where a rule leaves it out (rules read back that way). First matching rule wins, else the default
 * policy.
 */
export type Policy = 'ACCEPT' | 'DROP';
export type PortType = 'TCP' | 'UDP' | 'BOTH';
export type PktType = 'UNICAST' | 'BROADCAST' | 'MULTICAST';
export const PERIODS = ['SECOND', 'MINUTE', 'HOUR', 'DAY'] as const;
export const UNITS = ['NEWCONNECTIONS', 'PACKETS'] as const;

export interface Rule {
  ruleType: 'FILTER' | 'LIMIT';
  mac: string | null;
  pktType: PktType | null;
  ip: string | null;
  ipRange: { start: string; end: string } | null;
  tcpPort: number | null;
  udpPort: number | null;
  port: { portType: PortType; portNum: number } | null;
  portRange: { portType: PortType; start: number; end: number } | null;
  filter: { policy: Policy } | null;
  limit: { amount: number; period: (typeof PERIODS)[number]; unit: (typeof UNITS)[number]; burst: number } | null;
}

export interface RuleSet {
  rules: Rule[];
  defaultPolicy: Policy;
}

/** At most this many rules in a set (a PoE speaker's firewall is a short list; nft takes 256 in ~20 ms). */
export const MAX_RULES = 256;
/** The longest test: an hour (the default the page offers is 300 s). */
export const MAX_FALLBACK_S = 3600;

const MEMBERS = ['ruleType', 'mac', 'pktType', 'ip', 'ipRange', 'tcpPort', 'udpPort', 'port', 'portRange', 'filter', 'limit'] as const;

/** The error codes of the firewall API (HTTP 400), each with its text. */
const TEXT = { 100: 'Invalid IP address', 101: 'Invalid IP address range.', 103: 'Invalid request.', 104: 'Invalid port range.' } as const;
export function fwError(restCode: keyof typeof TEXT, detail: string): BelfryError {
  return new BelfryError('invalid_argument', `${TEXT[restCode]} ${detail}`, { details: { restCode } });
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

function only(o: Obj, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw fwError(103, `${where}: unknown member ${JSON.stringify(k.slice(0, 64))}`);
}

function oneOf<T extends string>(v: unknown, values: readonly T[], where: string): T {
  if (typeof v !== 'string' || !values.includes(v as T)) throw fwError(103, `${where} must be one of ${values.join(', ')}`);
  return v as T;
}

function int(v: unknown, min: number, max: number, code: 103 | 104, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw fwError(code, `${where} must be an integer ${min}–${max}`);
  return v;
}

const port = (v: unknown, where: string) => int(v, 1, 65535, 104, where);
const given = (o: Obj, k: string) => o[k] !== undefined && o[k] !== null;

export const POLICIES: readonly Policy[] = ['ACCEPT', 'DROP'];
const PORT_TYPES: readonly PortType[] = ['TCP', 'UDP', 'BOTH'];
const PKT_TYPES: readonly PktType[] = ['UNICAST', 'BROADCAST', 'MULTICAST'];
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

function layer2(o: Obj, where: string): Pick<Rule, 'mac' | 'pktType'> {
  if (given(o, 'mac') && given(o, 'pktType')) throw fwError(103, `${where}: mac and pktType are both layer 2 matches; give one`);
  if (given(o, 'mac') && (typeof o.mac !== 'string' || !MAC.test(o.mac))) throw fwError(103, `${where}.mac must be a MAC address (aa:bb:cc:dd:ee:ff)`);
  return { mac: given(o, 'mac') ? (o.mac as string).toLowerCase() : null, pktType: given(o, 'pktType') ? oneOf(o.pktType, PKT_TYPES, `${where}.pktType`) : null };
}

function layer3(o: Obj, where: string): Pick<Rule, 'ip' | 'ipRange'> {
  if (given(o, 'ip') && given(o, 'ipRange')) throw fwError(103, `${where}: ip and ipRange are both layer 3 matches; give one`);
  if (given(o, 'ip') && (typeof o.ip !== 'string' || !parseCidr(o.ip))) throw fwError(100, `${where}.ip: ${JSON.stringify(String(o.ip).slice(0, 64))} is not an address or CIDR`);
  let ipRange: Rule['ipRange'] = null;
  if (given(o, 'ipRange')) {
    const r = o.ipRange;
    if (!isObj(r)) throw fwError(101, `${where}.ipRange must be {"start","end"}`);
    only(r, ['start', 'end'], `${where}.ipRange`);
    const a = typeof r.start === 'string' ? parseIp(r.start) : undefined;
    const b = typeof r.end === 'string' ? parseIp(r.end) : undefined;
    if (!a || !b || a.family !== b.family || a.value > b.value) throw fwError(101, `${where}.ipRange: ${JSON.stringify(String(r.start).slice(0, 64))}–${JSON.stringify(String(r.end).slice(0, 64))} is not a range of one family, start before end`);
    ipRange = { start: r.start as string, end: r.end as string };
  }
  return { ip: given(o, 'ip') ? (o.ip as string) : null, ipRange };
}

function layer4(o: Obj, where: string): Pick<Rule, 'tcpPort' | 'udpPort' | 'port' | 'portRange'> {
  const l4 = (['tcpPort', 'udpPort', 'port', 'portRange'] as const).filter((k) => given(o, k));
  if (l4.length > 1) throw fwError(103, `${where}: ${l4.join(' and ')} are all layer 4 matches; give one`);
  const out: Pick<Rule, 'tcpPort' | 'udpPort' | 'port' | 'portRange'> = { tcpPort: null, udpPort: null, port: null, portRange: null };
  if (given(o, 'tcpPort')) out.tcpPort = port(o.tcpPort, `${where}.tcpPort`);
  if (given(o, 'udpPort')) out.udpPort = port(o.udpPort, `${where}.udpPort`);
  if (given(o, 'port')) {
    const p = o.port;
    if (!isObj(p)) throw fwError(104, `${where}.port must be {"portType","portNum"}`);
    only(p, ['portType', 'portNum'], `${where}.port`);
    out.port = { portType: oneOf(p.portType, PORT_TYPES, `${where}.port.portType`), portNum: port(p.portNum, `${where}.port.portNum`) };
  }
  if (given(o, 'portRange')) {
    const p = o.portRange;
    if (!isObj(p)) throw fwError(104, `${where}.portRange must be {"portType","start","end"}`);
    only(p, ['portType', 'start', 'end'], `${where}.portRange`);
    const r = { portType: oneOf(p.portType, PORT_TYPES, `${where}.portRange.portType`), start: port(p.start, `${where}.portRange.start`), end: port(p.end, `${where}.portRange.end`) };
    if (r.start > r.end) throw fwError(104, `${where}.portRange: ${r.start}–${r.end} starts after it ends`);
    out.portRange = r;
  }
  return out;
}

function action(o: Obj, ruleType: Rule['ruleType'], where: string): Pick<Rule, 'filter' | 'limit'> {
  if (ruleType === 'FILTER') {
    if (given(o, 'limit')) throw fwError(103, `${where}: a FILTER rule has no limit`);
    if (!isObj(o.filter)) throw fwError(103, `${where}.filter must be {"policy":"ACCEPT"|"DROP"}`);
    only(o.filter, ['policy'], `${where}.filter`);
    return { filter: { policy: oneOf(o.filter.policy, POLICIES, `${where}.filter.policy`) }, limit: null };
  }
  if (given(o, 'filter')) throw fwError(103, `${where}: a LIMIT rule has no filter`);
  const l = o.limit;
  if (!isObj(l)) throw fwError(103, `${where}.limit must be {"amount","period","unit","burst"}`);
  only(l, ['amount', 'period', 'unit', 'burst'], `${where}.limit`);
  return {
    filter: null,
    limit: { amount: int(l.amount, 1, 65535, 103, `${where}.limit.amount`), period: oneOf(l.period, PERIODS, `${where}.limit.period`), unit: oneOf(l.unit, UNITS, `${where}.limit.unit`), burst: int(l.burst, 1, 65535, 103, `${where}.limit.burst`) },
  };
}

/** One rule from the wire, checked whole; `i` names it in errors (rule 1 is the first). */
export function parseRule(v: unknown, i: number): Rule {
  const where = `rules[${i}]`;
  if (!isObj(v)) throw fwError(103, `${where} must be an object`);
  only(v, MEMBERS, where);
  const ruleType = oneOf(v.ruleType, ['FILTER', 'LIMIT'] as const, `${where}.ruleType`);
  return { ruleType, ...layer2(v, where), ...layer3(v, where), ...layer4(v, where), ...action(v, ruleType, where) };
}

// The firewall editor's draft: a rule as form text (every match as the user typed it), to and from
// the wire's Rule, and which field a device refusal (codes 100, 101, 104) belongs to.
import type { Policy, PortType, PktType, Rule } from './firewall-api.js';
import { PERIODS, UNITS } from './firewall-api.js';

export type L2 = 'none' | 'mac' | 'pktType';
export type L3 = 'none' | 'ip' | 'ipRange';
export type L4 = 'none' | 'tcpPort' | 'udpPort' | 'port' | 'portRange';

export interface Draft {
  ruleType: 'FILTER' | 'LIMIT';
  l2: L2;
  mac: string;
  pktType: PktType;
  l3: L3;
  ip: string;
  ipStart: string;
  ipEnd: string;
  l4: L4;
  portType: PortType;
  port: string;
  portEnd: string;
  policy: Policy;
  amount: string;
  period: (typeof PERIODS)[number];
  unit: (typeof UNITS)[number];
  burst: string;
}

export const NEW_RULE: Draft = {
  ruleType: 'FILTER', l2: 'none', mac: '', pktType: 'UNICAST', l3: 'ip', ip: '', ipStart: '', ipEnd: '', l4: 'none', portType: 'TCP', port: '', portEnd: '',
  policy: 'ACCEPT', amount: '20', period: 'MINUTE', unit: 'NEWCONNECTIONS', burst: '10',
};

export function fromRule(r: Rule): Draft {
  const d: Draft = { ...NEW_RULE, ruleType: r.ruleType, l3: 'none' };
  if (r.mac) Object.assign(d, { l2: 'mac', mac: r.mac });
  else if (r.pktType) Object.assign(d, { l2: 'pktType', pktType: r.pktType });
  if (r.ip) Object.assign(d, { l3: 'ip', ip: r.ip });
  else if (r.ipRange) Object.assign(d, { l3: 'ipRange', ipStart: r.ipRange.start, ipEnd: r.ipRange.end });
  if (r.tcpPort != null) Object.assign(d, { l4: 'tcpPort', port: String(r.tcpPort) });
  else if (r.udpPort != null) Object.assign(d, { l4: 'udpPort', port: String(r.udpPort) });
  else if (r.port) Object.assign(d, { l4: 'port', portType: r.port.portType, port: String(r.port.portNum) });
  else if (r.portRange) Object.assign(d, { l4: 'portRange', portType: r.portRange.portType, port: String(r.portRange.start), portEnd: String(r.portRange.end) });
  if (r.filter) d.policy = r.filter.policy;
  if (r.limit) Object.assign(d, { amount: String(r.limit.amount), period: r.limit.period, unit: r.limit.unit, burst: String(r.limit.burst) });
  return d;
}

/** The wire rule: only the chosen match of each layer; numbers as typed (the device checks them). */
export function toRule(d: Draft): Rule {
  const r: Rule = { ruleType: d.ruleType };
  if (d.l2 === 'mac') r.mac = d.mac.trim();
  if (d.l2 === 'pktType') r.pktType = d.pktType;
  if (d.l3 === 'ip') r.ip = d.ip.trim();
  if (d.l3 === 'ipRange') r.ipRange = { start: d.ipStart.trim(), end: d.ipEnd.trim() };
  if (d.l4 === 'tcpPort') r.tcpPort = Number(d.port);
  if (d.l4 === 'udpPort') r.udpPort = Number(d.port);
  if (d.l4 === 'port') r.port = { portType: d.portType, portNum: Number(d.port) };
  if (d.l4 === 'portRange') r.portRange = { portType: d.portType, start: Number(d.port), end: Number(d.portEnd) };
  if (d.ruleType === 'FILTER') r.filter = { policy: d.policy };
  else r.limit = { amount: Number(d.amount), period: d.period, unit: d.unit, burst: Number(d.burst) };
  return r;
}

const V4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const isIp = (s: string) => V4.test(s) || (s.includes(':') && /^[0-9a-f:.]+$/i.test(s));
/** A plausible address or CIDR: used only to find which rule a device refusal is about. */
export function plausibleCidr(s: string): boolean {
  const [addr, bits, ...more] = s.trim().split('/');
  if (more.length || !addr || !isIp(addr)) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (addr.includes(':') ? 128 : 32));
}

/** The field (`<rule index>.<field>`) a device refusal names by its code, or undefined for the form. */
export function fieldOf(code: number, message: string, drafts: Draft[], lastEdited: number): string | undefined {
  const field = code === 100 ? 'ip' : code === 101 ? 'ipRange' : code === 104 ? 'portRange' : undefined;
  if (!field) return undefined;
  const has = (d: Draft) => (field === 'ip' ? d.l3 === 'ip' : field === 'ipRange' ? d.l3 === 'ipRange' : d.l4 === 'portRange' || d.l4 === 'port' || d.l4 === 'tcpPort' || d.l4 === 'udpPort');
  const named = drafts.findIndex((d) => has(d) && ((field === 'ip' && d.ip && message.includes(d.ip)) || (field === 'ipRange' && d.ipStart && message.includes(d.ipStart))));
  const suspect = drafts.findIndex((d) => has(d) && (field === 'ip' ? !plausibleCidr(d.ip) : field === 'ipRange' ? !isIp(d.ipStart.trim()) || !isIp(d.ipEnd.trim()) : Number(d.port) > Number(d.portEnd || d.port)));
  const i = named >= 0 ? named : suspect >= 0 ? suspect : drafts[lastEdited] && has(drafts[lastEdited]) ? lastEdited : drafts.findIndex(has);
  return i >= 0 ? `${i}.${field === 'portRange' ? 'port' : field}` : undefined;
}

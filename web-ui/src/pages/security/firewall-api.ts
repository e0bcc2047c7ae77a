// firewalld's /config/rest/firewall/v1: the activated switch, the rules (active and pending), and
// test / confirm / roll back. Shapes as the wire contract gives them; omitted members read back null.
import { request } from '../../api/http.js';
import { rest } from './rest.js';

const BASE = '/config/rest/firewall/v1';

export type Policy = 'ACCEPT' | 'DROP';
export type PortType = 'TCP' | 'UDP' | 'BOTH';
export type PktType = 'UNICAST' | 'BROADCAST' | 'MULTICAST';
export const PERIODS = ['SECOND', 'MINUTE', 'HOUR', 'DAY'] as const;
export const UNITS = ['NEWCONNECTIONS', 'PACKETS'] as const;

export interface Rule {
  ruleType: 'FILTER' | 'LIMIT';
  mac?: string | null;
  pktType?: PktType | null;
  ip?: string | null;
  ipRange?: { start: string; end: string } | null;
  tcpPort?: number | null;
  udpPort?: number | null;
  port?: { portType: PortType; portNum: number } | null;
  portRange?: { portType: PortType; start: number; end: number } | null;
  filter?: { policy: Policy } | null;
  limit?: { amount: number; period: (typeof PERIODS)[number]; unit: (typeof UNITS)[number]; burst: number } | null;
}

export interface RulesState {
  activeRules: Rule[];
  activeDefaultPolicy: Policy;
  pendingRules: Rule[];
  pendingDefaultPolicy: Policy | null;
  /** seconds until the test rolls back; 0 when no test runs */
  testTimeLeft: number;
}

export const firewallApi = {
  /** whether the device has the firewall API (`/config/discover` lists what the daemons declare) */
  present: async () => 'firewall' in (await request<Record<string, unknown>>('GET', '/config/discover/apis')),
  activated: () => rest<boolean>('GET', `${BASE}/activated`),
  setActivated: (on: boolean) => rest('PATCH', `${BASE}/activated`, on),
  rules: () => rest<RulesState>('GET', `${BASE}/conf/rules`),
  /** `fallbackTime` 0 applies and confirms at once; above 0 it is a test that rolls back unless confirmed */
  setRules: (rules: Rule[], defaultPolicy: Policy, fallbackTime: number) => rest('POST', `${BASE}/conf/setRules`, { rules, defaultPolicy, fallbackTime }),
  confirm: () => rest('POST', `${BASE}/conf/confirmRules`, {}),
  rollBack: () => rest('POST', `${BASE}/conf/clearPendingRules`, {}),
};

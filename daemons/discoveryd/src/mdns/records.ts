import type { Answer, Question, RecordType } from 'dns-packet';

export const SERVICE = '_axis-video._tcp.local';
export const SERVICES_ENUM = '_services._dns-sd._udp.local';
/** RFC 6762 §10: 120 s for records with a host name, 75 min for the others */
const TTL_HOST = 120;
const TTL_OTHER = 4500;

/** A DNS label as dns-packet writes it (a `.` inside a label escaped). */
export const label = (s: string) => s.replace(/\\/g, '\\\\').replace(/\./g, '\\.');

/** What the device publishes on one interface. */
export interface MdnsData {
  /** instance label: `Network.Bonjour.FriendlyName` */
  instance: string;
  /** host label: `Network.HostName` */
  host: string;
  port: number;
  /** the 12-hex MAC (TXT `macaddress`) */
  mac: string;
  /** the interface's routable and link-local IPv4 addresses (FF's bonjour wants both) */
  addresses: string[];
}

export const instanceName = (d: MdnsData) => `${label(d.instance)}.${SERVICE}`;
export const hostName = (d: MdnsData) => `${label(d.host)}.local`;

export function records(d: MdnsData, ttl?: number): { ptr: Answer; enumPtr: Answer; srv: Answer; txt: Answer; a: Answer[] } {
  const inst = instanceName(d);
  const host = hostName(d);
  return {
    ptr: { name: SERVICE, type: 'PTR', ttl: ttl ?? TTL_OTHER, data: inst },
    enumPtr: { name: SERVICES_ENUM, type: 'PTR', ttl: ttl ?? TTL_OTHER, data: SERVICE },
    srv: { name: inst, type: 'SRV', ttl: ttl ?? TTL_HOST, flush: true, data: { port: d.port, target: host, priority: 0, weight: 0 } },
    txt: { name: inst, type: 'TXT', ttl: ttl ?? TTL_OTHER, flush: true, data: [`macaddress=${d.mac}`] },
    a: d.addresses.map((ip) => ({ name: host, type: 'A', ttl: ttl ?? TTL_HOST, flush: true, data: ip }) as Answer),
  };
}

/** Every record, for announcements and goodbyes (`ttl` 0). */
export function allRecords(d: MdnsData, ttl?: number): Answer[] {
  const r = records(d, ttl);
  return [r.ptr, r.enumPtr, r.srv, r.txt, ...r.a];
}

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const wants = (q: Question, type: string) => q.type === type || (q.type as string) === 'ANY';
/** dns-packet knows type ANY (255); its types do not list it */
export const ANY = 'ANY' as RecordType;

/** The answers and additional records for the questions this device can answer (none: stay silent). */
export function answer(d: MdnsData, questions: Question[]): { answers: Answer[]; additionals: Answer[] } {
  const r = records(d);
  const answers: Answer[] = [];
  const additionals: Answer[] = [];
  const add = (list: Answer[], rec: Answer) => {
    if (!answers.includes(rec) && !list.includes(rec)) list.push(rec);
  };
  for (const q of questions) {
    if (eq(q.name, SERVICE) && wants(q, 'PTR')) {
      add(answers, r.ptr);
      for (const x of [r.srv, r.txt, ...r.a]) add(additionals, x);
    } else if (eq(q.name, SERVICES_ENUM) && wants(q, 'PTR')) add(answers, r.enumPtr);
    else if (eq(q.name, instanceName(d))) {
      if (wants(q, 'SRV')) add(answers, r.srv);
      if (wants(q, 'TXT')) add(answers, r.txt);
      for (const x of r.a) add(additionals, x);
    } else if (eq(q.name, hostName(d)) && wants(q, 'A')) for (const x of r.a) add(answers, x);
  }
  return { answers, additionals: additionals.filter((x) => !answers.includes(x)) };
}

/** Whether a response from someone else claims one of our unique names (a conflict while probing). */
export function conflicts(d: MdnsData, theirs: Answer[]): 'instance' | 'host' | undefined {
  for (const a of theirs) {
    if (eq(a.name, instanceName(d)) && (a.type === 'SRV' || a.type === 'TXT')) return 'instance';
    if (eq(a.name, hostName(d)) && a.type === 'A' && !d.addresses.includes(String(a.data))) return 'host';
  }
  return undefined;
}

/** The name to try at attempt `n` (1 = the configured one): `name (2)`, `name (3)`, … and `host-2`, … */
export function renamed(base: string, which: 'instance' | 'host', n: number): string {
  if (n < 2) return base;
  return which === 'instance' ? `${base} (${n})` : `${base}-${n}`;
}

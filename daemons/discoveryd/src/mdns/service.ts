import type makeMdns from 'multicast-dns';
import type { RemoteInfo } from 'node:dgram';
import type { Answer, Packet } from 'dns-packet';
import type { DiscoveryConfig, Iface } from '../config.js';
import { onIface } from '../interfaces.js';
import { RateLimit } from '../rate-limit.js';
import type { Logger } from '../udp.js';
import { allRecords, answer, ANY, conflicts, renamed, records, type MdnsData } from './records.js';

export const MDNS_GROUP = '224.0.0.251';
const PROBES = 3;
const PROBE_GAP_MS = 250;
const MAX_ATTEMPTS = 10;
/** RFC 6762 §6.7: answers to a legacy (one-shot, not port 5353) query carry at most this TTL */
const LEGACY_TTL = 10;

type Mdns = ReturnType<typeof makeMdns>;

/**
 * DNS-SD over mDNS on one interface (multicast-dns does the wire format): `_axis-video._tcp` with TXT
 * `macaddress` and A records for the interface's routable and link-local addresses. Probes its names
 * first (RFC 6762 §8.1; renames on a conflict: `name (2)`, `host-2`), announces twice, answers
 * queries from its interface's subnets, and says goodbye (TTL 0) when stopped.
 */
class MdnsOnIface {
  private m: Mdns | undefined;
  private data: MdnsData;
  private probing = true;
  private conflict: 'instance' | 'host' | undefined;
  private stopped = false;
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly iface: Iface,
    private readonly cfg: DiscoveryConfig,
    private readonly limit: RateLimit,
    private readonly log: Logger,
  ) {
    this.data = dataFor(iface, cfg, 1, 1);
  }

  /** The names settled on after probing. */
  get published(): MdnsData {
    return this.data;
  }

  async start(): Promise<void> {
    // loaded with the first interface it serves: none on the simulated board by default
    const { default: mdns } = await import('multicast-dns');
    const m = mdns({ interface: this.iface.address, bind: '0.0.0.0', port: this.cfg.ports.mdns, loopback: false, reuseAddr: true });
    m.on('warning', (err: Error) => this.log.debug({ err: err.message, iface: this.iface.name }, 'mdns datagram dropped'));
    m.on('error', (err: Error) => this.log.warn({ err: err.message, iface: this.iface.name }, 'mdns socket error'));
    m.on('query', (q: Packet, r: RemoteInfo) => this.onQuery(q, r));
    m.on('response', (p: Packet, r: RemoteInfo) => this.onResponse(p, r));
    await new Promise<void>((resolve, reject) => {
      m.once('ready', resolve);
      m.once('error', reject);
    });
    if (this.stopped) return void m.destroy();
    this.m = m;
    await this.probe();
    if (this.stopped) return;
    this.probing = false;
    this.announce();
    this.later(1000, () => this.announce());
  }

  private async probe(): Promise<void> {
    for (let attempt = 1, inst = 1, host = 1; attempt <= MAX_ATTEMPTS && !this.stopped; attempt++) {
      this.data = dataFor(this.iface, this.cfg, inst, host);
      this.conflict = undefined;
      const r = records(this.data);
      for (let i = 0; i < PROBES && !this.conflict && !this.stopped; i++) {
        this.m?.query({ questions: [{ name: r.srv.name, type: ANY }, { name: r.a[0]?.name ?? r.srv.name, type: ANY }], authorities: [r.srv, r.txt, ...r.a] });
        await new Promise<void>((res) => this.later(PROBE_GAP_MS, res));
      }
      if (!this.conflict) return;
      this.log.warn({ iface: this.iface.name, name: this.conflict === 'instance' ? this.data.instance : this.data.host }, 'mdns name taken on the network; trying another');
      if (this.conflict === 'instance') inst++;
      else host++;
    }
  }

  private announce(): void {
    if (!this.stopped) this.m?.respond({ answers: allRecords(this.data) });
  }

  /** From this interface's subnets (a socket bound to all addresses hears every interface's group traffic). */
  private fromHere(r: RemoteInfo): boolean {
    return onIface(this.iface, r.address);
  }

  /** Not from this device itself (a local querier is fine, but our own records are no conflict). */
  private fromOthers(r: RemoteInfo): boolean {
    return this.fromHere(r) && r.address !== this.iface.address && r.address !== this.iface.linkLocal;
  }

  private onResponse(p: Packet, r: RemoteInfo): void {
    if (!this.probing || !this.fromOthers(r)) return;
    this.conflict ??= conflicts(this.data, [...(p.answers ?? []), ...(p.additionals ?? [])]);
  }

  private onQuery(q: Packet, r: RemoteInfo): void {
    if (this.probing || this.stopped || !this.fromHere(r) || !q.questions?.length) return;
    const { answers, additionals } = answer(this.data, q.questions);
    if (!answers.length || !this.limit.take(r.address)) return;
    if (r.port === this.cfg.ports.mdns) this.m?.respond({ answers, additionals });
    else {
      // a one-shot querier (not on port 5353): unicast, the question echoed, short TTLs
      const cap = (a: Answer): Answer => ({ ...a, ttl: Math.min((a as { ttl?: number }).ttl ?? LEGACY_TTL, LEGACY_TTL) }) as Answer;
      this.m?.respond({ id: q.id, questions: q.questions, answers: answers.map(cap), additionals: additionals.map(cap) }, { port: r.port, address: r.address } as never);
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  async stop(goodbye: boolean): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    const m = this.m;
    if (!m) return;
    if (goodbye && !this.probing) await new Promise<void>((res) => m.respond({ answers: allRecords(this.data, 0) }, () => res()));
    await new Promise<void>((res) => m.destroy(() => res()));
  }
}

function dataFor(iface: Iface, cfg: DiscoveryConfig, inst: number, host: number): MdnsData {
  return {
    instance: renamed(cfg.settings.bonjourName.replace(/\./g, ' '), 'instance', inst),
    host: renamed(cfg.identity.hostName, 'host', host),
    port: cfg.settings.httpPort,
    mac: cfg.identity.serial,
    addresses: [iface.address, ...(iface.linkLocal ? [iface.linkLocal] : [])],
  };
}

/** mDNS on every served interface, on while `Network.Bonjour.Enabled`. */
export class MdnsService {
  private on: MdnsOnIface[] = [];
  readonly limit = new RateLimit();

  constructor(
    private cfg: DiscoveryConfig,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    if (!this.cfg.settings.bonjour) return;
    this.on = this.cfg.ifaces.map((i) => new MdnsOnIface(i, this.cfg, this.limit, this.log));
    // probing takes ~750 ms per interface, in parallel; the daemon is ready before it ends
    for (const o of this.on) o.start().catch((err: Error) => this.log.warn({ err: err.message }, 'mdns could not start'));
  }

  /** What each interface published (after probing), for tests. */
  published(): MdnsData[] {
    return this.on.map((o) => o.published);
  }

  /** Any change of name, port or address: goodbye for the old records, probe and announce the new. */
  async update(cfg: DiscoveryConfig): Promise<void> {
    await this.stop();
    this.cfg = cfg;
    await this.start();
  }

  async stop(): Promise<void> {
    const on = this.on;
    this.on = [];
    await Promise.all(on.map((o) => o.stop(true)));
  }
}

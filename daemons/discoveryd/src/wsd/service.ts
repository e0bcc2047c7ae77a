import type { RemoteInfo } from 'node:dgram';
import { endpointUuid, type DiscoveryConfig, type Iface } from '../config.js';
import { ifaceFor } from '../interfaces.js';
import { RateLimit } from '../rate-limit.js';
import { MulticastSocket, type Logger } from '../udp.js';
import { AppSequence, bye, deviceScopes, hello, probeMatches, resolveMatches, xaddr, type Endpoint } from './messages.js';
import { parseWsd, scopesMatch, typesMatch } from './parse.js';

export const WSD_GROUP = '239.255.255.250';

/**
 * WS-Discovery (ONVIF's device discovery): Hello when started or when addresses change, Bye when
 * stopped or made non-discoverable, ProbeMatches and ResolveMatches unicast to the asker after a
 * random delay (APP_MAX_DELAY), rate-limited. Anything it does not understand gets silence.
 */
export class WsdService {
  private sock: MulticastSocket;
  private seq = new AppSequence();
  private timers = new Set<NodeJS.Timeout>();
  readonly limit = new RateLimit();
  /** answers sent (for tests and the bench) */
  answered = 0;

  constructor(
    private cfg: DiscoveryConfig,
    private readonly log: Logger,
  ) {
    this.sock = new MulticastSocket(WSD_GROUP, cfg.ports.wsd, log);
  }

  private get on(): boolean {
    return this.cfg.settings.wsDiscovery;
  }

  /** What this device says on `iface` (its XAddrs list that interface's address first). */
  endpoint(iface: Iface | undefined): Endpoint {
    const { settings, ifaces } = this.cfg;
    const first = iface ? [iface] : [];
    const addrs = [...first, ...ifaces.filter((i) => i !== iface)].map((i) => xaddr(i.address, settings.httpPort));
    return { identity: this.cfg.identity, scopes: deviceScopes(this.cfg.identity, settings.scopes), xaddrs: addrs };
  }

  async start(): Promise<void> {
    await this.sock.open(this.cfg.ifaces, (m, r) => this.onDatagram(m, r));
    if (this.on) await this.helloAll();
  }

  /** New settings or addresses: Hello when (again) discoverable, moved or given new scopes, Bye when made non-discoverable. */
  async update(cfg: DiscoveryConfig, moved: boolean): Promise<void> {
    const was = this.on;
    const rescoped = this.cfg.settings.scopes.join(' ') !== cfg.settings.scopes.join(' ');
    this.cfg = cfg;
    if (moved) await this.reopen();
    if (was && !this.on) await this.byeAll();
    else if (this.on && (!was || moved || rescoped)) await this.helloAll();
  }

  /** A new socket for the new interfaces (memberships follow the addresses). */
  private async reopen(): Promise<void> {
    await this.sock.close();
    this.sock = new MulticastSocket(WSD_GROUP, this.cfg.ports.wsd, this.log);
    await this.sock.open(this.cfg.ifaces, (m, r) => this.onDatagram(m, r));
  }

  private async helloAll(): Promise<void> {
    for (const i of this.cfg.ifaces) await this.sock.multicast(i, hello(this.endpoint(i), this.seq));
  }

  private async byeAll(): Promise<void> {
    for (const i of this.cfg.ifaces) await this.sock.multicast(i, bye({ identity: this.cfg.identity }, this.seq));
  }

  onDatagram(msg: Buffer, from: RemoteInfo): void {
    if (!this.on) return;
    const req = parseWsd(msg);
    if (!req) return;
    if (req.kind === 'probe' && !(typesMatch(req.types) && scopesMatch(req.scopes, this.endpoint(undefined).scopes))) return;
    if (req.kind === 'resolve' && req.address !== endpointUuid(this.cfg.identity.serial)) return;
    if (!this.limit.take(from.address)) return;
    const iface = ifaceFor(this.cfg.ifaces, from.address);
    const ep = this.endpoint(iface);
    const delay = Math.random() * this.cfg.maxReplyDelayMs;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.on) return;
      const body = req.kind === 'probe' ? probeMatches(ep, req.messageId, this.seq) : resolveMatches(ep, req.messageId, this.seq);
      this.answered++;
      void this.sock.unicast(from.address, from.port, body);
    }, delay);
    this.timers.add(t);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.on) await this.byeAll();
    await this.sock.close();
  }
}

import type { RemoteInfo } from 'node:dgram';
import type { DiscoveryConfig } from '../config.js';
import { ifaceFor } from '../interfaces.js';
import { RateLimit } from '../rate-limit.js';
import { MulticastSocket, type Logger } from '../udp.js';
import { location, matching, MAX_AGE_S, notifyAlive, notifyByebye, parseMSearch, searchResponse, SSDP_GROUP, targets } from './messages.js';

/**
 * SSDP (UPnP discovery): answers M-SEARCH for ssdp:all, upnp:rootdevice, the UDN, the device type
 * and Axis' BasicService, unicast after a random delay within MX; NOTIFY ssdp:alive at start, on an
 * address change and every max-age/2; ssdp:byebye when stopped or turned off (`Network.UPnP.Enabled`).
 */
export class SsdpService {
  private sock: MulticastSocket;
  private timers = new Set<NodeJS.Timeout>();
  private renew: NodeJS.Timeout | undefined;
  readonly limit = new RateLimit();
  answered = 0;

  constructor(
    private cfg: DiscoveryConfig,
    private readonly log: Logger,
  ) {
    this.sock = new MulticastSocket(SSDP_GROUP, cfg.ports.ssdp, log, 2);
  }

  private get on(): boolean {
    return this.cfg.settings.upnp;
  }

  async start(): Promise<void> {
    await this.sock.open(this.cfg.ifaces, (m, r) => this.onDatagram(m, r));
    this.renew = setInterval(() => void this.alive(), (MAX_AGE_S / 2) * 1000).unref();
    await this.alive();
  }

  async update(cfg: DiscoveryConfig, moved: boolean): Promise<void> {
    const was = this.on;
    this.cfg = cfg;
    if (moved) {
      await this.sock.close();
      this.sock = new MulticastSocket(SSDP_GROUP, cfg.ports.ssdp, this.log, 2);
      await this.sock.open(cfg.ifaces, (m, r) => this.onDatagram(m, r));
    }
    if (was && !this.on) await this.byebye();
    else if (this.on) await this.alive();
  }

  private async alive(): Promise<void> {
    if (!this.on) return;
    const { identity, settings } = this.cfg;
    for (const i of this.cfg.ifaces) for (const t of targets(identity.serial)) await this.sock.multicast(i, notifyAlive(t, location(i.address, settings.httpPort), identity));
  }

  private async byebye(): Promise<void> {
    for (const i of this.cfg.ifaces) for (const t of targets(this.cfg.identity.serial)) await this.sock.multicast(i, notifyByebye(t));
  }

  onDatagram(msg: Buffer, from: RemoteInfo): void {
    if (!this.on) return;
    const q = parseMSearch(msg);
    if (!q) return;
    const found = matching(q.st, this.cfg.identity.serial);
    if (!found.length || !this.limit.take(from.address)) return;
    const iface = ifaceFor(this.cfg.ifaces, from.address);
    if (!iface) return;
    const loc = location(iface.address, this.cfg.settings.httpPort);
    const delay = q.mx === undefined ? 0 : Math.random() * Math.min(q.mx * 1000, this.cfg.maxReplyDelayMs);
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.on) return;
      this.answered++;
      for (const f of found) void this.sock.unicast(from.address, from.port, searchResponse(f, loc, this.cfg.identity));
    }, delay);
    this.timers.add(t);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    clearInterval(this.renew);
    if (this.on) await this.byebye();
    await this.sock.close();
  }
}

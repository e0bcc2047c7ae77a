import type { DiscoveryConfig } from './config.js';
import { ifacesKey } from './interfaces.js';
import { MdnsService } from './mdns/service.js';
import { SsdpService } from './ssdp/service.js';
import type { Logger } from './udp.js';
import { WsdService } from './wsd/service.js';

/**
 * The three discovery protocols over one configuration. The daemon (main.ts) feeds it from params and
 * the OS's interfaces; tests run it in a network namespace with a configuration of their own.
 */
export class Discovery {
  readonly wsd: WsdService;
  readonly ssdp: SsdpService;
  readonly mdns: MdnsService;

  constructor(
    private cfg: DiscoveryConfig,
    private readonly log: Logger,
  ) {
    this.wsd = new WsdService(cfg, log);
    this.ssdp = new SsdpService(cfg, log);
    this.mdns = new MdnsService(cfg, log);
  }

  get config(): DiscoveryConfig {
    return this.cfg;
  }

  /**
   * Starts each protocol; one that cannot (its port taken by a program that does not share it) is
   * one warning, and the others still run.
   */
  async start(): Promise<void> {
    const ports = this.cfg.ports;
    for (const [name, port, svc] of [['WS-Discovery', ports.wsd, this.wsd], ['SSDP', ports.ssdp, this.ssdp], ['mDNS', ports.mdns, this.mdns]] as const) {
      try {
        await svc.start();
      } catch (err) {
        this.log.warn({ err: (err as Error).message, port }, `${name} cannot listen on UDP ${port}; the other discovery protocols run`);
      }
    }
  }

  /** New settings or interfaces: each protocol says what changed (Hello/Bye, NOTIFY, re-probe). */
  async update(cfg: DiscoveryConfig): Promise<void> {
    const prev = this.cfg;
    this.cfg = cfg;
    const moved = ifacesKey(prev.ifaces) !== ifacesKey(cfg.ifaces) || prev.settings.httpPort !== cfg.settings.httpPort;
    await this.wsd.update(cfg, moved);
    await this.ssdp.update(cfg, moved);
    const m = (c: DiscoveryConfig) => JSON.stringify([c.settings.bonjour, c.settings.bonjourName, c.identity.hostName]);
    if (moved || m(prev) !== m(cfg)) await this.mdns.update(cfg);
  }

  async stop(): Promise<void> {
    await this.mdns.stop();
    await this.ssdp.stop();
    await this.wsd.stop();
  }
}

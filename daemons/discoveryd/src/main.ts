import type { DaemonModule } from '@belfry/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { portsFromEnv, type DiscoveryConfig } from './config.js';
import { DISCOVERYD_ROUTES } from './contract.js';
import { Discovery } from './discovery.js';
import { ifaceChoice, ifacesKey, pickIfaces } from './interfaces.js';
import { readIdentity, readSettings, watchHttpPort, WATCHED } from './settings.js';
import { baseUrl, rootDescription } from './ssdp/rootdesc.js';

export type { DiscoverydContract } from './contract.js';

/** How often the OS's interfaces are read again (an address change means Hello, NOTIFY, re-announce). */
const IFACE_POLL_MS = 10_000;
/**
 * WS-Discovery's APP_MAX_DELAY; SSDP answers are spread over the same at most.
 * `BELFRY_DISCOVERY_REPLY_DELAY_MS` lowers it (the bench measures the daemon's own latency at 0).
 */
const MAX_REPLY_DELAY_MS = Math.min(500, Math.max(0, Number(process.env.BELFRY_DISCOVERY_REPLY_DELAY_MS ?? 500) || 0));

/**
 * discoveryd: WS-Discovery, SSDP/UPnP and mDNS/DNS-SD on the interfaces `BELFRY_DISCOVERY_IFACES`
 * names (none by default on the simulated board, see interfaces.ts), from params; the UPnP root
 * description on its own socket behind httpd.
 */
export const daemon: DaemonModule = {
  name: 'discoveryd',
  async start(ctx) {
    const choice = ifaceChoice(process.env.BELFRY_DISCOVERY_IFACES, ctx.board.id);
    let httpPort: number | undefined;
    const read = async (): Promise<DiscoveryConfig> => ({
      identity: await readIdentity(ctx),
      settings: await readSettings(ctx, httpPort),
      ifaces: pickIfaces(choice),
      ports: portsFromEnv(),
      maxReplyDelayMs: MAX_REPLY_DELAY_MS,
    });
    let cfg = await read();
    const engine = choice.kind === 'none' ? undefined : new Discovery(cfg, ctx.log);
    if (engine) await engine.start();
    else ctx.log.info('discovery announces nothing on the simulated board unless BELFRY_DISCOVERY_IFACES names interfaces (or `all`)');
    ctx.log.info({ ifaces: cfg.ifaces.map((i) => i.name), ports: cfg.ports }, 'discovery started');

    // one update at a time, in order: params, httpd's port and the interface poll all end here
    let chain = Promise.resolve();
    const refresh = () => {
      chain = chain
        .then(async () => {
          cfg = await read();
          await engine?.update(cfg);
        })
        .catch((err: Error) => ctx.log.warn({ err: err.message }, 'discovery update failed'));
    };
    const off = ctx.params.onChange('', (changes) => {
      if (Object.keys(changes).some((n) => WATCHED.includes(n))) refresh();
    });
    await watchHttpPort(ctx, (p) => {
      if (p === httpPort) return;
      httpPort = p;
      refresh();
    });
    // nothing to follow when nothing is served (the simulated board): each look is a netlink dump
    const poll =
      choice.kind === 'none'
        ? undefined
        : setInterval(() => {
            if (ifacesKey(pickIfaces(choice)) !== ifacesKey(cfg.ifaces)) refresh();
          }, IFACE_POLL_MS).unref();

    await ctx.serveHttp(DISCOVERYD_ROUTES, { '/rootdesc1.xml': (req, reply) => rootdesc(cfg, req, reply) });
    return {
      async stop() {
        clearInterval(poll);
        off();
        await chain;
        await engine?.stop();
      },
    };
  },
};

/** `GET /rootdesc1.xml`: the current configuration's root description, its base from the request. */
function rootdesc(c: DiscoveryConfig, req: FastifyRequest, reply: FastifyReply) {
  if (!c.settings.upnp) return reply.code(404).type('text/plain').send('UPnP is off\n');
  const proto = req.headers['x-belfry-proto'] === 'https' ? 'https' : 'http';
  const base = baseUrl(req.headers.host, proto, c.ifaces[0]?.address ?? '127.0.0.1', c.settings.httpPort);
  return reply.code(200).type('text/xml; charset=utf-8').send(rootDescription(c.identity, c.settings.upnpName, base));
}

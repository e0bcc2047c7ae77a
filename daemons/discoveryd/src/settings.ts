import type { DaemonContext } from '@belfry/core';
import { T } from '@belfry/core';
import type { Identity, Settings } from './config.js';

/** The params discoveryd reads; a change to any of them updates what it announces. */
export const WATCHED = [
  'WebService.DiscoveryMode',
  'WebService.Scopes',
  'Network.UPnP.Enabled',
  'Network.UPnP.FriendlyName',
  'Network.Bonjour.Enabled',
  'Network.Bonjour.FriendlyName',
  'Network.HostName',
  'Network.HTTP.Port',
];

const IDENTITY = ['Brand.Brand', 'Brand.ProdNbr', 'Brand.ProdFullName', 'Brand.ProdShortName', 'Brand.WebURL', 'Properties.Firmware.Version'];

export async function readIdentity(ctx: DaemonContext): Promise<Identity> {
  const [brand, prodNbr, prodFullName, prodShortName, webURL, firmware] = await Promise.all(IDENTITY.map((n) => ctx.params.get(n)));
  const b = ctx.board.identity;
  return {
    serial: b.serialNumber,
    brand: brand ?? b.brand,
    prodNbr: prodNbr ?? b.prodNbr,
    prodFullName: prodFullName ?? b.prodFullName,
    prodShortName: prodShortName ?? b.prodShortName,
    manufacturerURL: webURL ?? b.webURL,
    firmware: firmware ?? '0',
    hostName: (await ctx.params.get('Network.HostName')) ?? `belfry-${b.serialNumber}`,
  };
}

export async function readSettings(ctx: DaemonContext, httpPort: number | undefined): Promise<Settings> {
  const g = (n: string) => ctx.params.get(n);
  const [mode, scopes, upnp, upnpName, bonjour, bonjourName, port] = await Promise.all(WATCHED.filter((n) => n !== 'Network.HostName').map(g));
  const b = ctx.board.identity;
  const dflt = `${b.prodShortName} - ${b.serialNumber}`;
  return {
    wsDiscovery: (mode ?? 'Discoverable') === 'Discoverable',
    scopes: (scopes ?? '').split(/\s+/).filter(Boolean),
    upnp: upnp !== 'no',
    upnpName: upnpName || dflt,
    bonjour: bonjour !== 'no',
    bonjourName: bonjourName || dflt,
    httpPort: httpPort ?? (Number(port) || 80),
  };
}

/**
 * The port httpd listens on, from its retained `urls` announcement (`HTTP_PORT` may override the
 * param for a run); `onPort` is called with every new value.
 */
export async function watchHttpPort(ctx: DaemonContext, onPort: (port: number) => void): Promise<void> {
  await ctx.bus.subscribe(T.notify('httpd', 'urls'), (_t, payload) => {
    try {
      const { http } = JSON.parse(payload.toString('utf8')) as { http?: string };
      const port = http ? Number(new URL(http).port || 80) : NaN;
      if (Number.isInteger(port) && port > 0) onPort(port);
    } catch {
      // not httpd's shape: keep the port we have
    }
  });
}

import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { Iface } from './config.js';

/**
 * Which interfaces discoveryd serves. `BELFRY_DISCOVERY_IFACES`: a comma-separated list of interface
 * names, `all` (every non-loopback interface with IPv4), or `none`. Unset: `all` on a real board,
 * `none` on the simulated board — a simulated device on a laptop must not announce itself to the LAN
 * (its HTTP API listens on loopback only anyway); tests and dev name the interfaces.
 */
export type IfaceChoice = { kind: 'all' } | { kind: 'none' } | { kind: 'named'; names: string[] };

export function ifaceChoice(env: string | undefined, boardId: string): IfaceChoice {
  const v = (env ?? '').trim();
  if (v === '') return boardId === 'sim' ? { kind: 'none' } : { kind: 'all' };
  if (v === 'all') return { kind: 'all' };
  if (v === 'none') return { kind: 'none' };
  return { kind: 'named', names: v.split(',').map((s) => s.trim()).filter(Boolean) };
}

const isLinkLocal = (a: string) => a.startsWith('169.254.');

/** The served interfaces now: those with a routable IPv4 address (the link-local one rides along). */
export function pickIfaces(choice: IfaceChoice, os: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): Iface[] {
  if (choice.kind === 'none') return [];
  const out: Iface[] = [];
  for (const [name, infos] of Object.entries(os)) {
    if (!infos) continue;
    if (choice.kind === 'named' ? !choice.names.includes(name) : infos.some((i) => i.internal)) continue;
    const v4 = infos.filter((i) => i.family === 'IPv4');
    const main = v4.find((i) => !isLinkLocal(i.address));
    if (!main) continue;
    const ll = v4.find((i) => isLinkLocal(i.address));
    out.push({ name, address: main.address, netmask: main.netmask, ...(ll ? { linkLocal: ll.address } : {}) });
  }
  return out;
}

/** A key that changes when the served addresses do (Hello/NOTIFY/announce again). */
export function ifacesKey(ifaces: Iface[]): string {
  return ifaces.map((i) => `${i.name}=${i.address}/${i.netmask}+${i.linkLocal ?? ''}`).join(',');
}

const toInt = (a: string) => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;

/** Whether `addr` is on `iface`'s subnet (or link-local while the interface has a link-local address). */
export function onIface(iface: Iface, addr: string): boolean {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(addr)) return false;
  const mask = toInt(iface.netmask);
  if ((toInt(addr) & mask) === (toInt(iface.address) & mask)) return true;
  return iface.linkLocal !== undefined && isLinkLocal(addr);
}

/** The interface a datagram from `addr` came in on (by subnet: Node gives no IP_PKTINFO), else the first. */
export function ifaceFor(ifaces: Iface[], addr: string): Iface | undefined {
  return ifaces.find((i) => onIface(i, addr)) ?? ifaces[0];
}

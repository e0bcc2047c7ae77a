import { release } from 'node:os';
import type { Identity } from '../config.js';

/** The largest SSDP datagram read; an M-SEARCH is a few hundred bytes. */
export const MAX_SSDP_DATAGRAM = 2048;
const MAX_HEADERS = 24;

export const SSDP_GROUP = '239.255.255.250';
export const MAX_AGE_S = 1800;
export const ROOTDESC_PATH = '/rootdesc1.xml';
export const AXIS_SERVICE = 'urn:axis-com:service:BasicService:1';
export const DEVICE_TYPE = 'urn:schemas-upnp-org:device:Basic:1';

export const udn = (serial: string) => `uuid:Upnp-BasicDevice-1_0-${serial}`;

/** What the device answers for and announces: search target (NT/ST) and its USN. */
export function targets(serial: string): { st: string; usn: string }[] {
  const u = udn(serial);
  return [
    { st: 'upnp:rootdevice', usn: `${u}::upnp:rootdevice` },
    { st: u, usn: u },
    { st: DEVICE_TYPE, usn: `${u}::${DEVICE_TYPE}` },
    { st: AXIS_SERVICE, usn: `${u}::${AXIS_SERVICE}` },
  ];
}

export interface MSearch {
  st: string;
  /** seconds to spread the answer over; undefined for a unicast search (answer at once) */
  mx: number | undefined;
}

/**
 * An M-SEARCH (`M-SEARCH * HTTP/1.1`, `MAN: "ssdp:discover"`, an ST), or undefined for anything else:
 * NOTIFYs of other devices, a datagram past the size or header limit, a malformed one.
 */
export function parseMSearch(buf: Buffer): MSearch | undefined {
  if (buf.length > MAX_SSDP_DATAGRAM) return undefined;
  const lines = buf.toString('latin1').split(/\r?\n/);
  if (lines[0] !== 'M-SEARCH * HTTP/1.1') return undefined;
  const h = new Map<string, string>();
  for (const line of lines.slice(1)) {
    if (line === '') break;
    const i = line.indexOf(':');
    if (i <= 0 || h.size >= MAX_HEADERS) return undefined;
    h.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  const st = h.get('st');
  if (h.get('man') !== '"ssdp:discover"' || !st) return undefined;
  const mxRaw = h.get('mx');
  if (mxRaw === undefined) return { st, mx: undefined };
  if (!/^\d{1,3}$/.test(mxRaw) || Number(mxRaw) < 1) return undefined;
  return { st, mx: Math.min(5, Number(mxRaw)) };
}

/** The targets an ST asks for. */
export function matching(st: string, serial: string): { st: string; usn: string }[] {
  const all = targets(serial);
  return st === 'ssdp:all' ? all : all.filter((t) => t.st === st);
}

export function serverHeader(id: Identity): string {
  return `Linux/${release().split('-')[0]}, UPnP/1.0, ${id.brand.replace(/[\s/]/g, '-')}/${id.firmware}`;
}

export const location = (address: string, httpPort: number) => `http://${address}:${httpPort}${ROOTDESC_PATH}`;

// header names upper case and CRLF: FF's parser looks them up case-sensitively
export function searchResponse(t: { st: string; usn: string }, loc: string, id: Identity): string {
  return `HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=${MAX_AGE_S}\r\nEXT:\r\nLOCATION: ${loc}\r\nSERVER: ${serverHeader(id)}\r\nST: ${t.st}\r\nUSN: ${t.usn}\r\n\r\n`;
}

export function notifyAlive(t: { st: string; usn: string }, loc: string, id: Identity): string {
  return `NOTIFY * HTTP/1.1\r\nHOST: ${SSDP_GROUP}:1900\r\nCACHE-CONTROL: max-age=${MAX_AGE_S}\r\nLOCATION: ${loc}\r\nNT: ${t.st}\r\nNTS: ssdp:alive\r\nSERVER: ${serverHeader(id)}\r\nUSN: ${t.usn}\r\n\r\n`;
}

export function notifyByebye(t: { st: string; usn: string }): string {
  return `NOTIFY * HTTP/1.1\r\nHOST: ${SSDP_GROUP}:1900\r\nNT: ${t.st}\r\nNTS: ssdp:byebye\r\nUSN: ${t.usn}\r\n\r\n`;
}

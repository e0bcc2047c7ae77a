import type { Identity } from '../config.js';
import { esc } from '../xml.js';
import { udn } from './messages.js';

/**
 * The UPnP root description HA's SSDP matcher and VMSs read: `friendlyName` and `modelName` are
 * required by FF; `presentationURL` always with an explicit port (FF parses it with `/:(\d+)\/?$/`).
 */
export function rootDescription(id: Identity, friendlyName: string, base: string): string {
  return `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
 <specVersion><major>1</major><minor>0</minor></specVersion>
 <URLBase>${esc(base)}</URLBase>
 <device>
  <deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>
  <friendlyName>${esc(friendlyName)}</friendlyName>
  <manufacturer>${esc(id.brand)}</manufacturer>
  <manufacturerURL>${esc(id.manufacturerURL)}</manufacturerURL>
  <modelDescription>${esc(id.prodFullName)}</modelDescription>
  <modelName>${esc(id.prodShortName)}</modelName>
  <modelNumber>${esc(id.prodNbr)}</modelNumber>
  <serialNumber>${esc(id.serial)}</serialNumber>
  <UDN>${udn(id.serial)}</UDN>
  <presentationURL>${esc(base)}</presentationURL>
 </device>
</root>
`;
}

/**
 * `http://<host>:<port>/` from the request's Host header (the address the client used, also behind
 * NAT), the port explicit; a Host that is not a plain host[:port] falls back to `fallbackHost`.
 */
export function baseUrl(hostHeader: string | undefined, proto: 'http' | 'https', fallbackHost: string, fallbackPort: number): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253})(?::(\d{1,5}))?$/.exec(hostHeader ?? '');
  if (!m) return `${proto}://${fallbackHost}:${fallbackPort}/`;
  const port = m[2] ?? (proto === 'https' ? '443' : '80');
  return `${proto}://${m[1]}:${port}/`;
}

import { child, parseLoose, text } from '../xml.js';

/** The largest WS-Discovery datagram read; probes are well under 1 KB. */
export const MAX_WSD_DATAGRAM = 8192;

export type WsdRequest =
  | { kind: 'probe'; messageId: string; types: string[]; scopes: string[] }
  | { kind: 'resolve'; messageId: string; address: string };

/**
 * A Probe or Resolve, or undefined for anything else (another device's ProbeMatches, Hello, a
 * malformed datagram, one past the size limit): discovery answers what it understands and is silent
 * otherwise. Types keep their QName as sent (`dn:NetworkVideoTransmitter`, `dp0:Device`).
 */
export function parseWsd(buf: Buffer): WsdRequest | undefined {
  if (buf.length > MAX_WSD_DATAGRAM) return undefined;
  const doc = parseLoose(buf.toString('utf8'));
  const env = child(doc, 'Envelope');
  const messageId = text(child(child(env, 'Header'), 'MessageID'));
  const body = child(env, 'Body');
  if (!messageId || messageId.length > 256 || body === undefined) return undefined;
  const probe = child(body, 'Probe');
  if (probe !== undefined) {
    const types = text(child(probe, 'Types'));
    const scopes = text(child(probe, 'Scopes'));
    if (types === undefined && child(probe, 'Types') !== undefined) return undefined;
    return { kind: 'probe', messageId, types: words(types), scopes: words(scopes) };
  }
  const address = text(child(child(child(body, 'Resolve'), 'EndpointReference'), 'Address'));
  if (address) return { kind: 'resolve', messageId, address };
  return undefined;
}

const words = (s: string | undefined) => (s ? s.split(/\s+/).filter(Boolean) : []);

const OUR_TYPES = ['NetworkVideoTransmitter', 'Device'];

/** Empty types, or any of ours (by local name: clients bind the ONVIF namespaces to any prefix). */
export function typesMatch(types: string[]): boolean {
  return types.length === 0 || types.some((t) => OUR_TYPES.includes(t.slice(t.indexOf(':') + 1)));
}

/** WS-Discovery's default rule (RFC 3986 prefix by path segment): every probed scope matches one of ours. */
export function scopesMatch(probed: string[], ours: string[]): boolean {
  return probed.every((p) => {
    const base = p.replace(/\/+$/, '');
    return ours.some((s) => s === p || s.replace(/\/+$/, '') === base || s.startsWith(base + '/'));
  });
}

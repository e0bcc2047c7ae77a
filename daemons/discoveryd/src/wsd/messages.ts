import { randomUUID } from 'node:crypto';
import { endpointUuid, type Identity } from '../config.js';
import { esc } from '../xml.js';

const NS =
  'xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"';
const WSD = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
const ANONYMOUS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous';
/** where multicast Hello and Bye are addressed (WS-Discovery §2.4) */
const DISCOVERY_URN = 'urn:schemas-xmlsoap-org:ws:2005:04:discovery';

export const TYPES = 'dn:NetworkVideoTransmitter tds:Device';

/** What one endpoint message says about the device. */
export interface Endpoint {
  identity: Identity;
  scopes: string[];
  /** device service URLs, the replying interface's first */
  xaddrs: string[];
}

/** The AppSequence of this run: InstanceId grows at every start, MessageNumber at every message. */
export class AppSequence {
  private n = 0;
  constructor(readonly instanceId = Math.floor(Date.now() / 1000)) {}
  next(): string {
    return `<wsd:AppSequence InstanceId="${this.instanceId}" MessageNumber="${++this.n}"/>`;
  }
}

/**
 * The fixed ONVIF scopes (type, hardware, name from the Brand params; an empty location unless a
 * configurable one is set) followed by the configurable ones (`WebService.Scopes`).
 */
export function deviceScopes(id: Identity, configurable: string[]): string[] {
  const fixed = ['onvif://www.onvif.org/type/audio_encoder', `onvif://www.onvif.org/hardware/${scopePart(id.prodNbr)}`];
  if (!configurable.some((s) => s.startsWith('onvif://www.onvif.org/name/'))) fixed.push(`onvif://www.onvif.org/name/${scopePart(id.prodShortName)}`);
  if (!configurable.some((s) => s.startsWith('onvif://www.onvif.org/location/'))) fixed.push('onvif://www.onvif.org/location/');
  return [...fixed, ...configurable];
}

/** A scope path segment: spaces become underscores (clients turn them back), the rest percent-encoded. */
const scopePart = (s: string) => encodeURIComponent(s.replace(/ /g, '_')).replace(/%2F/gi, '_');

function envelope(header: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope ${NS}><SOAP-ENV:Header>${header}</SOAP-ENV:Header><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;
}

function header(action: string, to: string, seq: AppSequence, relatesTo?: string): string {
  return (
    `<wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>` +
    (relatesTo !== undefined ? `<wsa:RelatesTo>${esc(relatesTo)}</wsa:RelatesTo>` : '') +
    `<wsa:To SOAP-ENV:mustUnderstand="true">${to}</wsa:To>` +
    `<wsa:Action SOAP-ENV:mustUnderstand="true">${WSD}/${action}</wsa:Action>` +
    seq.next()
  );
}

function match(e: Endpoint, withAddrs = true): string {
  return (
    `<wsa:EndpointReference><wsa:Address>${endpointUuid(e.identity.serial)}</wsa:Address></wsa:EndpointReference>` +
    `<wsd:Types>${TYPES}</wsd:Types>` +
    `<wsd:Scopes>${esc(e.scopes.join(' '))}</wsd:Scopes>` +
    (withAddrs ? `<wsd:XAddrs>${esc(e.xaddrs.join(' '))}</wsd:XAddrs>` : '') +
    `<wsd:MetadataVersion>1</wsd:MetadataVersion>`
  );
}

export function probeMatches(e: Endpoint, relatesTo: string, seq: AppSequence): string {
  return envelope(header('ProbeMatches', ANONYMOUS, seq, relatesTo), `<wsd:ProbeMatches><wsd:ProbeMatch>${match(e)}</wsd:ProbeMatch></wsd:ProbeMatches>`);
}

export function resolveMatches(e: Endpoint, relatesTo: string, seq: AppSequence): string {
  return envelope(header('ResolveMatches', ANONYMOUS, seq, relatesTo), `<wsd:ResolveMatches><wsd:ResolveMatch>${match(e)}</wsd:ResolveMatch></wsd:ResolveMatches>`);
}

export function hello(e: Endpoint, seq: AppSequence): string {
  return envelope(header('Hello', DISCOVERY_URN, seq), `<wsd:Hello>${match(e)}</wsd:Hello>`);
}

export function bye(e: Pick<Endpoint, 'identity'>, seq: AppSequence): string {
  return envelope(header('Bye', DISCOVERY_URN, seq), `<wsd:Bye><wsa:EndpointReference><wsa:Address>${endpointUuid(e.identity.serial)}</wsa:Address></wsa:EndpointReference></wsd:Bye>`);
}

/** The device service URL on one address. */
export function xaddr(address: string, httpPort: number): string {
  return `http://${address}${httpPort === 80 ? '' : `:${httpPort}`}/onvif/device_service`;
}

import { attrOf, childrenOf, el, esc, parseXml, XmlError, type XmlEl } from '@belfry/core/xml';
import { sender, TER } from './fault.js';
import { NS, PASSWORD_TYPE } from './names.js';

/** A WS-Security UsernameToken as sent (checked by httpd's `verifyUsernameToken`). */
export interface UsernameToken {
  user: string;
  password: string;
  type: 'digest' | 'text';
  nonce: string;
  created: string;
}

/** What a request says: its operation element and the headers onvifd reads. */
export interface SoapRequest {
  op: XmlEl;
  token?: UsernameToken;
  /** the Axis SubscriptionId reference parameter (OV sends it back as a header) */
  subscriptionId?: string;
}

/** Parses a body: core's XML reader (DOCTYPE/entities refused, limits), then the SOAP envelope. */
export function readRequest(body: Buffer): SoapRequest {
  let doc: XmlEl;
  try {
    doc = parseXml(body);
  } catch (e) {
    if (e instanceof XmlError) throw sender(e.kind === 'tooLarge' ? TER.tooLarge : TER.wellFormed, e.message);
    throw e;
  }
  const env = doc.ns === NS['SOAP-ENV'] || doc.ns === NS.soap11 ? doc.ns : undefined;
  if (!env || doc.name !== 'Envelope') throw sender(TER.invalidArgs, `not a SOAP envelope: the root is ${doc.name}`);
  const bodies = childrenOf(doc, 'Body', env);
  if (bodies.length !== 1) throw sender(TER.invalidArgs, `the envelope has ${bodies.length} Body elements`);
  const ops = bodies[0]!.children;
  if (ops.length !== 1) throw sender(TER.invalidArgs, `the Body holds ${ops.length} operations, not one`);
  const headers = childrenOf(doc, 'Header', env).flatMap((h) => h.children);
  const security = headers.find((h) => h.name === 'Security' && h.ns === NS.wsse);
  const sub = headers.find((h) => h.name === 'SubscriptionId' && h.ns === NS.dom0);
  return { op: ops[0]!, token: security ? usernameToken(security) : undefined, subscriptionId: sub?.text.trim() };
}

function usernameToken(security: XmlEl): UsernameToken {
  const t = childrenOf(security, 'UsernameToken', NS.wsse)[0];
  if (!t) throw sender(TER.notAuthorized, 'the Security header holds no UsernameToken');
  const text = (name: string, ns: string) => childrenOf(t, name, ns)[0];
  const pw = text('Password', NS.wsse);
  const type = pw ? attrOf(pw, 'Type') : undefined;
  if (!pw || (type !== undefined && type !== PASSWORD_TYPE.digest && type !== PASSWORD_TYPE.text)) throw sender(TER.notAuthorized, 'the UsernameToken has no PasswordDigest or PasswordText');
  return {
    user: text('Username', NS.wsse)?.text.trim() ?? '',
    password: pw.text.trim(),
    // WS-Security: a Password without Type is PasswordText
    type: type === PASSWORD_TYPE.digest ? 'digest' : 'text',
    nonce: text('Nonce', NS.wsse)?.text.trim() ?? '',
    created: text('Created', NS.wsu)?.text.trim() ?? '',
  };
}

/** The prefixes every answer declares (OV and NO strip prefixes; VMSs read by namespace). */
const ANSWER_NS = ['SOAP-ENV', 'tds', 'trt', 'tev', 'tmd', 'tt', 'ter', 'wsnt', 'wstop', 'wsa5', 'tns1', 'tnsaxis', 'xsd'] as const;
const XMLNS = ANSWER_NS.map((p) => ` xmlns:${p}="${NS[p]}"`).join('');

/** A SOAP 1.2 answer around `body`. */
export function envelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope${XMLNS}><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;
}

export { el, esc };

/** `<p:Name>text</p:Name>` for each pair. */
export function texts(pairs: Record<string, string | number | boolean>): string {
  return Object.entries(pairs)
    .map(([k, v]) => `<${k}>${esc(String(v))}</${k}>`)
    .join('');
}

/** The text of a child by local name (any namespace: clients differ in which they use), or undefined. */
export function childText(op: XmlEl, name: string): string | undefined {
  return op.children.find((c) => c.name === name)?.text.trim();
}

export function child(op: XmlEl, name: string): XmlEl | undefined {
  return op.children.find((c) => c.name === name);
}

export function kids(op: XmlEl, name: string): XmlEl[] {
  return op.children.filter((c) => c.name === name);
}

import { createHash, randomBytes } from 'node:crypto';
import { request } from 'undici';

export const NS = {
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tev: 'http://www.onvif.org/ver10/events/wsdl',
  tmd: 'http://www.onvif.org/ver10/deviceIO/wsdl',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
};

/** A UsernameToken header as OV and NO write it (PasswordDigest = B64(SHA1(nonce + created + password))). */
export function wsse(user: string, password: string, opts: { nonce?: Buffer; created?: string; text?: boolean } = {}): string {
  const nonce = opts.nonce ?? randomBytes(16);
  const created = opts.created ?? new Date().toISOString();
  const digest = createHash('sha1').update(Buffer.concat([nonce, Buffer.from(created), Buffer.from(password)])).digest('base64');
  const type = opts.text ? 'PasswordText' : 'PasswordDigest';
  return (
    '<Security s:mustUnderstand="1" xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><UsernameToken>' +
    `<Username>${user}</Username><Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#${type}">${opts.text ? password : digest}</Password>` +
    `<Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">${nonce.toString('base64')}</Nonce>` +
    `<Created xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">${created}</Created></UsernameToken></Security>`
  );
}

/** An envelope with `body` (one operation element) and optional header content. */
export function envelope(body: string, header = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;
}

/** `<Op xmlns="ns">inner</Op>` */
export const op = (name: string, ns: string, inner = '') => `<${name} xmlns="${ns}">${inner}</${name}>`;

export async function post(url: string, xml: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const r = await request(url, { method: 'POST', body: xml, headers: { 'content-type': 'application/soap+xml; charset=utf-8', ...headers } });
  return { status: r.statusCode, body: await r.body.text(), headers: r.headers };
}

/** Every text of elements with local name `name` (any prefix). */
export function texts(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<(?:[A-Za-z0-9-]+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[A-Za-z0-9-]+:)?${name}>`, 'g'))].map((m) => m[1]!);
}

/** The fault's subcode value and reason text, or undefined. */
export function faultOf(xml: string): { code: string; sub: string; reason: string } | undefined {
  if (!xml.includes('Fault>')) return undefined;
  const values = texts(xml, 'Value');
  return { code: values[0] ?? '', sub: values[1] ?? '', reason: texts(xml, 'Text')[0] ?? '' };
}

import { X509Certificate } from 'node:crypto';
import { BelfryError } from '@belfry/core';
import { soapFault, soapFaultAnswer, soapSender, type WireAnswer } from '@belfry/core/http';
import type { XmlEl } from '@belfry/core/xml';

/** The namespaces of the certificate services (§9.3) and the prefixes answers use: clients read them literally. */
export const NS = {
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  tt: 'http://www.onvif.org/ver10/schema',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  acert: 'http://www.axis.com/vapix/ws/cert',
  acertificates: 'http://www.axis.com/vapix/ws/certificates',
  aweb: 'http://www.axis.com/vapix/ws/webserver',
  ter: 'http://www.onvif.org/ver10/error',
} as const;

/** An answer: the Body's content in the envelope with every prefix declared on it (§9.3). */
export function envelope(body: string): WireAnswer {
  const xmlns = (['tt', 'tds', 'acert', 'acertificates', 'aweb', 'ter'] as const).map((p) => ` xmlns:${p}="${NS[p]}"`).join('');
  return { status: 200, type: 'application/soap+xml; charset=utf-8', body: `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.soap12}"${xmlns}><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>\n` };
}

/** A client's mistake (400, `Sender`/`ter:InvalidArgVal`) with a reason text clients sort on, to throw (core's SoapFault). */
export const invalid = (reason: string) => soapSender('ter:InvalidArgVal', reason);

/** The same as an answer. */
export function senderFault(reason: string): WireAnswer {
  return soapFaultAnswer(invalid(reason), NS);
}

export const NO_SUCH_ID = 'The CertificateID does not exist';
export const CA_EXISTS = 'the CA certificate ID already exists';

/** A store refusal as a fault: unknown ids with the reason text RS sorts on. */
export function storeFault(err: BelfryError, id?: string): WireAnswer {
  if (err.code === 'not_found') return senderFault(`${NO_SUCH_ID}${id ? `: ${id.slice(0, 128)}` : ''}`);
  if (err.code === 'internal' || err.code === 'unavailable' || err.code === 'timeout') return soapFault(500, err.code === 'internal' ? 'internal error' : err.message);
  return senderFault(err.message);
}

/** Children named `name` in any namespace: requests come prefixed or with default namespaces. */
export function kids(el: XmlEl, name: string): XmlEl[] {
  return el.children.filter((c) => c.name === name);
}

export function kid(el: XmlEl, name: string): XmlEl | undefined {
  return el.children.find((c) => c.name === name);
}

/** The trimmed texts of the children `name` of the child `list` (none when `list` is absent). */
export function textsIn(el: XmlEl, list: string, name: string): string[] {
  const l = kid(el, list);
  return l ? kids(l, name).map((c) => c.text.trim()) : [];
}

/** The trimmed text of a required child. */
export function need(el: XmlEl, name: string, max = 1024): string {
  const c = kid(el, name);
  const v = c?.text.trim() ?? '';
  if (!v) throw invalid(`${name} is required`);
  if (v.length > max) throw invalid(`${name} is longer than ${max} characters`);
  return v;
}

/** A certificate's DER in base64 on one line, without armour (§9.3: as AXIS OS sends `tt:Data`). */
export function derLine(pem: string): string {
  return new X509Certificate(pem).raw.toString('base64');
}

/** A PEM block's body on one line (a PKCS#10 request). */
export function pemLine(pem: string): string {
  return pem.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, '');
}

/** Base64 DER in, tolerant: whitespace and newlines, or a whole PEM armour. Garbage is a fault. */
export function derIn(text: string, what: string): Buffer {
  const s = text.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').replace(/\s+/g, '');
  if (!s || s.length % 4 === 1 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw invalid(`${what} is not base64 DER`);
  return Buffer.from(s, 'base64');
}

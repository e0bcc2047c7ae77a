import { soapFault, type WireAnswer } from './errors.js';

/**
 * A SOAP 1.2 fault raised while handling a request, for every SOAP service (eventd's event1/action1,
 * onvifd, certd): `Sender` (the client's mistake, HTTP 400 unless said otherwise: 401 for
 * "credentials needed", 403 for a role too low, 413 for a body too large) or `Receiver` (ours, 500;
 * unsupported optional operations too, as ONVIF says), a subcode QName and a reason.
 */
export class SoapFault extends Error {
  constructor(
    readonly who: 'Sender' | 'Receiver',
    readonly subcode: string,
    reason: string,
    readonly status = who === 'Sender' ? 400 : 500,
  ) {
    super(reason);
  }
}

export const soapSender = (subcode: string, reason: string, status?: number) => new SoapFault('Sender', subcode, reason, status);
export const soapReceiver = (subcode: string, reason: string, status?: number) => new SoapFault('Receiver', subcode, reason, status);

const TER_NS = 'http://www.onvif.org/ver10/error';

/** A fault as the wire answer: core's SOAP fault with the subcode's prefix declared from `namespaces` (`ter` by default). */
export function soapFaultAnswer(f: SoapFault, namespaces: Record<string, string>): WireAnswer {
  const prefix = f.subcode.split(':')[0] ?? 'ter';
  return soapFault(f.status, f.message, { value: f.subcode, ns: { [prefix]: namespaces[prefix] ?? TER_NS } }, f.who);
}

/** An operation the service does not implement, as AXIS OS 12 answers it (Receiver / ter:ActionNotSupported, 500). */
export const SOAP_NOT_SUPPORTED: WireAnswer = soapFault(500, 'Optional action not implemented', { value: 'ter:ActionNotSupported', ns: { ter: TER_NS } }, 'Receiver');

import { soapFault, type WireAnswer } from '@belfry/core/http';
import { NS } from './names.js';

/**
 * A SOAP 1.2 fault raised while handling a request: `Sender` (the client's mistake, HTTP 400 unless
 * said otherwise: 403 for a role too low, 413 for a body too large) or `Receiver` (ours, 500), a
 * subcode QName (`ter:` generic ones as ONVIF names them, `aa:`/`aev:` the services' own) and a reason.
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

/** The generic subcodes (ONVIF's `ter:` names, which SOAP clients of cameras and speakers know). */
export const TER = {
  wellFormed: 'ter:WellFormed',
  notSoap: 'ter:InvalidArgs',
  unknownOperation: 'ter:ActionNotSupported',
  invalidArg: 'ter:InvalidArgVal',
  missingArg: 'ter:MissingArgument',
  extraArg: 'ter:UnexpectedArgument',
  notAuthorized: 'ter:NotAuthorized',
  tooLarge: 'ter:MaxLimitReached',
  internal: 'ter:Action',
} as const;

export const sender = (subcode: string, reason: string, status?: number) => new SoapFault('Sender', subcode, reason, status);

const PREFIX_NS: Record<string, string> = { ter: NS.ter, aa: NS.aa, aev: NS.aev };

/** A fault as the wire answer (core's SOAP fault, with the subcode's namespace declared). */
export function faultAnswer(f: SoapFault): WireAnswer {
  const prefix = f.subcode.split(':')[0] ?? '';
  return soapFault(f.status, f.message, { value: f.subcode, ns: { [prefix]: PREFIX_NS[prefix] ?? NS.ter } }, f.who);
}

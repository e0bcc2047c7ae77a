import { SoapFault, soapFaultAnswer, soapSender, type WireAnswer } from '@belfry/core/http';
import { NS } from './names.js';

/** The fault class is core's: every SOAP service raises the same one. */
export { SoapFault };

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

export const sender = soapSender;

const PREFIX_NS: Record<string, string> = { ter: NS.ter, aa: NS.aa, aev: NS.aev };

/** A fault as the wire answer, with the subcode's namespace declared. */
export const faultAnswer = (f: SoapFault): WireAnswer => soapFaultAnswer(f, PREFIX_NS);

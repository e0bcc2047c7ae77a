import { soapFault, type WireAnswer } from '@belfry/core/http';
import { NS } from './names.js';

/**
 * A SOAP 1.2 fault in the HTTP binding: `Sender` (the client's mistake, 400 unless said: 401 for
 * "credentials needed", 403 for a role too low, 413 for a body too large) or `Receiver` (500:
 * unsupported optional operations too, as ONVIF says), a `ter:` subcode and a reason.
 */
export class OnvifFault extends Error {
  constructor(
    readonly who: 'Sender' | 'Receiver',
    readonly subcode: string,
    reason: string,
    readonly status = who === 'Sender' ? 400 : 500,
  ) {
    super(reason);
  }
}

export const TER = {
  wellFormed: 'ter:WellFormed',
  invalidArgs: 'ter:InvalidArgs',
  invalidArgVal: 'ter:InvalidArgVal',
  actionNotSupported: 'ter:ActionNotSupported',
  notAuthorized: 'ter:NotAuthorized',
  tooLarge: 'ter:MaxLimitReached',
  operationProhibited: 'ter:OperationProhibited',
  noProfile: 'ter:NoProfile',
  noSource: 'ter:NoSource',
  noConfig: 'ter:NoConfig',
  resourceUnknown: 'wsrf-rw:ResourceUnknownFault',
  invalidFilter: 'wsnt:InvalidFilterFault',
  invalidTopic: 'wsnt:TopicNotSupportedFault',
  invalidTime: 'wsnt:UnacceptableInitialTerminationTimeFault',
  action: 'ter:Action',
} as const;

export const sender = (subcode: string, reason: string, status?: number) => new OnvifFault('Sender', subcode, reason, status);
export const receiver = (subcode: string, reason: string, status?: number) => new OnvifFault('Receiver', subcode, reason, status);

/** The fault as the wire answer (core's SOAP fault, the subcode's prefix declared). */
export function faultAnswer(f: OnvifFault): WireAnswer {
  const prefix = f.subcode.split(':')[0] ?? 'ter';
  return soapFault(f.status, f.message, { value: f.subcode, ns: { [prefix]: (NS as Record<string, string>)[prefix] ?? NS.ter } }, f.who);
}

import { SoapFault, soapFaultAnswer, soapReceiver, soapSender, type WireAnswer } from '@belfry/core/http';
import { NS } from './names.js';

/** The fault class is core's: every SOAP service raises the same one. */
export { SoapFault };

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

export const sender = soapSender;
export const receiver = soapReceiver;

/** The fault as the wire answer, the subcode's prefix declared. */
export const faultAnswer = (f: SoapFault): WireAnswer => soapFaultAnswer(f, NS as Record<string, string>);

import { Type } from 'typebox';
import { defineContract, type MethodsOf, type RouteSpec } from '@belfry/core/contract';

/** At most this many calls at once (audiod's RTP session limit); the next INVITE gets 486. */
export const MAX_CALLS = 4;

/** Call states as `/vapix/call` and `tnsaxis:Call/State` name them. */
export const CALL_STATES = ['Idle', 'Calling', 'Ringing', 'Active', 'Terminating', 'Terminated'] as const;
export type CallState = (typeof CALL_STATES)[number];

const CallId = Type.String({ minLength: 1, maxLength: 64 });
const AccountId = Type.String({ minLength: 1, maxLength: 64 });
const SipUri = Type.String({ minLength: 4, maxLength: 256, pattern: '^(sips?:[^\\s<>"]+|VMS_CALL)$' });
const strict = { additionalProperties: false } as const;

export const CallStatus = Type.Object({
  CallId: Type.String(),
  SIPAccountId: Type.String(),
  CallState: Type.String(),
  CallStateReason: Type.String(),
  StartTime: Type.String(),
  Direction: Type.Union([Type.Literal('Incoming'), Type.Literal('Outgoing')]),
  DeviceURI: Type.String(),
  RemoteURI: Type.String(),
  CallType: Type.Literal('SIP'),
  Codec: Type.Optional(Type.String()),
});

/** The ONVIF-model events sipd raises (declared retained, so eventd's catalogue and rules see them). */
export const SIPD_EVENTS = {
  callState: {
    topic: 'tnsaxis:Call/State',
    niceName: 'Call state',
    stateful: true,
    source: Type.Object({ CallId: Type.String() }),
    data: Type.Object({ CallState: Type.String({ enum: [...CALL_STATES] }), Direction: Type.String(), RemoteURI: Type.String(), SIPAccountId: Type.String() }),
  },
  stateChange: {
    topic: 'tnsaxis:Call/StateChange',
    niceName: 'Call state change',
    stateful: false,
    source: Type.Object({ CallId: Type.String() }),
    data: Type.Object({ Reason: Type.String({ enum: ['Initiated', 'Incoming', 'AcceptedByRemote', 'Answered', 'Terminated', 'Rejected', 'NoAnswer', 'Busy', 'Failed', 'TimeLimit'] }) }),
  },
  dtmf: {
    topic: 'tnsaxis:Call/DTMF',
    niceName: 'DTMF',
    stateful: false,
    source: Type.Object({ CallId: Type.String(), SIPAccountId: Type.String() }),
    data: Type.Object({ Sequence: Type.String(), DTMFEventId: Type.String({ description: 'the description of the DTMF sequence' }) }),
  },
  account: {
    topic: 'tnsaxis:SIP/AccountStatus',
    niceName: 'SIP account status',
    stateful: true,
    source: Type.Object({ SIPAccountId: Type.String() }),
    data: Type.Object({ Registered: Type.Boolean(), Status: Type.String({ enum: ['Registered', 'Unregistered', 'Failed', 'PeerToPeer', 'Inactive'] }), Server: Type.String() }),
  },
} as const;

const json = 'application/json';

/** sipd's HTTP routes (behind httpd): the Axis call service. */
export const SIPD_ROUTES: readonly RouteSpec[] = [
  { path: '/vapix/call', methods: ['GET', 'POST'], access: 'admin', errors: 'vapix-text', bodyLimit: 64 * 1024, summary: 'the SIP call service (axcall:…), JSON or format=simple', probe: { method: 'POST', url: '/vapix/call', body: '{"axcall:GetServiceCapabilities":{}}', contentType: json, needs: 'admin' } },
];

/** sipd's contract: its RPC methods (rule actions make, answer and end calls), events and routes. */
export const SIPD = defineContract({
  name: 'sipd',
  methods: {
    call: { params: Type.Object({ to: SipUri, account: Type.Optional(AccountId) }, strict), result: Type.Object({ callId: Type.String() }), callers: 'daemons', summary: 'makes a call from an account (the default one when none is named)' },
    answer: { params: Type.Object({ callId: Type.Optional(CallId) }, strict), result: Type.Object({ answered: Type.Integer() }), callers: 'daemons', summary: 'answers a ringing call (all ringing calls when none is named)' },
    hangup: { params: Type.Object({ callId: Type.Optional(CallId) }, strict), result: Type.Object({ ended: Type.Integer() }), callers: 'daemons', summary: 'ends a call (every call when none is named)' },
    status: { params: Type.Object({}, strict), result: Type.Object({ calls: Type.Array(CallStatus), network: Type.Record(Type.String(), Type.Number()) }), callers: 'daemons' },
  },
  routes: SIPD_ROUTES,
});

export type SipdContract = MethodsOf<typeof SIPD>;

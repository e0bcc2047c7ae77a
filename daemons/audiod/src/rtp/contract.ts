import { Type, type Static } from 'typebox';
import type { MethodSpec } from '@belfry/core/contract';

/**
 * The media side of a SIP call (RTP sessions), the interface between sipd (signalling) and audiod
 * (GStreamer). sipd never touches audio: it opens a session to learn the local port for its SDP,
 * starts it once the remote's SDP is known, and stops it at BYE. Only imports typebox (contract module).
 */

/** at most this many RTP sessions at once; the next `rtpOpen` fails with `limit_exceeded` */
export const RTP_MAX_SESSIONS = 4;
/** a started session that has received no RTP for this long ends by itself (`…/ended`, reason `idle`) */
export const RTP_IDLE_TIMEOUT_MS = 30_000;
/** the RTP port range until sipd's params (`SIP.RTPPortRangeStart/End`) exist */
export const RTP_DEFAULT_PORTS = { start: 4000, end: 4999 } as const;

/**
 * A call id is a topic level (`belfry/notify/audiod/rtp/<callId>/…`): printable ASCII without
 * `/`, `+`, `#` (a SIP Call-ID usually fits; sipd may map a longer or odder one to its own id).
 */
export const CallId = Type.String({ pattern: '^[!"$-*,-.0-~]{1,128}$', description: 'printable ASCII without / + # (a topic level), 1–128 characters' });
export const RtpCodecName = Type.Union([Type.Literal('PCMU'), Type.Literal('PCMA'), Type.Literal('G722'), Type.Literal('opus')]);
export const RtpDirection = Type.Union([Type.Literal('sendrecv'), Type.Literal('sendonly'), Type.Literal('recvonly')]);
const PayloadType = Type.Integer({ minimum: 0, maximum: 127 });
const DynamicPayloadType = Type.Integer({ minimum: 96, maximum: 127 });
/** RFC 4733 events 0–15: digits, `*`, `#`, A–D */
export const DtmfDigit = Type.String({ pattern: '^[0-9*#A-D]$' });

export const RtpCodec = Type.Object({
  name: RtpCodecName,
  /** the RTP clock rate as SDP writes it (G.722 says 8000 though it samples at 16 kHz, RFC 3551) */
  clockRate: Type.Integer(),
  channels: Type.Integer(),
  /** static payload type, or a suggested dynamic one */
  payloadType: PayloadType,
});
export type RtpCodec = Static<typeof RtpCodec>;

const Empty = Type.Object({}, { additionalProperties: false });
const strict = { additionalProperties: false } as const;

/** RPC methods (merged into audiod's contract); only sipd may call them. */
export const RTP_METHODS = {
  rtpCodecs: {
    params: Empty,
    result: Type.Object({ codecs: Type.Array(RtpCodec) }),
    callers: ['sipd'],
    summary: 'the codecs this machine can both encode and decode (probed once), in audiod’s preference order',
  },
  rtpOpen: {
    params: Type.Object({ callId: CallId, direction: RtpDirection }, strict),
    result: Type.Object({ localPort: Type.Integer() }),
    callers: ['sipd'],
    summary: 'binds an even UDP port of the RTP range for the call (before the remote is known, for the SDP); limit_exceeded past RTP_MAX_SESSIONS',
  },
  rtpStart: {
    params: Type.Object(
      {
        callId: CallId,
        remoteAddr: Type.String({ minLength: 2, maxLength: 64, description: 'an IPv4 or IPv6 address (no names)' }),
        remotePort: Type.Integer({ minimum: 1, maximum: 65535 }),
        codec: RtpCodecName,
        payloadType: PayloadType,
        clockRate: Type.Integer({ minimum: 8000, maximum: 48000 }),
        dtmfPayloadType: Type.Optional(DynamicPayloadType),
        direction: RtpDirection,
      },
      strict,
    ),
    result: Type.Object({}),
    callers: ['sipd'],
    summary: 'starts the receive (→ mixer at Audio.Priority.Call) and send (microphone →) pipelines per direction',
  },
  rtpSendDtmf: {
    params: Type.Object({ callId: CallId, digit: DtmfDigit, durationMs: Type.Integer({ minimum: 40, maximum: 5000 }) }, strict),
    result: Type.Object({}),
    callers: ['sipd'],
    summary: 'sends an RFC 4733 telephone-event on a started session that negotiated a DTMF payload type',
  },
  rtpStop: {
    params: Type.Object({ callId: CallId }, strict),
    result: Type.Object({ packetsReceived: Type.Integer(), packetsSent: Type.Integer() }),
    callers: ['sipd'],
    summary: 'ends the session (idempotent: an unknown call answers zeros)',
  },
} satisfies Record<string, MethodSpec>;

/** What audiod publishes (not retained) for each session, for sipd to subscribe. */
export const RtpDtmfMessage = Type.Object({ digit: DtmfDigit, durationMs: Type.Integer() });
export type RtpDtmfMessage = Static<typeof RtpDtmfMessage>;
export const RtpEndedMessage = Type.Object({
  reason: Type.Union([Type.Literal('idle'), Type.Literal('error'), Type.Literal('sipd-gone')]),
  packetsReceived: Type.Integer(),
  packetsSent: Type.Integer(),
});
export type RtpEndedMessage = Static<typeof RtpEndedMessage>;

/** The topics (audiod's own `belfry/notify/audiod/…` tree, which the broker's ACL lets only audiod write). */
export const RTP_TOPICS = {
  /** an RFC 4733 digit received on the call's RTP, once per event (at its end) */
  dtmf: (callId: string) => `belfry/notify/audiod/rtp/${callId}/dtmf`,
  /** the session ended by itself (idle, error, sipd gone), not after `rtpStop` */
  ended: (callId: string) => `belfry/notify/audiod/rtp/${callId}/ended`,
  /** subscribe filters for every call */
  dtmfAll: 'belfry/notify/audiod/rtp/+/dtmf',
  endedAll: 'belfry/notify/audiod/rtp/+/ended',
} as const;

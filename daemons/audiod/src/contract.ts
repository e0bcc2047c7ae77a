import { Type, type Static } from 'typebox';
import { defineContract, type MethodSpec, type MethodsOf, type RouteSchema, type RouteSpec } from '@belfry/core/contract';
import type { ClipInfo } from './clips/store.js';
import type { SpeakerTestReport } from './speaker-test/report.js';

/** The speaker test report with its measured details (the route schema leaves `details` open). */
export type { BandResult, SpeakerTestReport } from './speaker-test/report.js';

/** Device gain/mute as audiodevicecontrol.cgi shows them (VAPIX Audio device control, §2.10). */
export interface ChannelSettings {
  id: number;
  gain: number;
  mute: boolean;
}


const Empty = Type.Object({}, { additionalProperties: false });
const Nothing = Type.Object({});
const ClipId = Type.Integer({ minimum: 0, maximum: 9999 });

/** The play request shared by the clip CGIs, the JSON API and the rule actions. */
export const PlayParams = Type.Object(
  {
    clip: Type.Optional(ClipId),
    location: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    /** -1 = forever */
    repeat: Type.Optional(Type.Integer({ minimum: -1, maximum: 10000 })),
    /** linear percent */
    volume: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    audiodeviceid: Type.Optional(Type.Integer()),
    audiooutputid: Type.Optional(Type.Integer()),
    audiooutput: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

/** The largest `MediaClip.MaxUploadSize` (50 MB) plus 64 KiB of multipart headers: the upload routes' hard body limit. */
export const CLIP_BODY_LIMIT = 50_000_000 + 64 * 1024;
/** An upload is probed and analysed in a child process (up to 20 s) before it answers. */
const UPLOAD_TIMEOUT_MS = 60_000;

// ---- the JSON API's schemas (`/api/v1/…`): checked by core's route layer before a handler runs
const Volume = Type.Integer({ minimum: 0, maximum: 1000, description: 'linear percent' });
const Repeat = Type.Integer({ minimum: -1, maximum: 10000, description: '-1 = forever' });
const ById = Type.Object({ id: ClipId }, { additionalProperties: false });
const OK = Type.Object({}, { additionalProperties: false });
const Clip = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  location: Type.String(),
  format: Type.String(),
  mime: Type.String(),
  bytes: Type.Integer(),
  durationMs: Type.Number(),
  rate: Type.Integer(),
  channels: Type.Integer(),
  replayGainDb: Type.Union([Type.Number(), Type.Null()]),
  peak: Type.Union([Type.Number(), Type.Null()]),
  uploaded: Type.String(),
});
const Report = Type.Object(
  { status: Type.Union(['Uncalibrated', 'Pending', 'Calibrated', 'OK', 'Failed', 'DisabledInHardware', 'InternalError'].map((s) => Type.Literal(s))), testTimestamp: Type.String(), calibrationTimestamp: Type.String(), details: Type.Optional(Type.Object({})) },
  { description: 'GetSpeakerTestReport (VAPIX axast) with the measured details' },
);
const Status = Type.Object({
  playing: Type.Union([Type.Object({ kind: Type.String(), clip: Type.Optional(Type.Integer()), name: Type.Optional(Type.String()) }), Type.Null()]),
  microphone: Type.Boolean(),
  inputLevel: Type.Number({ minimum: 0, maximum: 100 }),
  engine: Type.String(),
  lastStartLatencyMs: Type.Union([Type.Number(), Type.Null()]),
  memoryMB: Type.Object({ heapUsed: Type.Number(), heapTotal: Type.Number(), external: Type.Number(), arrayBuffers: Type.Number(), rss: Type.Number() }),
});
/** The JSON API's schemas by route (and method): the routes below carry them; typed clients (the web UI) take their types from here. */
export const AUDIOD_API_SCHEMAS = {
  clips: {
    GET: { summary: 'the clips, their measured loudness and the storage quota', querystring: OK, response: { 200: Type.Object({ clips: Type.Array(Clip), usedBytes: Type.Integer(), quotaBytes: Type.Integer(), maxUploadBytes: Type.Integer() }) } },
    POST: {
      summary: 'upload a clip: the raw file is the body; a clip of the same name is replaced',
      access: 'operator',
      querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 255, description: 'the clip store says which names it takes (1–64 characters, no controls)' })), filename: Type.Optional(Type.String({ maxLength: 255 })) }, { additionalProperties: false }),
      rawBody: 'application/octet-stream',
      response: { 201: Type.Object({ id: Type.Integer(), replaced: Type.Literal(false) }), 200: Type.Object({ id: Type.Integer(), replaced: Type.Literal(true) }) },
    },
  },
  stop: { body: OK, response: { 200: Type.Object({ stopped: Type.Boolean() }) } },
  clip: {
    PATCH: { summary: 'rename a clip', params: ById, body: Type.Object({ name: Type.String({ maxLength: 256 }) }, { additionalProperties: false }), response: { 200: OK } },
    DELETE: { summary: 'remove a clip', params: ById, response: { 200: OK } },
  },
  play: { params: ById, body: Type.Object({ volume: Type.Optional(Volume), repeat: Type.Optional(Repeat) }, { additionalProperties: false }), response: { 200: Type.Object({ playing: Type.Integer() }) } },
  link: { params: ById, querystring: Type.Object({ volume: Type.Optional(Volume), repeat: Type.Optional(Repeat) }, { additionalProperties: false }), response: { 200: Type.Object({ path: Type.String(), url: Type.String() }) } },
  audio: { summary: "the clip's file as uploaded", params: ById, querystring: OK },
  status: { querystring: OK, response: { 200: Status } },
  speakerTest: { querystring: OK, response: { 200: Report } },
  speakerTestAction: { params: Type.Object({ action: Type.Union([Type.Literal('calibrate'), Type.Literal('run')]) }, { additionalProperties: false }), body: OK, response: { 202: Report } },
} satisfies Record<string, RouteSchema | Record<string, RouteSchema>>;
const S = AUDIOD_API_SCHEMAS;

const probe = (method: string, url: string, needs: 'viewer' | 'operator' | 'admin', body?: string, contentType?: string) => ({ method, url, needs, ...(body !== undefined ? { body } : {}), ...(contentType ? { contentType } : {}) });
const json = 'application/json';

/**
 * audiod's HTTP routes, served on its own socket behind httpd (`src/http/`). Byte streams
 * (transmit, receive, upload, download) flow over the same HTTP hop.
 */
export const AUDIOD_ROUTES: readonly RouteSpec[] = [
  { path: '/axis-cgi/mediaclip.cgi', methods: ['GET', 'POST'], access: 'operator', errors: 'vapix-text', bodyLimit: CLIP_BODY_LIMIT, timeoutMs: UPLOAD_TIMEOUT_MS, probe: probe('GET', '/axis-cgi/mediaclip.cgi?action=stop', 'operator') },
  { path: '/axis-cgi/playclip.cgi', methods: ['GET', 'POST'], access: 'viewer', errors: 'vapix-text', probe: probe('GET', '/axis-cgi/playclip.cgi?clip=9999', 'viewer') },
  { path: '/axis-cgi/stopclip.cgi', methods: ['GET', 'POST'], access: 'viewer', errors: 'vapix-text', probe: probe('GET', '/axis-cgi/stopclip.cgi', 'viewer') },
  { path: '/axis-cgi/audio/transmit.cgi', methods: ['GET', 'POST'], access: 'viewer', errors: 'vapix-text', stream: true, bodyLimit: Number.MAX_SAFE_INTEGER, probe: probe('POST', '/axis-cgi/audio/transmit.cgi', 'viewer', 'x', 'text/plain') },
  { path: '/axis-cgi/audio/receive.cgi', methods: ['GET', 'POST'], access: 'viewer', errors: 'vapix-text', stream: true, probe: probe('GET', '/axis-cgi/audio/receive.cgi?audiocodec=aac', 'viewer') },
  { path: '/axis-cgi/audiodevicecontrol.cgi', methods: ['GET', 'POST'], access: 'self', errors: 'ajr', probe: probe('POST', '/axis-cgi/audiodevicecontrol.cgi', 'viewer', '{"apiVersion":"1.0","context":"Axis library","method":"getDevicesSettings"}', json) },
  { path: '/vapix/axast', methods: ['GET', 'POST'], access: 'admin', errors: 'vapix-text', probe: probe('POST', '/vapix/axast', 'admin', '{"axast:GetSpeakerTestReport":{}}', json) },
  { path: '/api/v1/clips', methods: ['GET', 'POST'], access: 'viewer', errors: 'json-api', bodyLimit: CLIP_BODY_LIMIT, timeoutMs: UPLOAD_TIMEOUT_MS, summary: 'list (viewer); upload the raw file as the body (operator)', schema: S.clips, probe: probe('GET', '/api/v1/clips', 'viewer') },
  { path: '/api/v1/clips/stop', methods: ['POST'], access: 'viewer', errors: 'json-api', schema: S.stop, probe: probe('POST', '/api/v1/clips/stop', 'viewer', '{}', json) },
  { path: '/api/v1/clips/:id', methods: ['PATCH', 'DELETE'], access: 'operator', errors: 'json-api', schema: S.clip, probe: probe('PATCH', '/api/v1/clips/9999', 'operator', '{"name":"x"}', json) },
  { path: '/api/v1/clips/:id/play', methods: ['POST'], access: 'viewer', errors: 'json-api', schema: S.play, probe: probe('POST', '/api/v1/clips/9999/play', 'viewer', '{}', json) },
  { path: '/api/v1/clips/:id/link', methods: ['GET'], access: 'operator', errors: 'json-api', schema: S.link, probe: probe('GET', '/api/v1/clips/9999/link', 'operator') },
  { path: '/api/v1/clips/:id/audio', methods: ['GET'], access: 'operator', errors: 'json-api', schema: S.audio, probe: probe('GET', '/api/v1/clips/9999/audio', 'operator') },
  { path: '/api/v1/audio/status', methods: ['GET'], access: 'viewer', errors: 'json-api', schema: S.status, probe: probe('GET', '/api/v1/audio/status', 'viewer') },
  { path: '/api/v1/speaker-test', methods: ['GET'], access: 'admin', errors: 'json-api', schema: S.speakerTest, probe: probe('GET', '/api/v1/speaker-test', 'admin') },
  { path: '/api/v1/speaker-test/:action', methods: ['POST'], access: 'admin', errors: 'json-api', schema: S.speakerTestAction, probe: probe('POST', '/api/v1/speaker-test/nothing', 'admin', '{}', json) },
];

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

/** audiod's contract: RPC methods on `belfry/rpc/audiod/<method>` (rule actions call play/stop/performSpeakerTest) and its routes. */
export const AUDIOD = defineContract({
  name: 'audiod',
  methods: {
    listClips: { params: Empty, result: Type.Unsafe<{ clips: ClipInfo[]; usedBytes: number; quotaBytes: number; maxUploadBytes: number }>(Nothing), callers: 'daemons' },
    play: { params: PlayParams, result: Type.Object({ clip: Type.Integer() }), callers: 'daemons', summary: 'plays clip `clip` or the first clip matching `location`' },
    stop: { params: Empty, result: Type.Object({ stopped: Type.Boolean() }), callers: 'daemons', summary: 'stops the playing clip (not a call or a live transmit)' },
    renameClip: { params: Type.Object({ clip: Type.Integer({ minimum: 0 }), name: Type.String({ maxLength: 256 }) }, { additionalProperties: false }), result: Type.Object({ clip: Type.Integer() }), callers: 'daemons' },
    removeClip: { params: Type.Object({ clip: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }), result: Type.Object({ clip: Type.Integer() }), callers: 'daemons' },
    status: { params: Empty, result: Type.Unsafe<AudioStatus>(Nothing), callers: 'daemons' },
    getDevicesCapabilities: { params: Empty, result: Type.Object({ devices: Type.Array(Type.Unknown()) }), callers: 'daemons' },
    getDevicesSettings: { params: Empty, result: Type.Object({ devices: Type.Array(Type.Unknown()) }), callers: 'daemons' },
    setDevicesSettings: { params: Type.Object({ devices: Type.Array(Type.Unknown(), { maxItems: 16 }) }, { additionalProperties: false }), result: Type.Unsafe<Record<string, never>>(Nothing), callers: 'daemons', summary: 'a partial tree in the VAPIX shape; ids match as strings or numbers' },
    calibrateSpeakerTest: { params: Empty, result: Type.Unsafe<Record<string, never>>(Nothing), callers: 'daemons', summary: 'starts a calibration; the report says Pending until done' },
    performSpeakerTest: { params: Empty, result: Type.Unsafe<Record<string, never>>(Nothing), callers: 'daemons' },
    speakerTestReport: { params: Empty, result: Type.Unsafe<SpeakerTestReport>(Nothing), callers: 'daemons' },
    ...RTP_METHODS,
  },
  routes: AUDIOD_ROUTES,
});

export type AudiodContract = MethodsOf<typeof AUDIOD>;

/** The params schemas the RPC server checks (from the contract). */
export const AUDIOD_SCHEMAS = Object.fromEntries(Object.entries(AUDIOD.methods).map(([m, s]) => [m, s.params])) as Record<keyof AudiodContract, object>;

export interface AudioStatus {
  playing: { kind: string; clip?: number; name?: string } | null;
  microphone: boolean;
  /** the microphone's level now, 0–100 (the AlarmLevel scale) */
  inputLevel: number;
  engine: string;
  /** request → first sample at the speaker, for the last clip played (ms) */
  lastStartLatencyMs: number | null;
  /** audiod's own memory (MB): V8 heap used/total, buffers outside the heap, resident */
  memoryMB: { heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; rss: number };
}

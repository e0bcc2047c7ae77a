import { Type } from 'typebox';
import { defineContract, type MethodsOf, type RouteSchema, type RouteSpec } from '@belfry/core/contract';
import type { ClipInfo } from './clips/store.js';
import type { SpeakerTestReport } from './speaker-test/report.js';
import { RTP_METHODS } from './rtp/contract.js';

/** The SIP call's media (RTP sessions for sipd): schemas, limits and topics. */
export * from './rtp/contract.js';

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

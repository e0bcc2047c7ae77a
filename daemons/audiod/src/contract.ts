import type { ClipInfo } from './clips/store.js';
import type { SpeakerTestReport } from './speaker-test/report.js';

/** Device gain/mute as audiodevicecontrol.cgi shows them (VAPIX Audio device control, §2.10). */
export interface ChannelSettings {
  id: number;
  gain: number;
  mute: boolean;
}

/**
 * audiod's RPC methods (`belfry/rpc/audiod/<method>`). Byte streams (transmit, receive, upload,
 * download) go through the media socket instead (`media-socket.ts`).
 */
export type AudiodContract = {
  listClips(p: Record<string, never>): { clips: ClipInfo[]; usedBytes: number; quotaBytes: number; maxUploadBytes: number };
  /** plays clip `clip` or the first clip matching `location`; volume in linear percent 0–1000, repeat -1 = forever */
  play(p: { clip?: number; location?: string; repeat?: number; volume?: number; audiodeviceid?: number; audiooutputid?: number; audiooutput?: number }): { clip: number };
  /** stops the playing clip (not a call or a live transmit) */
  stop(p: Record<string, never>): { stopped: boolean };
  renameClip(p: { clip: number; name: string }): { clip: number };
  removeClip(p: { clip: number }): { clip: number };
  status(p: Record<string, never>): AudioStatus;
  getDevicesCapabilities(p: Record<string, never>): { devices: unknown[] };
  getDevicesSettings(p: Record<string, never>): { devices: unknown[] };
  /** a partial tree in the VAPIX shape; ids match as strings or numbers */
  setDevicesSettings(p: { devices: unknown[] }): Record<string, never>;
  /** start a calibration / a test; answers once it has started (the report says Pending until done) */
  calibrateSpeakerTest(p: Record<string, never>): Record<string, never>;
  performSpeakerTest(p: Record<string, never>): Record<string, never>;
  speakerTestReport(p: Record<string, never>): SpeakerTestReport;
};

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

export const AUDIOD_SCHEMAS = {
  listClips: { type: 'object', additionalProperties: false },
  play: {
    type: 'object',
    additionalProperties: false,
    properties: {
      clip: { type: 'integer', minimum: 0, maximum: 9999 },
      location: { type: 'string', minLength: 1, maxLength: 255 },
      repeat: { type: 'integer', minimum: -1, maximum: 10000 },
      volume: { type: 'integer', minimum: 0, maximum: 1000 },
      audiodeviceid: { type: 'integer' },
      audiooutputid: { type: 'integer' },
      audiooutput: { type: 'integer' },
    },
  },
  stop: { type: 'object', additionalProperties: false },
  renameClip: { type: 'object', additionalProperties: false, required: ['clip', 'name'], properties: { clip: { type: 'integer', minimum: 0 }, name: { type: 'string', maxLength: 256 } } },
  removeClip: { type: 'object', additionalProperties: false, required: ['clip'], properties: { clip: { type: 'integer', minimum: 0 } } },
  status: { type: 'object', additionalProperties: false },
  getDevicesCapabilities: { type: 'object', additionalProperties: false },
  getDevicesSettings: { type: 'object', additionalProperties: false },
  setDevicesSettings: { type: 'object', additionalProperties: false, required: ['devices'], properties: { devices: { type: 'array', maxItems: 16 } } },
  calibrateSpeakerTest: { type: 'object', additionalProperties: false },
  performSpeakerTest: { type: 'object', additionalProperties: false },
  speakerTestReport: { type: 'object', additionalProperties: false },
} as const;

/** Media socket path under the run folder. */
export const MEDIA_SOCKET = 'audiod/media.sock';

/** Media socket request lines (one JSON line, then bytes). */
export type MediaRequest =
  | { op: 'transmit'; codec: 'mulaw'; rate: 8000 | 16000 }
  | { op: 'receive'; codec: 'mulaw'; rate: 8000 | 16000 }
  | { op: 'upload'; name: string; filename: string; bytes: number }
  | { op: 'download'; clip: number };

/**
 * Real clips made by real encoders (sox, GStreamer), so the probe and the analysis are tested
 * against what users' tools actually write rather than against hand-built headers.
 */
import { execFile } from 'node:child_process';
import { sim } from '@belfry/board';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type ClipKind = 'au' | 'wav' | 'mp3' | 'opus' | 'vorbis';

export interface ClipOptions {
  seconds?: number;
  toneHz?: number;
  /** White noise instead of the sine (sox kinds only): VBR encoders spend bits on it. */
  noise?: boolean;
  /** Linear amplitude of the sine, 0–1 (0.1 ≈ −20 dBFS, 0.5 ≈ −6 dBFS). */
  volume?: number;
  rate?: number;
  channels?: number;
  /** wav only: 8 or 16 (sox also makes 24 and 32 for refusal tests). */
  bits?: number;
  /** wav only: sox encoding, e.g. 'floating-point'. */
  encoding?: string;
  /** au only: 'mu-law' by default; 'signed-integer' makes a linear-PCM .au. */
  auEncoding?: string;
  /** mp3 only, kbit/s. */
  kbps?: number;
  /** Output file name inside dir; defaults to a name derived from the options. */
  name?: string;
}

let seq = 0;

export async function makeClip(dir: string, kind: ClipKind, opts: ClipOptions = {}): Promise<string> {
  const seconds = opts.seconds ?? 1;
  const tone = opts.toneHz ?? 1000;
  const volume = opts.volume ?? 0.5;
  const channels = opts.channels ?? 1;
  const ext = kind === 'vorbis' ? 'ogg' : kind;
  const rate = opts.rate ?? (kind === 'au' ? 8000 : kind === 'opus' || kind === 'vorbis' ? 48000 : 16000);
  const file = join(dir, opts.name ?? `${kind}-${rate}-${channels}ch-${opts.bits ?? opts.kbps ?? ''}-${seq++}.${ext}`);
  const synth = ['synth', String(seconds), ...(opts.noise ? ['whitenoise'] : ['sine', String(tone)]), 'vol', String(volume)];
  switch (kind) {
    case 'au':
      await run('sox', ['-n', '-r', String(rate), '-c', String(channels), '-e', opts.auEncoding ?? 'mu-law', '-t', 'au', file, ...synth]);
      break;
    case 'wav': {
      const bits = opts.bits ?? 16;
      const enc = opts.encoding ?? (bits === 8 ? 'unsigned-integer' : 'signed-integer');
      await run('sox', ['-n', '-r', String(rate), '-c', String(channels), '-b', String(bits), '-e', enc, '-t', 'wav', file, ...synth]);
      break;
    }
    case 'mp3':
      await run('sox', ['-n', '-r', String(rate), '-c', String(channels), '-C', String(opts.kbps ?? 128), '-t', 'mp3', file, ...synth]);
      break;
    case 'opus':
    case 'vorbis': {
      // audiotestsrc makes 1024-sample buffers by default; samplesperbuffer = rate/100 gives 10 ms buffers.
      const spb = rate / 100;
      const buffers = Math.round(seconds * 100);
      await run('gst-launch-1.0', [
        '-q', 'audiotestsrc', 'wave=sine', `freq=${tone}`, `volume=${volume}`, `samplesperbuffer=${spb}`, `num-buffers=${buffers}`, '!',
        `audio/x-raw,rate=${rate}`, '!', 'audioconvert', '!', 'audioresample', '!',
        `audio/x-raw,rate=${rate},channels=${channels}`, '!',
        kind === 'opus' ? 'opusenc' : 'vorbisenc', '!', 'oggmux', '!', 'filesink', `location=${file}`,
      ]);
      break;
    }
  }
  return file;
}

/** The manual's accepted formats at their edge values; every entry must probe and decode. */
export const ACCEPTED: { kind: ClipKind; opts: ClipOptions; rate: number; channels: number; bits?: number; kbps?: number }[] = [
  { kind: 'au', opts: { rate: 8000 }, rate: 8000, channels: 1, bits: 8 },
  { kind: 'au', opts: { rate: 16000 }, rate: 16000, channels: 1, bits: 8 },
  { kind: 'wav', opts: { rate: 8000, bits: 8 }, rate: 8000, channels: 1, bits: 8 },
  { kind: 'wav', opts: { rate: 8000, bits: 16, channels: 2 }, rate: 8000, channels: 2, bits: 16 },
  { kind: 'wav', opts: { rate: 48000, bits: 8, channels: 2 }, rate: 48000, channels: 2, bits: 8 },
  { kind: 'wav', opts: { rate: 48000, bits: 16 }, rate: 48000, channels: 1, bits: 16 },
  { kind: 'wav', opts: { rate: 22050, bits: 16, channels: 2 }, rate: 22050, channels: 2, bits: 16 },
  { kind: 'mp3', opts: { rate: 8000, kbps: 64 }, rate: 8000, channels: 1, kbps: 64 },
  { kind: 'mp3', opts: { rate: 8000, kbps: 64, channels: 2 }, rate: 8000, channels: 2, kbps: 64 },
  { kind: 'mp3', opts: { rate: 48000, kbps: 64 }, rate: 48000, channels: 1, kbps: 64 },
  { kind: 'mp3', opts: { rate: 48000, kbps: 320, channels: 2 }, rate: 48000, channels: 2, kbps: 320 },
  { kind: 'mp3', opts: { rate: 44100, kbps: 128, channels: 2 }, rate: 44100, channels: 2, kbps: 128 },
  { kind: 'opus', opts: { rate: 8000 }, rate: 8000, channels: 1 },
  { kind: 'opus', opts: { rate: 48000, channels: 2 }, rate: 48000, channels: 2 },
  { kind: 'vorbis', opts: { rate: 8000 }, rate: 8000, channels: 1 },
  { kind: 'vorbis', opts: { rate: 48000, channels: 2 }, rate: 48000, channels: 2 },
];

/**
 * mp3 has no sample-exact length without a LAME gapless header (sox writes none for CBR): the
 * encoder delay and the last frame's padding add up to about two frames, 144 ms at 8 kHz.
 */
export function durationSlackMs(kind: ClipKind, rate: number): number {
  return 100 + (kind === 'mp3' ? (2 * (rate >= 32000 ? 1152 : 576) * 1000) / rate : 0);
}

/** Deterministic bytes, so a failing mutation can be reproduced (the room model's PRNG). */
export const prng = sim.mulberry32;

export function randomBuffer(next: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
  return b;
}

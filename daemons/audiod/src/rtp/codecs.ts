import { execFile } from 'node:child_process';
import type { RtpCodec } from '../contract.js';

type CodecName = RtpCodec['name'];

/** How GStreamer encodes and decodes each codec audiod could offer. */
export interface CodecPlan {
  name: CodecName;
  clockRate: number;
  channels: number;
  payloadType: number;
  /** the RTP caps' encoding-name */
  encodingName: string;
  /** raw audio → RTP (the payloader's `pt` is set per session) */
  encode: (pt: number) => string;
  /** RTP → raw audio */
  decode: string;
  /** the element factories both directions need */
  elements: string[];
}

/** 20 ms packets: what phones expect (RFC 3551 default ptime) and what the mixer's frames are. */
const PTIME = 'min-ptime=20000000 max-ptime=20000000';

/** In audiod's preference order: wideband first, then G.711. */
export const CODEC_PLANS: readonly CodecPlan[] = [
  {
    name: 'opus', clockRate: 48000, channels: 2, payloadType: 111, encodingName: 'OPUS',
    encode: (pt) => `opusenc bitrate=32000 frame-size=20 ! rtpopuspay pt=${pt}`,
    decode: 'rtpopusdepay ! opusdec',
    elements: ['opusenc', 'opusdec', 'rtpopuspay', 'rtpopusdepay'],
  },
  {
    // RFC 3551: G.722 samples at 16 kHz but its RTP clock (and SDP rate) is 8000
    name: 'G722', clockRate: 8000, channels: 1, payloadType: 9, encodingName: 'G722',
    encode: (pt) => `audio/x-raw,rate=16000 ! avenc_g722 ! rtpg722pay pt=${pt}`,
    decode: 'rtpg722depay ! avdec_g722',
    elements: ['avenc_g722', 'avdec_g722', 'rtpg722pay', 'rtpg722depay'],
  },
  {
    name: 'PCMU', clockRate: 8000, channels: 1, payloadType: 0, encodingName: 'PCMU',
    encode: (pt) => `audio/x-raw,rate=8000 ! mulawenc ! rtppcmupay pt=${pt} ${PTIME}`,
    decode: 'rtppcmudepay ! mulawdec',
    elements: ['mulawenc', 'mulawdec', 'rtppcmupay', 'rtppcmudepay'],
  },
  {
    name: 'PCMA', clockRate: 8000, channels: 1, payloadType: 8, encodingName: 'PCMA',
    encode: (pt) => `audio/x-raw,rate=8000 ! alawenc ! rtppcmapay pt=${pt} ${PTIME}`,
    decode: 'rtppcmadepay ! alawdec',
    elements: ['alawenc', 'alawdec', 'rtppcmapay', 'rtppcmadepay'],
  },
];

/** Elements every session needs whatever the codec. */
const COMMON = ['udpsrc', 'udpsink', 'rtpjitterbuffer', 'audioconvert', 'audioresample'];

function exists(element: string): Promise<boolean> {
  return new Promise((resolve) => execFile('gst-inspect-1.0', ['--exists', element], { timeout: 10_000 }, (err) => resolve(!err)));
}

let probed: Promise<CodecPlan[]> | undefined;

/**
 * The codecs this machine's GStreamer can both encode and decode, probed once per process (element
 * factories only: G.722 needs gst-libav, which the board image may lack). Nothing is offered if the
 * common RTP elements are missing.
 */
export function availableCodecs(check: (element: string) => Promise<boolean> = exists): Promise<CodecPlan[]> {
  const run = async () => {
    const names = [...new Set([...COMMON, ...CODEC_PLANS.flatMap((c) => c.elements)])];
    const have = new Map(await Promise.all(names.map(async (n) => [n, await check(n)] as const)));
    if (!COMMON.every((n) => have.get(n))) return [];
    return CODEC_PLANS.filter((c) => c.elements.every((n) => have.get(n)));
  };
  if (check !== exists) return run();
  return (probed ??= run());
}

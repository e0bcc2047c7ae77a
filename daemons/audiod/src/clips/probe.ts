/**
 * Content probing for uploaded clips: which accepted format the bytes are, and whether the header
 * stays inside the manual's limits. Pure TypeScript on purpose: it runs on every upload before any
 * decoder touches the file, so it must be cheap and unable to crash (every read is bounds-checked,
 * and the only exception that leaves is ClipError, whose message is shown to the user).
 *
 * The file name and the client's Content-Type are never consulted: a .wav renamed .mp3 is a wav.
 */

export type ClipFormat = 'au' | 'wav' | 'mp3' | 'opus' | 'vorbis';

export interface ProbeResult {
  format: ClipFormat;
  mime: string;
  /** Conventional file extension, without the dot. */
  extension: string;
  /** Sample rate of the source (for Opus: the encoder's input rate; it always decodes at 48 kHz). */
  rate: number;
  channels: number;
  bitsPerSample?: number;
  /** mp3 only: the constant bitrate, or the average one from a Xing/Info/VBRI header. */
  bitrateKbps?: number;
  /** estimated from header/size; null when unknown */
  durationMs: number | null;
}

export class ClipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClipError';
  }
}

/**
 * What the probe reads: a Buffer, or a file read at the offsets the probe asks for (`fileBytes`),
 * so a 50 MB upload is probed from a few blocks of its head and tail.
 */
export interface Bytes {
  readonly length: number;
  at(i: number): number | undefined;
  readUInt16LE(o: number): number;
  readUInt32LE(o: number): number;
  readUInt32BE(o: number): number;
  readInt32LE(o: number): number;
  toString(encoding: 'latin1', start: number, end: number): string;
  subarray(start: number, end: number): Buffer;
}

export interface ProbeLimits {
  maxDurationMs: number;
}

const UNSUPPORTED = 'unsupported format: not a .au, .wav, .mp3, .opus or .vorbis file';
const MIN_RATE = 8000;
const MAX_RATE = 48000;

export function probeClip(bytes: Bytes, limits: ProbeLimits): ProbeResult {
  if (bytes.length < 4) throw new ClipError(bytes.length === 0 ? 'the file is empty' : UNSUPPORTED);
  let r: ProbeResult;
  if (hasAscii(bytes, 0, '.snd')) r = probeAu(bytes);
  else if (hasAscii(bytes, 0, 'RIFF')) r = probeWav(bytes);
  else if (hasAscii(bytes, 0, 'OggS')) r = probeOgg(bytes);
  else r = probeMp3(bytes);
  if (r.durationMs !== null) {
    if (r.durationMs <= 0) throw new ClipError(`${r.format}: the file contains no audio`);
    if (r.durationMs > limits.maxDurationMs) {
      throw new ClipError(
        `too long: ${formatDuration(r.durationMs)} of audio, the limit is ${formatDuration(limits.maxDurationMs)}`,
      );
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Bounded reads. Each returns undefined past the end rather than throwing RangeError, so callers
// decide which ClipError a short file deserves.

function u8(b: Bytes, o: number): number | undefined {
  return o >= 0 && o + 1 <= b.length ? b.at(o) : undefined;
}
function u16le(b: Bytes, o: number): number | undefined {
  return o >= 0 && o + 2 <= b.length ? b.readUInt16LE(o) : undefined;
}
function u32le(b: Bytes, o: number): number | undefined {
  return o >= 0 && o + 4 <= b.length ? b.readUInt32LE(o) : undefined;
}
function u32be(b: Bytes, o: number): number | undefined {
  return o >= 0 && o + 4 <= b.length ? b.readUInt32BE(o) : undefined;
}
/** Granule positions are 64-bit; a Number is exact far beyond any duration we accept. */
function i64le(b: Bytes, o: number): number | undefined {
  if (o < 0 || o + 8 > b.length) return undefined;
  const lo = b.readUInt32LE(o);
  const hi = b.readInt32LE(o + 4);
  return hi * 0x1_0000_0000 + lo;
}
function hasAscii(b: Bytes, o: number, s: string): boolean {
  if (o < 0 || o + s.length > b.length) return false;
  for (let i = 0; i < s.length; i++) if (b.at(o + i) !== s.charCodeAt(i)) return false;
  return true;
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new ClipError(`${what}: the file is truncated (header cut short)`);
  return v;
}

function checkRate(fmt: string, rate: number): void {
  if (rate < MIN_RATE || rate > MAX_RATE) {
    throw new ClipError(`${fmt}: sample rate ${rate} Hz is not supported (8000–48000 Hz)`);
  }
}
function checkChannels(fmt: string, channels: number): void {
  if (channels < 1 || channels > 2) {
    throw new ClipError(`${fmt}: ${channels} channels are not supported (mono or stereo only)`);
  }
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(1)} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h} h ${m} min` : `${m} min ${sec} s`;
}

// ---------------------------------------------------------------------------------------------
// Sun/NeXT .au: big-endian header; only µ-law is accepted (it is what the device's own streams
// use), at the two rates the manual lists.

function probeAu(b: Bytes): ProbeResult {
  const offset = need(u32be(b, 4), 'au');
  const size = need(u32be(b, 8), 'au');
  const encoding = need(u32be(b, 12), 'au');
  const rate = need(u32be(b, 16), 'au');
  const channels = need(u32be(b, 20), 'au');
  if (offset < 24 || offset > b.length) throw new ClipError('au: the file is truncated (header cut short)');
  if (encoding !== 1) {
    const what = encoding >= 2 && encoding <= 5 ? 'linear PCM' : encoding === 27 ? 'A-law' : `encoding ${encoding}`;
    throw new ClipError(`au: ${what} is not supported, only µ-law (encoding 1)`);
  }
  if (rate !== 8000 && rate !== 16000) throw new ClipError(`au: sample rate ${rate} Hz is not supported (8000 or 16000 Hz)`);
  checkChannels('au', channels);
  const present = b.length - offset;
  let dataSize = size;
  if (size === 0xffffffff) dataSize = present;
  else if (size > present) throw new ClipError('au: the file is truncated (the header announces more audio than the file holds)');
  return {
    format: 'au', mime: 'audio/basic', extension: 'au', rate, channels, bitsPerSample: 8,
    durationMs: Math.floor(dataSize / channels) * 1000 / rate,
  };
}

// ---------------------------------------------------------------------------------------------
// RIFF/WAVE.

const KSDATAFORMAT_SUBTYPE_TAIL = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]);

function probeWav(b: Bytes): ProbeResult {
  need(u32le(b, 4), 'wav');
  if (!hasAscii(b, 8, 'WAVE')) {
    if (b.length < 12) throw new ClipError('wav: the file is truncated (header cut short)');
    throw new ClipError(UNSUPPORTED);
  }
  let fmt: { tag: number; channels: number; rate: number; blockAlign: number; bits: number } | undefined;
  let data: { offset: number; size: number } | undefined;
  let pos = 12;
  // Chunks are walked by their declared sizes; a size that points past the end ends the walk
  // (it is only an error when it is the data chunk, checked below).
  while (pos + 8 <= b.length && !(data && fmt)) {
    const id = b.toString('latin1', pos, pos + 4);
    const size = b.readUInt32LE(pos + 4);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > b.length) throw new ClipError('wav: the file is truncated (fmt chunk cut short)');
      let tag = b.readUInt16LE(body);
      const channels = b.readUInt16LE(body + 2);
      const rate = b.readUInt32LE(body + 4);
      const blockAlign = b.readUInt16LE(body + 12);
      const bits = b.readUInt16LE(body + 14);
      if (tag === 0xfffe) {
        // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
        if (size < 40 || body + 40 > b.length) throw new ClipError('wav: the file is truncated (fmt chunk cut short)');
        const validBits = b.readUInt16LE(body + 18);
        if (!b.subarray(body + 26, body + 40).equals(KSDATAFORMAT_SUBTYPE_TAIL)) {
          throw new ClipError('wav: unknown sub-format, only PCM is supported');
        }
        tag = b.readUInt16LE(body + 24);
        if (validBits !== 0 && validBits !== bits) {
          throw new ClipError(`wav: ${validBits}-bit samples are not supported (8 or 16-bit PCM only)`);
        }
      }
      fmt = { tag, channels, rate, blockAlign, bits };
    } else if (id === 'data') {
      data = { offset: body, size };
    }
    pos = body + size + (size & 1);
  }
  if (!fmt) throw new ClipError('wav: no fmt chunk (the file is truncated or not a valid wav)');
  if (fmt.tag === 3) throw new ClipError('wav: floating-point samples are not supported (8 or 16-bit PCM only)');
  if (fmt.tag !== 1) throw new ClipError(`wav: compression format ${fmt.tag} is not supported (8 or 16-bit PCM only)`);
  if (fmt.bits !== 8 && fmt.bits !== 16) throw new ClipError(`wav: ${fmt.bits}-bit samples are not supported (8 or 16-bit PCM only)`);
  checkChannels('wav', fmt.channels);
  checkRate('wav', fmt.rate);
  const frameBytes = (fmt.bits / 8) * fmt.channels;
  if (fmt.blockAlign !== frameBytes) throw new ClipError('wav: inconsistent fmt chunk (block size does not match the sample format)');
  if (!data) throw new ClipError('wav: no data chunk (the file is truncated or not a valid wav)');
  const present = b.length - data.offset;
  let dataSize = data.size;
  // 0 and 0xFFFFFFFF are what writers that cannot seek back (arecord, ffmpeg to a pipe) leave in
  // the header. Tolerating them costs nothing: the duration then comes from the bytes actually
  // present, so it cannot be a lie. Any other size beyond the end is a cut or lying file.
  if (dataSize === 0xffffffff || dataSize === 0) dataSize = present;
  else if (dataSize > present) {
    const claimed = Math.floor(dataSize / frameBytes) * 1000 / fmt.rate;
    throw new ClipError(
      `wav: the file is truncated or its header is wrong (it announces ${formatDuration(claimed)} of audio, the file holds ${formatDuration(Math.floor(present / frameBytes) * 1000 / fmt.rate)})`,
    );
  }
  return {
    format: 'wav', mime: 'audio/wav', extension: 'wav', rate: fmt.rate, channels: fmt.channels, bitsPerSample: fmt.bits,
    durationMs: Math.floor(dataSize / frameBytes) * 1000 / fmt.rate,
  };
}

// ---------------------------------------------------------------------------------------------
// MPEG audio layer III.

const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, -1];
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1];
const RATES_V1 = [44100, 48000, 32000];
const MIN_KBPS = 64;
const MAX_KBPS = 320;

interface MpegFrame {
  /** 1 = MPEG-1, 2 = MPEG-2, 2.5 = MPEG-2.5 */
  version: 1 | 2 | 2.5;
  layer: number;
  kbps: number;
  rate: number;
  channels: number;
  length: number;
  samples: number;
}

/** undefined when the four bytes are not a usable frame header (any layer, free format excluded). */
function mpegHeader(b: Bytes, o: number): MpegFrame | undefined {
  const h = u32be(b, o);
  if (h === undefined || (h & 0xffe00000) >>> 0 !== 0xffe00000) return undefined;
  const v = (h >>> 19) & 3;
  const layerBits = (h >>> 17) & 3;
  const brIdx = (h >>> 12) & 15;
  const srIdx = (h >>> 10) & 3;
  if (v === 1 || layerBits === 0 || brIdx === 0 || brIdx === 15 || srIdx === 3) return undefined;
  const version = v === 3 ? 1 : v === 2 ? 2 : 2.5;
  const layer = 4 - layerBits;
  const rate = RATES_V1[srIdx]! / (version === 1 ? 1 : version === 2 ? 2 : 4);
  const padding = (h >>> 9) & 1;
  const channels = ((h >>> 6) & 3) === 3 ? 1 : 2;
  if (layer !== 3) return { version, layer, kbps: 0, rate, channels, length: 0, samples: 0 };
  const kbps = (version === 1 ? BITRATES_V1 : BITRATES_V2)[brIdx]!;
  const samples = version === 1 ? 1152 : 576;
  const length = Math.floor((samples / 8) * kbps * 1000 / rate) + padding;
  return { version, layer, kbps, rate, channels, length, samples };
}

function probeMp3(b: Bytes): ProbeResult {
  let pos = 0;
  // ID3v2 tags may be stacked (some taggers prepend a new one instead of rewriting).
  while (hasAscii(b, pos, 'ID3')) {
    if (pos + 10 > b.length) throw new ClipError('mp3: the file is truncated (ID3 tag cut short)');
    const s = [b.at(pos + 6)!, b.at(pos + 7)!, b.at(pos + 8)!, b.at(pos + 9)!];
    if (s.some((x) => x & 0x80)) throw new ClipError('mp3: corrupt ID3 tag');
    const size = (s[0]! << 21) | (s[1]! << 14) | (s[2]! << 7) | s[3]!;
    const footer = b.at(pos + 5)! & 0x10 ? 10 : 0;
    pos += 10 + size + footer;
    if (pos >= b.length) throw new ClipError('mp3: the file is truncated (no audio after the ID3 tag)');
  }
  const tagged = pos > 0;
  // Tag writers may leave zero padding not counted in the tag size.
  while (tagged && pos < b.length && b.at(pos) === 0) pos++;
  const first = mpegHeader(b, pos);
  if (!first) {
    if (tagged) throw new ClipError('mp3: no MPEG audio frame after the ID3 tag (truncated or not an mp3)');
    throw new ClipError(UNSUPPORTED);
  }
  if (first.layer !== 3) throw new ClipError(tagged ? 'mp3: only MPEG layer III audio is supported' : UNSUPPORTED);
  // One plausible header is a 1-in-a-few-thousand accident in random bytes; requiring the next
  // frame exactly where this one ends makes a false positive negligible.
  const nextPos = pos + first.length;
  const next = mpegHeader(b, nextPos);
  const endsHere = nextPos === b.length || hasAscii(b, nextPos, 'TAG') || hasAscii(b, nextPos, 'APETAGEX');
  if (!endsHere) {
    if (!next) {
      if (nextPos + 4 > b.length) throw new ClipError('mp3: the file is truncated (audio cut short)');
      throw new ClipError(tagged ? 'mp3: corrupt MPEG audio stream' : UNSUPPORTED);
    }
    if (next.layer !== 3 || next.version !== first.version || next.rate !== first.rate) {
      throw new ClipError(tagged ? 'mp3: corrupt MPEG audio stream' : UNSUPPORTED);
    }
  }
  checkRate('mp3', first.rate);

  let audioEnd = b.length;
  if (audioEnd - 128 >= pos && hasAscii(b, audioEnd - 128, 'TAG')) audioEnd -= 128;
  const vbr = vbrInfo(b, pos, first);
  let kbps: number;
  let durationMs: number;
  if (vbr) {
    durationMs = vbr.frames * first.samples * 1000 / first.rate;
    const bytes = vbr.bytes ?? audioEnd - pos;
    if (durationMs <= 0) throw new ClipError('mp3: the file contains no audio');
    kbps = Math.round(bytes * 8 / durationMs);
  } else {
    kbps = first.kbps;
    durationMs = (audioEnd - pos) * 8 / kbps;
  }
  if (kbps < MIN_KBPS || kbps > MAX_KBPS) {
    throw new ClipError(`mp3: bitrate ${kbps} kbit/s is not supported (${MIN_KBPS}–${MAX_KBPS} kbit/s)`);
  }
  return {
    format: 'mp3', mime: 'audio/mpeg', extension: 'mp3', rate: first.rate, channels: first.channels,
    bitrateKbps: kbps, durationMs,
  };
}

/** Xing/Info (LAME) or VBRI (Fraunhofer) header in the first frame: exact frame count for VBR. */
function vbrInfo(b: Bytes, pos: number, f: MpegFrame): { frames: number; bytes?: number } | undefined {
  const sideInfo = f.version === 1 ? (f.channels === 1 ? 17 : 32) : f.channels === 1 ? 9 : 17;
  const x = pos + 4 + sideInfo;
  if (hasAscii(b, x, 'Xing') || hasAscii(b, x, 'Info')) {
    const flags = u32be(b, x + 4);
    if (flags === undefined || !(flags & 1)) return undefined;
    const frames = u32be(b, x + 8);
    if (frames === undefined) return undefined;
    const bytes = flags & 2 ? u32be(b, x + 12) : undefined;
    return { frames, bytes: bytes !== undefined && bytes > 0 ? bytes : undefined };
  }
  const v = pos + 4 + 32;
  if (hasAscii(b, v, 'VBRI')) {
    const bytes = u32be(b, v + 10);
    const frames = u32be(b, v + 14);
    if (frames === undefined) return undefined;
    return { frames, bytes: bytes !== undefined && bytes > 0 ? bytes : undefined };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Ogg (Opus or Vorbis in the first logical stream).

interface OggPage {
  flags: number;
  granule: number;
  serial: number;
  /** offset of the page body */
  body: number;
  segments: number[];
  end: number;
}

/** undefined when no complete page starts at o. */
function oggPage(b: Bytes, o: number): OggPage | undefined {
  if (!hasAscii(b, o, 'OggS') || u8(b, o + 4) !== 0) return undefined;
  const nseg = u8(b, o + 26);
  if (nseg === undefined || o + 27 + nseg > b.length) return undefined;
  const segments = [...b.subarray(o + 27, o + 27 + nseg)];
  const body = o + 27 + nseg;
  const end = body + segments.reduce((a, s) => a + s, 0);
  if (end > b.length) return undefined;
  return { flags: b.at(o + 5)!, granule: i64le(b, o + 6)!, serial: b.readUInt32LE(o + 14), body, segments, end };
}

function probeOgg(b: Bytes): ProbeResult {
  const page = oggPage(b, 0);
  if (!page) throw new ClipError('ogg: the file is truncated (first page cut short)');
  // The identification header is the first packet, alone on the first page (RFC 7845, Vorbis I §4.3).
  let len = 0;
  for (const s of page.segments) {
    len += s;
    if (s < 255) break;
  }
  const p = b.subarray(page.body, page.body + len);
  let format: ClipFormat;
  let rate: number;
  let channels: number;
  let preSkip = 0;
  let granuleRate: number;
  if (hasAscii(p, 0, 'OpusHead')) {
    format = 'opus';
    channels = need(u8(p, 9), 'opus');
    preSkip = need(u16le(p, 10), 'opus');
    const inputRate = need(u32le(p, 12), 'opus');
    // 0 means "unspecified"; Opus itself always runs at 48 kHz.
    rate = inputRate === 0 ? 48000 : inputRate;
    granuleRate = 48000;
  } else if (hasAscii(p, 0, '\x01vorbis')) {
    format = 'vorbis';
    channels = need(u8(p, 11), 'vorbis');
    rate = need(u32le(p, 12), 'vorbis');
    granuleRate = rate;
  } else {
    throw new ClipError('unsupported format: an Ogg file that is neither Opus nor Vorbis');
  }
  checkChannels(format, channels);
  checkRate(format, rate);
  const granule = lastGranule(b, page.serial);
  const durationMs = granule === undefined ? null : Math.max(0, granule - preSkip) * 1000 / granuleRate;
  return {
    format, mime: 'audio/ogg', extension: format === 'opus' ? 'opus' : 'ogg', rate, channels, durationMs,
  };
}

/** Granule of the last complete page of the stream; pages are at most 65307 bytes, so a short scan back suffices. */
function lastGranule(b: Bytes, serial: number): number | undefined {
  const stop = Math.max(0, b.length - 65307 * 2);
  // the scan reads the tail once (a file is read at the offsets the probe asks for)
  const t = b.subarray(stop, b.length);
  for (let o = t.lastIndexOf('OggS', t.length - 4, 'latin1'); o >= 0; o = o > 0 ? t.lastIndexOf('OggS', o - 1, 'latin1') : -1) {
    const page = oggPage(t, o);
    // -1 marks a page on which no packet ends; it says nothing about the length.
    if (page && page.serial === serial && page.granule >= 0) return page.granule;
  }
  return undefined;
}

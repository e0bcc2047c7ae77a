/**
 * The device's one internal audio format (see README): signed 16-bit mono at 16 kHz, mixed in 20 ms
 * frames. Codecs at the edges (µ-law on transmit/receive) convert here, in plain TypeScript: the
 * work is a table lookup per sample, far cheaper than a GStreamer pipeline per stream.
 */
export const MIX_RATE = 16000;
export const FRAME_MS = 20;
export const FRAME = (MIX_RATE * FRAME_MS) / 1000;

const MULAW_DECODE = new Int16Array(256);
for (let i = 0; i < 256; i++) {
  const u = ~i & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  MULAW_DECODE[i] = u & 0x80 ? 0x84 - t : t - 0x84;
}

/** G.711 µ-law → linear (ITU-T reference). */
export function mulawDecode(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = MULAW_DECODE[bytes[i]!]!;
  return out;
}

/** linear → G.711 µ-law (ITU-T reference, with the 0x84 bias and clipping at 32635). */
export function mulawEncode(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length);
  for (let i = 0; i < samples.length; i++) {
    let s = samples[i]!;
    const sign = s < 0 ? 0x80 : 0;
    if (sign) s = -s;
    if (s > 32635) s = 32635;
    s += 0x84;
    let exp = 7;
    for (let mask = 0x4000; (s & mask) === 0 && exp > 0; mask >>= 1) exp--;
    const mant = (s >> (exp + 3)) & 0x0f;
    out[i] = ~(sign | (exp << 4) | mant) & 0xff;
  }
  return out;
}

/**
 * 8 kHz → 16 kHz: each new sample between two old ones is their half-band interpolation (a 4-tap
 * cubic), good enough for telephone-band speech and continuous across chunks through `state`.
 */
export class Upsample2x {
  private h = [0, 0, 0];
  push(input: Int16Array): Int16Array {
    const out = new Int16Array(input.length * 2);
    let [a, b, c] = this.h as [number, number, number];
    for (let i = 0; i < input.length; i++) {
      const d = input[i]!;
      // output b, then the point halfway between b and c (Catmull-Rom); one sample of latency
      out[2 * i] = b;
      out[2 * i + 1] = clamp16((-a + 9 * b + 9 * c - d) / 16);
      a = b;
      b = c;
      c = d;
    }
    this.h = [a, b, c];
    return out;
  }
}

/** 16 kHz → 8 kHz with a short low-pass first (keeps 4–8 kHz from folding into the voice band). */
export class Downsample2x {
  private h = new Float64Array(6);
  private odd = false;
  private static TAPS = [-0.0217, 0, 0.2717, 0.5, 0.2717, 0, -0.0217];
  push(input: Int16Array): Int16Array {
    const out: number[] = [];
    const t = Downsample2x.TAPS;
    for (let i = 0; i < input.length; i++) {
      const h = this.h;
      let acc = t[0]! * input[i]!;
      for (let k = 1; k < t.length; k++) acc += t[k]! * h[k - 1]!;
      for (let k = h.length - 1; k > 0; k--) h[k] = h[k - 1]!;
      h[0] = input[i]!;
      if (this.odd) out.push(clamp16(acc));
      this.odd = !this.odd;
    }
    return Int16Array.from(out);
  }
}

export function clamp16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
}

/** A little-endian S16 view of bytes (copies when the bytes are not 2-aligned). */
export function s16(bytes: Buffer): Int16Array {
  const n = bytes.length >> 1;
  if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, n);
  const copy = Buffer.from(bytes.subarray(0, n * 2));
  return new Int16Array(copy.buffer, copy.byteOffset, n);
}

export function bytesOf(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

export function fromFloat(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = clamp16(samples[i]! * 32768);
  return out;
}

export const dbToGain = (db: number) => Math.pow(10, db / 20);

/** RMS of a frame in dBFS (−120 for digital silence). */
export function rmsDbfs(samples: Int16Array): number {
  let acc = 0;
  for (let i = 0; i < samples.length; i++) acc += samples[i]! * samples[i]!;
  const rms = Math.sqrt(acc / Math.max(1, samples.length)) / 32768;
  return rms > 1e-6 ? 20 * Math.log10(rms) : -120;
}

/** A RIFF/WAVE header at the start of a transmit stream: what it says and how long it is. */
export interface WavPrefix {
  headerBytes: number;
  formatTag: number;
  rate: number;
  channels: number;
  bits: number;
}

/**
 * Looks for a WAV header (ffmpeg `-f wav` piped: sizes may be 0 or 0xFFFFFFFF). Returns undefined
 * when the bytes are not RIFF, `null` when more bytes are needed to decide.
 */
export function parseWavPrefix(b: Buffer): WavPrefix | undefined | null {
  if (b.length < 12) return 'RIFF'.startsWith(b.subarray(0, 4).toString('latin1')) ? null : undefined;
  if (b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let off = 12;
  let fmt: Omit<WavPrefix, 'headerBytes'> | undefined;
  while (off + 8 <= b.length) {
    const id = b.toString('latin1', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'data') return fmt ? { ...fmt, headerBytes: off + 8 } : undefined;
    if (size > 4096) return undefined;
    if (off + 8 + size > b.length) return null;
    if (id === 'fmt ' && size >= 16) {
      fmt = { formatTag: b.readUInt16LE(off + 8), channels: b.readUInt16LE(off + 10), rate: b.readUInt32LE(off + 12), bits: b.readUInt16LE(off + 22) };
    }
    off += 8 + size + (size & 1);
    if (off > 8192) return undefined;
  }
  return null;
}

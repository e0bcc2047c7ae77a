import type { AcousticSettings } from './drivers.js';

/** The simulated sound card's format: S16LE mono, 20 ms frames of 320 samples. */
export const SIM_AUDIO_RATE = 16000;
export const SIM_FRAME = 320;

/** Speaker full scale arrives at the microphone 6 dB down. */
const COUPLING_GAIN = 0.5;

/** mulberry32: tiny, fast and good enough; the room must repeat exactly for a given seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** RBJ audio-EQ-cookbook biquad, transposed direct form II (state survives across calls). */
export class Biquad {
  private b0 = 1;
  private b1 = 0;
  private b2 = 0;
  private a1 = 0;
  private a2 = 0;
  private z1 = 0;
  private z2 = 0;

  static lowpass(rate: number, f: number, q: number): Biquad {
    const { cos, alpha } = params(rate, f, q);
    return new Biquad().set((1 - cos) / 2, 1 - cos, (1 - cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
  }
  static highpass(rate: number, f: number, q: number): Biquad {
    const { cos, alpha } = params(rate, f, q);
    return new Biquad().set((1 + cos) / 2, -(1 + cos), (1 + cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
  }
  static peaking(rate: number, f: number, q: number, gainDb: number): Biquad {
    const { cos, alpha } = params(rate, f, q);
    const A = Math.pow(10, gainDb / 40);
    return new Biquad().set(1 + alpha * A, -2 * cos, 1 - alpha * A, 1 + alpha / A, -2 * cos, 1 - alpha / A);
  }

  private set(b0: number, b1: number, b2: number, a0: number, a1: number, a2: number): this {
    this.b0 = b0 / a0;
    this.b1 = b1 / a0;
    this.b2 = b2 / a0;
    this.a1 = a1 / a0;
    this.a2 = a2 / a0;
    return this;
  }

  reset(): void {
    this.z1 = 0;
    this.z2 = 0;
  }

  step(x: number): number {
    const y = this.b0 * x + this.z1;
    this.z1 = this.b1 * x - this.a1 * y + this.z2;
    this.z2 = this.b2 * x - this.a2 * y;
    return y;
  }

  /** magnitude response at f, dB */
  responseDb(rate: number, f: number): number {
    const w = (2 * Math.PI * f) / rate;
    const c1 = Math.cos(w), s1 = Math.sin(w), c2 = Math.cos(2 * w), s2 = Math.sin(2 * w);
    const nr = this.b0 + this.b1 * c1 + this.b2 * c2, ni = -(this.b1 * s1 + this.b2 * s2);
    const dr = 1 + this.a1 * c1 + this.a2 * c2, di = -(this.a1 * s1 + this.a2 * s2);
    return 10 * Math.log10((nr * nr + ni * ni) / (dr * dr + di * di));
  }
}

function params(rate: number, f: number, q: number) {
  // Corners at or past Nyquist make the cookbook formulas fold over; keep them just below.
  const w = (2 * Math.PI * Math.min(Math.max(f, 1), rate * 0.49)) / rate;
  return { cos: Math.cos(w), alpha: Math.sin(w) / (2 * q) };
}

/**
 * Paul Kellet's refined pink filter on uniform white noise, then a 20 Hz DC blocker: a microphone
 * never delivers the infrasonic part, and without it the RMS of a one-second capture wanders.
 */
class PinkNoise {
  private b = new Float64Array(7);
  private hpX = 0;
  private hpY = 0;
  private readonly hpA: number;
  constructor(
    private readonly rand: () => number,
    rate: number,
  ) {
    this.hpA = Math.exp((-2 * Math.PI * 20) / rate);
  }
  next(): number {
    const w = this.rand() * 2 - 1;
    const b = this.b;
    b[0] = 0.99886 * b[0]! + w * 0.0555179;
    b[1] = 0.99332 * b[1]! + w * 0.0750759;
    b[2] = 0.969 * b[2]! + w * 0.153852;
    b[3] = 0.8665 * b[3]! + w * 0.3104856;
    b[4] = 0.55 * b[4]! + w * 0.5329522;
    b[5] = -0.7616 * b[5]! - w * 0.016898;
    const pink = b[0]! + b[1]! + b[2]! + b[3]! + b[4]! + b[5]! + b[6]! + w * 0.5362;
    b[6] = w * 0.115926;
    const y = pink - this.hpX + this.hpA * this.hpY;
    this.hpX = pink;
    this.hpY = y;
    return y;
  }
}

/** RMS of the unscaled pink generator over half a million samples with a fixed seed (deterministic). */
export function measurePinkRms(rate: number): number {
  const g = new PinkNoise(mulberry32(0x9e3779b9), rate);
  const n = 1 << 19;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const v = g.next();
    if (i >= 4096) acc += v * v;
  }
  return Math.sqrt(acc / (n - 4096));
}

/**
 * `measurePinkRms` of the rates the board uses, stored: measuring cost boardd ~1.1 s of CPU at every
 * start in lite mode (no optimizing compiler), ~60 ms with it, and the value never changes (a test
 * measures it again). Other rates are measured once, on first use.
 */
const pinkRms = new Map<number, number>([[SIM_AUDIO_RATE, 1.4193183625196948]]);
export function pinkRmsAt(rate: number): number {
  let r = pinkRms.get(rate);
  if (r === undefined) pinkRms.set(rate, (r = measurePinkRms(rate)));
  return r;
}

const AMBIENT_LOOP_MS = 2000;

/** 4th-order Butterworth as two biquads: Q = 1/(2 cos(π/8)) and 1/(2 cos(3π/8)). */
const BUTTER4_Q = [0.5411961, 1.3065630];

/** |x| above which the loose part starts to buzz */
const RATTLE_GATE = 0.03;

/**
 * The acoustic path of the simulated board from speaker samples to microphone samples: speaker
 * fault, coupling gain, delay, the small-speaker-in-a-room response and ambient noise. Everything
 * random comes from `seed`, so the same settings give the same room and the same noise stream.
 *
 * Levels: noise `noiseDb` is RMS dBFS (20·log10(rms), full scale = 1), as audiod's meters read it.
 */
export class RoomModel {
  readonly delaySamples: number;
  /** the room's peaking resonances (seed-chosen) */
  readonly peaks: ReadonlyArray<{ freqHz: number; gainDb: number }>;
  private readonly delay: Float32Array;
  private delayPos = 0;
  private readonly path: Biquad[];
  private readonly muffle: Biquad[];
  private readonly faultGain: number;
  private readonly noise: PinkNoise;
  private readonly noiseGain: number;
  private readonly buzzRand: () => number;
  private buzzLp = 0;
  private ambientLoop: Int16Array | undefined;
  /** samples of the loop recorded so far; then the replay position */
  private ambientFilled = 0;
  private ambientPos = 0;

  constructor(
    readonly settings: AcousticSettings,
    readonly rate: number = SIM_AUDIO_RATE,
  ) {
    // Separate streams so that, e.g., changing the noise level never moves the room's resonances.
    const roomRand = mulberry32(settings.seed ^ 0x5bd1e995);
    this.delaySamples = Math.round(rate * (0.002 + 0.006 * roomRand()));
    this.delay = new Float32Array(this.delaySamples);
    const peaks: { freqHz: number; gainDb: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const freqHz = 300 * Math.pow(6000 / 300, roomRand());
      peaks.push({ freqHz, gainDb: (roomRand() * 2 - 1) * 2 });
    }
    this.peaks = peaks;
    this.path = [
      Biquad.highpass(rate, 180, Math.SQRT1_2),
      Biquad.lowpass(rate, 7200, 0.6),
      ...peaks.map((p) => Biquad.peaking(rate, p.freqHz, 2, p.gainDb)),
    ];
    this.muffle = settings.fault === 'muffle' ? BUTTER4_Q.map((q) => Biquad.lowpass(rate, settings.cutoffHz, q)) : [];
    this.faultGain = settings.fault === 'dead' ? 0 : settings.fault === 'attenuate' ? Math.pow(10, -settings.dB / 20) : 1;
    this.noise = new PinkNoise(mulberry32(settings.seed ^ 0x27d4eb2f), rate);
    this.noiseGain = Math.pow(10, settings.noiseDb / 20) / pinkRmsAt(rate);
    this.buzzRand = mulberry32(settings.seed ^ 0x165667b1);
  }

  /**
   * What the microphone hears while the speaker has been silent long enough for the room to fall
   * still (the card's idle path): only the ambient noise, as samples. The room's own noise stream
   * is recorded for its first AMBIENT_LOOP_MS, then that recording loops: the full path costs ~3 %
   * of a core in boardd's lite mode (no optimizing compiler) for 16,000 samples a second of
   * silence, the loop a copy, and its statistics (level, spectrum over 100 ms windows) are the live
   * noise's. Recording as it plays spreads the cost: a settings change never stalls the card. The
   * caller settles the room first (`settle()`).
   */
  ambient(out: Int16Array): void {
    const loop = (this.ambientLoop ??= new Int16Array((this.rate * AMBIENT_LOOP_MS) / 1000));
    let o = 0;
    for (; o < out.length && this.ambientFilled < loop.length; o++) {
      const y = this.noise.next() * this.noiseGain;
      const v = Math.round((y > 1 ? 1 : y < -1 ? -1 : y) * 32768);
      out[o] = loop[this.ambientFilled++] = v > 32767 ? 32767 : v;
    }
    while (o < out.length) {
      const n = Math.min(out.length - o, loop.length - this.ambientPos);
      out.set(loop.subarray(this.ambientPos, this.ambientPos + n), o);
      o += n;
      this.ambientPos = (this.ambientPos + n) % loop.length;
    }
  }

  /**
   * Forgets the room's state (filters, delay line, the loose part's low-pass): a still room. Fed
   * silence, they hold nothing above 1e-30 after a few tens of milliseconds anyway.
   */
  settle(): void {
    for (const b of [...this.path, ...this.muffle]) b.reset();
    this.delay.fill(0);
    this.buzzLp = 0;
  }

  /** The room's linear response at f (coupling gain and resonances, no fault), dB. */
  responseDb(f: number): number {
    let db = 20 * Math.log10(COUPLING_GAIN);
    for (const b of this.path) db += b.responseDb(this.rate, f);
    return db;
  }

  process(speaker: Float32Array): Float32Array {
    const out = new Float32Array(speaker.length);
    const rattle = this.settings.fault === 'rattle';
    const { delay, path, muffle } = this;
    for (let i = 0; i < speaker.length; i++) {
      let x = speaker[i]! * this.faultGain;
      for (let k = 0; k < muffle.length; k++) x = muffle[k]!.step(x);
      if (rattle) x = this.rattle(x);
      let y = x * COUPLING_GAIN;
      if (delay.length > 0) {
        const d = delay[this.delayPos]!;
        delay[this.delayPos] = y;
        this.delayPos = this.delayPos + 1 === delay.length ? 0 : this.delayPos + 1;
        y = d;
      }
      for (let k = 0; k < path.length; k++) y = path[k]!.step(y);
      y += this.noise.next() * this.noiseGain;
      out[i] = y > 1 ? 1 : y < -1 ? -1 : y;
    }
    return out;
  }

  /**
   * A loose cone: the suspension stiffens one way more than the other (asymmetric soft clip ⇒ even
   * and odd harmonics), and past a small excursion something buzzes against the frame.
   */
  private rattle(x: number): number {
    const g = x >= 0 ? 3 : 1.6;
    let y = Math.tanh(g * x) / g;
    // Make-up gain so the fundamental stays near its healthy level while harmonics appear.
    y *= 1.08;
    const ax = Math.abs(x);
    if (ax > RATTLE_GATE) {
      // Band-limited a little so the buzz sounds like a buzz rather than hiss.
      this.buzzLp += 0.5 * (this.buzzRand() * 2 - 1 - this.buzzLp);
      y += this.buzzLp * 0.04 * (ax - RATTLE_GATE);
    }
    return y;
  }
}

import { renderPlan, type Plan } from './stimulus.js';

/** Harmonics at or above this are left out: the microphone path rolls off there and Nyquist is close. */
export const HARMONIC_LIMIT_HZ = 7500;
/** How late the microphone may hear the stimulus's start (playback latency plus the acoustic path). */
export const MAX_DELAY_MS = 150;

/**
 * A harmonic counts only this far above the local noise, so noise alone never reads as distortion:
 * against a 10-point noise estimate a noise bin exceeds 15 dB about once in a million, 10 dB about
 * once in a thousand (which, over 12 harmonics, failed 1.5 % of healthy tests).
 */
const HARMONIC_OVER_NOISE = 31.6; // power ratio, 15 dB
/** Local-noise probes, in bins either side of a harmonic: past the Hann main lobe (±2), 2 bins apart so they are nearly independent. */
const NOISE_PROBE_BINS = [3, 5, 7, 9, 11];
/** Power floor relative to the fundamental, so a clean band has a finite distortion figure. */
const DISTORTION_FLOOR = 1e-9;
/** Kept off each analysis window's ends: the alignment is good to a few ms, the path rings a little. */
const INSET_MS = 15;
const NOISE_LEAD_GUARD_MS = 10;
const NOISE_TAIL_GUARD_MS = 20;

export interface BandMeasurement {
  hz: number;
  /** the fundamental's RMS level, dBFS */
  levelDb: number;
  /** 2nd+3rd harmonic power relative to the fundamental, dB; null when no harmonic is in range */
  distortionDb: number | null;
  /** ambient noise in the 1/3 octave around hz, RMS dBFS, from the leading silence */
  noiseDb: number;
}

export interface Measurement {
  rate: number;
  /** where the stimulus starts in the recording, samples */
  offset: number;
  /** ambient noise RMS over the whole band, dBFS, from the leading silence */
  noiseDbfs: number;
  bands: BandMeasurement[];
}

export function analyze(recording: Float32Array, plan: Plan, rate: number = plan.rate): Measurement {
  if (rate !== plan.rate) throw new RangeError(`recording at ${rate} Hz, stimulus planned at ${plan.rate} Hz`);
  const offset = align(recording, plan);
  const ms = (t: number) => Math.round((t * rate) / 1000);

  const nStart = offset + plan.noise.start + ms(NOISE_LEAD_GUARD_MS);
  const nEnd = Math.min(recording.length, offset + plan.noise.end - ms(NOISE_TAIL_GUARD_MS));
  const noise = recording.subarray(nStart, Math.max(nStart, nEnd));
  const spectrum = welch(noise, rate);

  const bands: BandMeasurement[] = plan.tones.map((t) => {
    const from = offset + t.start + t.ramp + ms(INSET_MS);
    const to = Math.min(recording.length, offset + t.end - t.ramp - ms(INSET_MS));
    const x = recording.subarray(from, Math.max(from, to));
    const win = hann(x.length);
    const wsum = win.reduce((a, b) => a + b, 0) || 1;
    const pf = goertzel(x, win, t.hz / rate);
    const binHz = rate / Math.max(1, x.length);
    let excess = 0;
    let any = false;
    for (const h of [2, 3]) {
      const fh = h * t.hz;
      if (fh >= HARMONIC_LIMIT_HZ) continue;
      any = true;
      const ph = goertzel(x, win, fh / rate);
      // The local noise around the harmonic, from the same window, so it is the noise of this moment.
      let pn = 0;
      for (const k of NOISE_PROBE_BINS) pn += goertzel(x, win, (fh + k * binHz) / rate) + goertzel(x, win, (fh - k * binHz) / rate);
      pn /= 2 * NOISE_PROBE_BINS.length;
      if (ph > HARMONIC_OVER_NOISE * pn) excess += ph - pn;
    }
    return {
      hz: t.hz,
      // A sine of amplitude A gives |X| = A·Σw/2; its RMS is A/√2.
      levelDb: db((2 * pf) / (wsum * wsum)),
      distortionDb: any ? db(Math.max(excess, pf * DISTORTION_FLOOR) / Math.max(pf, 1e-30)) : null,
      noiseDb: db(bandPower(spectrum, t.hz * Math.pow(2, -1 / 6), t.hz * Math.pow(2, 1 / 6))),
    };
  });

  let mean = 0;
  for (const v of noise) mean += v;
  mean /= noise.length || 1;
  let acc = 0;
  for (const v of noise) acc += (v - mean) * (v - mean);
  return { rate, offset, noiseDbfs: db(acc / (noise.length || 1)), bands };
}

/** 10·log10 of a power, floored so digital silence gives a number rather than −Infinity */
function db(power: number): number {
  return 10 * Math.log10(Math.max(power, 1e-15));
}

/**
 * The lag (0…MAX_DELAY_MS) at which the recording best matches the stimulus: a matched filter over
 * the whole stimulus, done by FFT. Every audible tone adds coherently, so the match holds with the
 * top bands muffled away and with room noise near the tone level, where an energy envelope drifts
 * by tens of milliseconds. A dead speaker gives a meaningless lag, which does not matter: the
 * tones are not there to measure anyway.
 */
function align(rec: Float32Array, plan: Plan): number {
  const maxLag = Math.ceil((plan.rate * MAX_DELAY_MS) / 1000);
  const ref = referenceSpectrum(plan, Math.max(rec.length, plan.length + maxLag));
  const n = ref.re.length;
  const re = new Float64Array(n), im = new Float64Array(n);
  for (let i = 0; i < Math.min(rec.length, n); i++) re[i] = rec[i]!;
  fft(re, im);
  // R = FFT(rec)·conj(FFT(stim)); the inverse through the forward transform of the conjugate.
  for (let k = 0; k < n; k++) {
    const ar = re[k]!, ai = im[k]!, br = ref.re[k]!, bi = ref.im[k]!;
    re[k] = ar * br + ai * bi;
    im[k] = -(ai * br - ar * bi);
  }
  fft(re, im);
  let best = 0;
  for (let lag = 1; lag <= maxLag && lag < n; lag++) if (re[lag]! > re[best]!) best = lag;
  return best;
}

const refCache = new WeakMap<Plan, { re: Float64Array; im: Float64Array }>();

/** The stimulus's spectrum, kept per plan: a calibration's plan is analysed again at every test. */
function referenceSpectrum(plan: Plan, minLength: number): { re: Float64Array; im: Float64Array } {
  let n = 1;
  while (n < minLength) n *= 2;
  const cached = refCache.get(plan);
  if (cached && cached.re.length === n) return cached;
  const re = new Float64Array(n), im = new Float64Array(n);
  re.set(renderPlan(plan));
  fft(re, im);
  const spec = { re, im };
  refCache.set(plan, spec);
  return spec;
}

function hann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n);
  return w;
}

/** |Σ x·w·e^{−jωn}|² at normalised frequency f (cycles/sample) */
function goertzel(x: Float32Array, w: Float64Array, f: number): number {
  const c = 2 * Math.cos(2 * Math.PI * f);
  let s1 = 0, s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i]! * w[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

interface Spectrum {
  /** one-sided power per bin, scaled so the bins sum to the signal's variance */
  power: Float64Array;
  binHz: number;
}

/** Welch's averaged periodogram (Hann, 50 % overlap) — a single FFT of 250 ms of noise is too jumpy per band. */
function welch(x: Float32Array, rate: number): Spectrum {
  let n = 1;
  while (n * 2 <= Math.min(x.length, Math.round(rate * 0.128))) n *= 2;
  n = Math.max(n, 2);
  const w = hann(n);
  let w2 = 0;
  for (const v of w) w2 += v * v;
  const power = new Float64Array(n / 2 + 1);
  const re = new Float64Array(n), im = new Float64Array(n);
  let segs = 0;
  for (let s = 0; s + n <= x.length; s += n / 2) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[s + i]!;
    mean /= n;
    for (let i = 0; i < n; i++) {
      re[i] = (x[s + i]! - mean) * w[i]!;
      im[i] = 0;
    }
    fft(re, im);
    for (let k = 0; k <= n / 2; k++) power[k]! += ((k === 0 || k === n / 2 ? 1 : 2) * (re[k]! * re[k]! + im[k]! * im[k]!)) / (n * w2);
    segs++;
  }
  if (segs) for (let k = 0; k < power.length; k++) power[k]! /= segs;
  return { power, binHz: rate / n };
}

function bandPower(s: Spectrum, lo: number, hi: number): number {
  let p = 0;
  for (let k = Math.ceil(lo / s.binHz); k <= Math.floor(hi / s.binHz) && k < s.power.length; k++) p += s.power[k]!;
  return p;
}

/** in-place iterative radix-2 FFT; n is a power of two */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang), wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1, ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k, b = a + len / 2;
        const tr = re[b]! * cr - im[b]! * ci, ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a]! += tr;
        im[a]! += ti;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

/**
 * The speaker test's stimulus: stepped tones, not an exponential sweep.
 *
 * - SNR: a tone puts all of its energy in one frequency, and the analysis looks at it through a
 *   Goertzel filter a few hertz wide. Ambient noise only counts inside that bandwidth, so each band
 *   keeps a margin of 30–40 dB over broadband room noise; a sweep of the same length and level
 *   spends only a few milliseconds near each frequency and needs deconvolution to recover it.
 * - Unknown delay and clock offset: each tone is steady for ~200 ms and the analysis window is
 *   inset by tens of milliseconds, so any delay the alignment misses by a few milliseconds, and any
 *   sample-clock offset a sound card has (100 ppm is 0.6 Hz at 6.3 kHz, far inside the bin), change
 *   nothing. A sweep maps time to frequency, so a delay or clock error becomes a frequency error.
 * - Distortion: with one tone at a time, the 2nd and 3rd harmonics sit at known frequencies in an
 *   otherwise quiet spectrum and are read per band (a rattle shows as a rise there).
 * - Time: 300 ms of leading silence (the ambient noise, measured where the speaker is known to be
 *   quiet, so a dead speaker can never pass for a noisy room), 9 tones of 220 ms with 30 ms gaps and
 *   a 150 ms tail that keeps the last tone inside a recording delayed by up to ~100 ms: 2.7 s.
 *   With analysis well under 100 ms, a whole test run stays far below the 6 s budget.
 *
 * The bands are those the user manual's test covers (250 Hz–6.3 kHz, roughly 1/3-octave steps at
 * the low end); 16 kHz keeps 6.3 kHz below Nyquist and the 2nd/3rd harmonics of the low bands in range.
 */

export const SPEAKER_TEST_BANDS_HZ = [250, 400, 630, 1000, 1600, 2500, 4000, 5000, 6300] as const;

const LEAD_SILENCE_MS = 300;
const TONE_MS = 220;
const GAP_MS = 30;
const RAMP_MS = 10;
const TAIL_MS = 150;

export interface PlanTone {
  hz: number;
  /** first sample of the tone, ramp included (in the stimulus) */
  start: number;
  /** one past the last sample of the tone, ramp included */
  end: number;
  /** raised-cosine ramp length at each end, samples */
  ramp: number;
}

export interface Plan {
  rate: number;
  /** tone peak level at the speaker, dBFS */
  levelDbfs: number;
  /** the leading silence [start, end) where the ambient noise is measured */
  noise: { start: number; end: number };
  tones: PlanTone[];
  /** stimulus length, samples; the recording should be at least as long */
  length: number;
}

export function buildStimulus(rate = 16000, levelDbfs = -12): { samples: Float32Array; plan: Plan } {
  const ms = (t: number) => Math.round((t * rate) / 1000);
  const ramp = ms(RAMP_MS);
  const toneLen = ms(TONE_MS);
  const tones: PlanTone[] = [];
  let pos = ms(LEAD_SILENCE_MS);
  for (const hz of SPEAKER_TEST_BANDS_HZ) {
    tones.push({ hz, start: pos, end: pos + toneLen, ramp });
    pos += toneLen + ms(GAP_MS);
  }
  const length = pos - ms(GAP_MS) + ms(TAIL_MS);
  const plan: Plan = { rate, levelDbfs, noise: { start: 0, end: ms(LEAD_SILENCE_MS) }, tones, length };
  return { samples: renderPlan(plan), plan };
}

/** The stimulus a plan describes (the analysis re-renders it to align the recording; a plan is all a calibration needs to store). */
export function renderPlan(plan: Plan): Float32Array {
  const amp = Math.pow(10, plan.levelDbfs / 20);
  const samples = new Float32Array(plan.length);
  for (const t of plan.tones) {
    const w = (2 * Math.PI * t.hz) / plan.rate;
    const n = t.end - t.start;
    for (let i = 0; i < n; i++) {
      const edge = Math.min(i, n - 1 - i);
      const g = edge < t.ramp ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / t.ramp) : 1;
      samples[t.start + i] = amp * g * Math.sin(w * i);
    }
  }
  return samples;
}

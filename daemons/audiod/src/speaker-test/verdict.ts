import type { Measurement } from './analysis.js';

export interface Thresholds {
  /** a band more than this below or above its calibrated level fails the test, dB */
  bandToleranceDb: number;
  /** the mean deviation over all bands more than this below calibration fails the test, dB */
  meanToleranceDb: number;
  /** distortion rising by more than this over calibration fails the test, dB */
  distortionRiseDb: number;
  /** below this tone-to-ambient-noise ratio a band is not measurable, dB */
  minSnrDb: number;
  /**
   * Distortion must also reach this level (relative to the fundamental, dB) to fail a band: a rise
   * from a spotless calibration to a still inaudible level is no rattle.
   */
  minDistortionDb: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  bandToleranceDb: 4,
  meanToleranceDb: 3,
  distortionRiseDb: 8,
  minSnrDb: 15,
  minDistortionDb: -40,
};

/** A clean calibration's distortion reads as the analysis floor; compare rises from here instead. */
const DISTORTION_REFERENCE_FLOOR_DB = -60;

export interface BandVerdict {
  hz: number;
  referenceDb: number;
  measuredDb: number;
  deviationDb: number;
  /** the test's 2nd+3rd harmonic level relative to its fundamental; null when out of range */
  distortionDb: number | null;
  /** calibrated tone level over the ambient noise in this band, measured now */
  snrDb: number;
}

export interface Verdict {
  status: 'OK' | 'Failed' | 'NoisyEnvironment';
  bands: BandVerdict[];
  meanDeviationDb: number;
  noiseDbfs: number;
  reasons: string[];
}

const r1 = (v: number) => Math.round(v * 10) / 10;

export function compare(reference: Measurement, test: Measurement, th: Thresholds = DEFAULT_THRESHOLDS): Verdict {
  const bands: BandVerdict[] = [];
  const reasons: string[] = [];
  let distortionFailed = false;
  let deviationSum = 0;
  for (const ref of reference.bands) {
    const m = test.bands.find((b) => b.hz === ref.hz);
    if (!m) throw new RangeError(`the test has no ${ref.hz} Hz band: calibrated with another stimulus`);
    const deviationDb = m.levelDb - ref.levelDb;
    deviationSum += deviationDb;
    // The noise comes from the test's leading silence, where the speaker plays nothing: a dead
    // speaker leaves it untouched and so fails rather than passing for a noisy room.
    const snrDb = ref.levelDb - m.noiseDb;
    bands.push({ hz: ref.hz, referenceDb: r1(ref.levelDb), measuredDb: r1(m.levelDb), deviationDb: r1(deviationDb), distortionDb: m.distortionDb === null ? null : r1(m.distortionDb), snrDb: r1(snrDb) });
    if (m.distortionDb !== null && ref.distortionDb !== null && snrDb >= th.minSnrDb) {
      const rise = m.distortionDb - Math.max(ref.distortionDb, DISTORTION_REFERENCE_FLOOR_DB);
      if (rise > th.distortionRiseDb && m.distortionDb >= th.minDistortionDb) {
        distortionFailed = true;
        reasons.push(`${ref.hz} Hz: distortion ${r1(m.distortionDb)} dB, ${r1(rise)} dB over calibration`);
      }
    }
  }
  const meanDeviationDb = deviationSum / (bands.length || 1);
  const base = { bands, meanDeviationDb: r1(meanDeviationDb), noiseDbfs: r1(test.noiseDbfs) };

  const noisy = bands.filter((b) => b.snrDb < th.minSnrDb);
  if (noisy.length * 3 > bands.length) {
    return { status: 'NoisyEnvironment', ...base, reasons: [`ambient noise ${r1(test.noiseDbfs)} dBFS: ${noisy.length} of ${bands.length} bands below ${th.minSnrDb} dB SNR (${noisy.map((b) => b.hz).join(', ')} Hz)`] };
  }
  for (const b of bands) {
    // A band drowned in noise (at most a third of them, see above) cannot judge the speaker.
    if (b.snrDb < th.minSnrDb) continue;
    if (b.deviationDb < -th.bandToleranceDb) reasons.unshift(`${b.hz} Hz: ${-b.deviationDb} dB below calibration`);
    else if (b.deviationDb > th.bandToleranceDb) reasons.unshift(`${b.hz} Hz: ${b.deviationDb} dB above calibration`);
  }
  if (meanDeviationDb < -th.meanToleranceDb) reasons.unshift(`mean level ${r1(-meanDeviationDb)} dB below calibration`);
  const failed = reasons.length > 0 || distortionFailed;
  return { status: failed ? 'Failed' : 'OK', ...base, reasons };
}

/** Why a calibration recording cannot serve as the reference, or undefined when it can. */
export function calibrationProblem(m: Measurement, th: Thresholds = DEFAULT_THRESHOLDS): string | undefined {
  const snr = m.bands.map((b) => ({ hz: b.hz, snr: b.levelDb - b.noiseDb }));
  // A tone narrower than the 1/3-octave noise band reads below it when nothing is playing.
  const silent = snr.filter((b) => b.snr < 3);
  if (silent.length * 2 > snr.length) {
    // Worded without "noise": the runner retries calibrations refused for noise, and a silent speaker stays silent.
    return `the test tones are not heard (${silent.length} of ${snr.length} bands no louder than the room at ${r1(m.noiseDbfs)} dBFS): is the speaker connected and the microphone on?`;
  }
  const low = snr.filter((b) => b.snr < th.minSnrDb);
  if (low.length * 3 > snr.length) {
    return `too noisy to calibrate: ambient noise ${r1(m.noiseDbfs)} dBFS, ${low.length} of ${snr.length} bands below ${th.minSnrDb} dB SNR (${low.map((b) => b.hz).join(', ')} Hz)`;
  }
  const distorted = m.bands.filter((b) => b.distortionDb !== null && b.distortionDb >= -20);
  if (distorted.length >= 2) {
    return `the speaker distorts heavily (${distorted.map((b) => `${b.hz} Hz ${r1(b.distortionDb!)} dB`).join(', ')}): calibrate a working speaker`;
  }
  return undefined;
}

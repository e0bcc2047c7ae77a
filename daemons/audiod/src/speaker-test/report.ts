import type { BandVerdict } from './verdict.js';

/** What `GetSpeakerTestReport` says (VAPIX axast, §7.2), plus Belfry's measured details. */
export type SpeakerTestStatus = 'Uncalibrated' | 'Pending' | 'Calibrated' | 'OK' | 'Failed' | 'DisabledInHardware' | 'InternalError';

/** One band of a test, as the verdict measured it. */
export type BandResult = BandVerdict;

export interface SpeakerTestReport {
  status: SpeakerTestStatus;
  /** UTC `YYYY-MM-DDThh:mm:ssZ`, '' when unknown */
  testTimestamp: string;
  calibrationTimestamp: string;
  details?: {
    bands?: BandResult[];
    meanDeviationDb?: number;
    /** ambient noise measured before the tones, dBFS at the microphone */
    noiseDbfs?: number;
    reasons?: string[];
    attempts?: number;
    /** what went wrong with the last calibration, when it was refused */
    calibrationError?: string;
    durationMs?: number;
  };
}

export function axastTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

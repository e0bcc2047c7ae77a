import { BelfryError, DurableFile, type AuditLog, type Logger, type ParamCache } from '@belfry/core';
import { BufferSource, type Mixer } from '../mixer.js';
import { MIX_RATE, fromFloat } from '../pcm.js';
import { analyze, type Measurement } from './analysis.js';
import { buildStimulus, type Plan } from './stimulus.js';
import { axastTime, type SpeakerTestReport } from './report.js';
import { DEFAULT_THRESHOLDS, calibrationProblem, compare, type Thresholds } from './verdict.js';

interface Stored {
  calibration?: { at: number; level: number; measurement: Measurement };
  report?: SpeakerTestReport;
}

/** Microphone recorded after the stimulus ends: the path's delay plus the card's buffering. */
const TAIL_MS = 300;

export interface SpeakerTestDeps {
  mixer: Mixer;
  onMic(fn: (s: Int16Array) => void): () => void;
  micOn(): boolean;
  params: ParamCache;
  stateDir: string;
  log: Logger;
  audit: AuditLog;
  /** the device clock (UTC ms) */
  now(): Promise<number>;
  /** the result, for the TestResult event */
  onResult(status: 'OK' | 'Failed'): void;
}

/**
 * Runs calibrations and tests (user manual: Calibrate and run a remote speaker test). Both play the
 * stimulus through the mixer above every other source, record the microphone, and analyse. The
 * stimulus bypasses the output gain and mute: a test must not fail because someone turned the
 * volume down. Calibration and the last report persist across restarts.
 */
export class SpeakerTest {
  private stored: Stored;
  private file: DurableFile<Stored>;
  private running: 'calibrate' | 'perform' | undefined;
  private runningSince = 0;
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly d: SpeakerTestDeps) {
    this.file = new DurableFile<Stored>(d.stateDir, 'speaker-test', 'belfry-speaker-test-1', (b) => (b && typeof b === 'object' ? undefined : 'not an object'));
    const loaded = this.file.load();
    for (const p of loaded.problems) d.audit.write('speakertest.store_damaged', { problem: p });
    this.stored = loaded.value ?? {};
    // a run cut short by a restart is reported as such, not left Pending forever
    if (this.stored.report?.status === 'Pending') this.stored.report = { ...this.stored.report, status: 'InternalError', details: { reasons: ['interrupted by a restart'] } };
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** resolves when the current run (if any) has finished */
  whenIdle(): Promise<void> {
    return this.done;
  }

  report(): SpeakerTestReport {
    const cal = this.stored.calibration;
    const base: SpeakerTestReport = this.stored.report ?? { status: cal ? 'Calibrated' : 'Uncalibrated', testTimestamp: '', calibrationTimestamp: cal ? axastTime(cal.at) : '' };
    if (this.running) {
      return {
        status: 'Pending',
        testTimestamp: this.running === 'perform' ? '' : base.testTimestamp,
        calibrationTimestamp: this.running === 'calibrate' ? '' : cal ? axastTime(cal.at) : '',
      };
    }
    if (!this.d.micOn()) return { ...base, status: 'DisabledInHardware' };
    return base;
  }

  /** checks that a run may start now; throws the fault the API layer reports */
  private precheck(kind: 'calibrate' | 'perform'): void {
    if (!this.d.micOn()) throw new BelfryError('failed_precondition', 'The microphone is disabled (microphone switch).', { name: 'DisabledInHardware' });
    if (kind === 'perform' && !this.stored.calibration) throw new BelfryError('failed_precondition', 'The Auto Speaker Test cannot be done without prior calibration.', { name: 'DeviceNotCalibrated' });
    if (this.running) throw new BelfryError('failed_precondition', 'busy: a speaker test is already running', { name: 'Busy' });
    const a = this.d.mixer.active;
    if (a) throw new BelfryError('failed_precondition', `busy: ${a.kind === 'clip' ? 'a clip' : a.kind === 'transmit' ? 'live audio' : 'a call'} is playing`, { name: 'Busy' });
  }

  calibrate(): void {
    this.start('calibrate');
  }
  perform(): void {
    this.start('perform');
  }

  private start(kind: 'calibrate' | 'perform'): void {
    this.precheck(kind);
    this.running = kind;
    this.runningSince = performance.now();
    this.d.mixer.reserve('speakertest');
    this.done = this.run(kind)
      .catch((err: Error) => {
        this.d.log.error({ err: err.message, kind }, 'speaker test failed to run');
        this.stored.report = { status: 'InternalError', testTimestamp: '', calibrationTimestamp: this.stored.calibration ? axastTime(this.stored.calibration.at) : '', details: { reasons: [err.message] } };
        this.file.save(this.stored);
      })
      .finally(() => {
        this.running = undefined;
        this.d.mixer.release();
      });
  }

  private async thresholds(): Promise<Thresholds & { retries: number; level: number }> {
    const n = async (name: string, dflt: number) => (await this.d.params.getInt(name)) ?? dflt;
    return {
      ...DEFAULT_THRESHOLDS,
      bandToleranceDb: await n('SpeakerTest.BandTolerance', 4),
      meanToleranceDb: await n('SpeakerTest.MeanTolerance', 3),
      distortionRiseDb: await n('SpeakerTest.DistortionRise', 8),
      minSnrDb: await n('SpeakerTest.MinSnr', 15),
      retries: await n('SpeakerTest.Retries', 2),
      level: await n('SpeakerTest.Level', -12),
    };
  }

  private async run(kind: 'calibrate' | 'perform'): Promise<void> {
    const th = await this.thresholds();
    const level = kind === 'perform' ? (this.stored.calibration?.level ?? th.level) : th.level;
    const { samples, plan } = buildStimulus(MIX_RATE, level);
    const pcm = fromFloat(samples);
    const t0 = performance.now();
    let attempts = 0;
    for (;;) {
      attempts++;
      const recording = await this.playAndRecord(pcm);
      const m = analyze(recording, plan as Plan, MIX_RATE);
      const at = await this.d.now();
      if (kind === 'calibrate') {
        const problem = calibrationProblem(m, th);
        if (problem && /nois/i.test(problem) && attempts <= th.retries) {
          await sleep(500);
          continue;
        }
        if (problem) {
          this.d.audit.write('speakertest.calibration_refused', { problem });
          this.d.log.warn({ problem }, 'calibration refused');
          const prev = this.stored.report ?? { status: this.stored.calibration ? 'Calibrated' : 'Uncalibrated', testTimestamp: '', calibrationTimestamp: this.stored.calibration ? axastTime(this.stored.calibration.at) : '' };
          this.stored.report = { ...prev, details: { ...prev.details, calibrationError: problem } };
          this.file.save(this.stored);
          return;
        }
        this.stored = { calibration: { at, level, measurement: m }, report: { status: 'Calibrated', testTimestamp: '', calibrationTimestamp: axastTime(at), details: { attempts, noiseDbfs: m.noiseDbfs, durationMs: Math.round(performance.now() - t0) } } };
        this.file.save(this.stored);
        this.d.audit.write('speakertest.calibrated', { at: axastTime(at) });
        return;
      }
      const v = compare(this.stored.calibration!.measurement, m, th);
      if (v.status === 'NoisyEnvironment' && attempts <= th.retries) {
        await sleep(500);
        continue;
      }
      const status = v.status === 'OK' ? 'OK' : 'Failed';
      const reasons = v.status === 'NoisyEnvironment' ? [`ambient noise too high after ${attempts} attempts`, ...v.reasons] : v.reasons;
      this.stored.report = {
        status,
        testTimestamp: axastTime(at),
        calibrationTimestamp: axastTime(this.stored.calibration!.at),
        details: { bands: v.bands, meanDeviationDb: round1(v.meanDeviationDb), noiseDbfs: round1(v.noiseDbfs), reasons, attempts, durationMs: Math.round(performance.now() - t0) },
      };
      this.file.save(this.stored);
      this.d.log.info({ status, reasons, attempts }, 'speaker test done');
      this.d.onResult(status);
      return;
    }
  }

  /** plays the stimulus and returns the microphone from the moment its first frame reached the speaker */
  private playAndRecord(pcm: Int16Array): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      const need = pcm.length + Math.round((TAIL_MS / 1000) * MIX_RATE);
      const rec = new Float32Array(need);
      let got = 0;
      let recording = false;
      const off = this.d.onMic((s) => {
        if (!recording) return;
        const take = Math.min(s.length, need - got);
        for (let i = 0; i < take; i++) rec[got + i] = s[i]! / 32768;
        got += take;
        if (got >= need) {
          off();
          clearTimeout(guard);
          resolve(rec);
        }
      });
      const src = new BufferSource('speakertest', pcm);
      src.onStarted = () => (recording = true);
      src.onEnded = (reason) => {
        if (reason !== 'done') {
          off();
          clearTimeout(guard);
          reject(new Error(`the stimulus was interrupted (${reason})`));
        }
      };
      // the microphone stream stalls only when the board's audio is gone
      const guard = setTimeout(
        () => {
          off();
          this.d.mixer.stop((s) => s === src, 'error');
          reject(new Error('no microphone signal'));
        },
        (need / MIX_RATE) * 1000 + 3000,
      );
      this.d.mixer.play(src);
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (v: number) => Math.round(v * 10) / 10;

// Offline evaluation of the speaker test's signal processing on the simulated room (no daemons):
//   node --import tsx bench/speaker-test-eval.ts '{"perClass":200}'
// Per seeded scenario: calibrate on a healthy room, then test the same room with a fault, through
// stimulus → RoomModel.process → analyze → compare. Prints one JSON line on stdout (last line);
// progress goes to stderr.
//
// The RoomModel's seed drives both the room (delay, resonances) and the noise stream, each from its
// own generator. Calibration and test use the same seed (the same room), and differ in how much
// silence the room processes before the stimulus (a seed-dependent pre-roll, ≥ 0.5 s apart), so the
// test hears a different stretch of the noise stream: otherwise a healthy test would repeat its
// calibration sample for sample and the false-alarm rate would be flattering.
// The microphone recording also starts a random 0–100 ms before the stimulus is heard.
import { sim } from '@belfry/board';
import { analyze, type Measurement } from '../daemons/audiod/src/speaker-test/analysis.js';
import { buildStimulus, type Plan } from '../daemons/audiod/src/speaker-test/stimulus.js';
import { calibrationProblem, compare, DEFAULT_THRESHOLDS, type Thresholds, type Verdict } from '../daemons/audiod/src/speaker-test/verdict.js';
import { round } from './stats.mjs';

const opts = JSON.parse(process.argv[2] ?? '{}') as Record<string, number>;
const PER_CLASS = opts.perClass ?? 200;
const SEED0 = opts.seed ?? 1;
const LEVEL_DBFS = opts.levelDbfs ?? -12;
const RATE = 16000;
const th: Thresholds = { ...DEFAULT_THRESHOLDS };
for (const k of Object.keys(th) as (keyof Thresholds)[]) if (typeof opts[k] === 'number') th[k] = opts[k];
const say = (msg: string) => process.stderr.write(`  ${msg}\n`);

/** The tones' nominal RMS at the microphone: peak level − 3 dB (sine) − 6 dB (speaker → mic coupling). */
const TONE_AT_MIC_DB = LEVEL_DBFS - 3.01 - 6.02;
/** Fault classes run at the noise of the false-alarm target (20 dB below the tones). */
const FAULT_NOISE_BELOW = 20;

interface Scenario {
  name: string;
  fault: Partial<sim.AcousticSettings>;
  noiseBelowDb: number;
  /** minimum Failed rate to hold, or for healthy classes the maximum false-alarm rate */
  target?: { failedAtLeast?: number; falseAlarmAtMost?: number };
}

const SCENARIOS: Scenario[] = [
  { name: 'healthy-30dB', fault: {}, noiseBelowDb: 30 },
  { name: 'healthy-20dB', fault: {}, noiseBelowDb: 20, target: { falseAlarmAtMost: 0.01 } },
  { name: 'healthy-10dB', fault: {}, noiseBelowDb: 10 },
  // Not asked for, but shows where NoisyEnvironment takes over: noise as loud as the tones.
  { name: 'healthy-0dB', fault: {}, noiseBelowDb: 0 },
  { name: 'dead', fault: { fault: 'dead' }, noiseBelowDb: FAULT_NOISE_BELOW, target: { failedAtLeast: 1 } },
  { name: 'attenuate-3dB', fault: { fault: 'attenuate', dB: 3 }, noiseBelowDb: FAULT_NOISE_BELOW },
  { name: 'attenuate-6dB', fault: { fault: 'attenuate', dB: 6 }, noiseBelowDb: FAULT_NOISE_BELOW, target: { failedAtLeast: 0.99 } },
  { name: 'attenuate-10dB', fault: { fault: 'attenuate', dB: 10 }, noiseBelowDb: FAULT_NOISE_BELOW },
  { name: 'muffle-1000Hz', fault: { fault: 'muffle', cutoffHz: 1000 }, noiseBelowDb: FAULT_NOISE_BELOW, target: { failedAtLeast: 0.99 } },
  { name: 'muffle-2000Hz', fault: { fault: 'muffle', cutoffHz: 2000 }, noiseBelowDb: FAULT_NOISE_BELOW, target: { failedAtLeast: 0.99 } },
  { name: 'muffle-4000Hz', fault: { fault: 'muffle', cutoffHz: 4000 }, noiseBelowDb: FAULT_NOISE_BELOW },
  { name: 'rattle', fault: { fault: 'rattle' }, noiseBelowDb: FAULT_NOISE_BELOW },
];

const { samples: stimulus, plan } = buildStimulus(RATE, LEVEL_DBFS);
let analyses = 0;
let analysisCpuUs = 0;

function measure(settings: sim.AcousticSettings, prerollSamples: number, leadSamples: number, p: Plan): Measurement {
  const room = new sim.RoomModel(settings, RATE);
  const input = new Float32Array(prerollSamples + stimulus.length);
  input.set(stimulus, prerollSamples);
  const mic = room.process(input);
  const rec = mic.subarray(prerollSamples - leadSamples, prerollSamples - leadSamples + stimulus.length);
  const c0 = process.cpuUsage();
  const m = analyze(rec, p, RATE);
  const c = process.cpuUsage(c0);
  analysisCpuUs += c.user + c.system;
  analyses++;
  return m;
}

/** Deterministic per-seed variety without sharing the room model's generators. */
function hash(seed: number, salt: number): number {
  let h = Math.imul(seed ^ salt, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296;
}

interface Tally {
  n: number;
  failed: number;
  noisy: number;
  calibrationProblems: number;
  meanDev: number[];
  bandDevMin: number;
  bandDevMax: number;
  maxDistortionDb: number;
  firstReasons: string[];
}
const tallies = new Map<string, Tally>(SCENARIOS.map((s) => [s.name, { n: 0, failed: 0, noisy: 0, calibrationProblems: 0, meanDev: [], bandDevMin: Infinity, bandDevMax: -Infinity, maxDistortionDb: -Infinity, firstReasons: [] }]));

function record(name: string, v: Verdict, calProblem: string | undefined): void {
  const t = tallies.get(name)!;
  t.n++;
  if (calProblem) t.calibrationProblems++;
  if (v.status === 'Failed') t.failed++;
  if (v.status === 'NoisyEnvironment') t.noisy++;
  t.meanDev.push(v.meanDeviationDb);
  for (const b of v.bands) {
    t.bandDevMin = Math.min(t.bandDevMin, b.deviationDb);
    t.bandDevMax = Math.max(t.bandDevMax, b.deviationDb);
    if (b.distortionDb !== null) t.maxDistortionDb = Math.max(t.maxDistortionDb, b.distortionDb);
  }
  const healthy = !('fault' in (SCENARIOS.find((s) => s.name === name)!.fault));
  if (healthy && v.status !== 'OK' && t.firstReasons.length < 3) t.firstReasons.push(`${v.status}: ${v.reasons.join('; ')}`);
}

const started = performance.now();
const msToSamples = (ms: number) => Math.round((ms * RATE) / 1000);
const calibrations = new Map<string, { m: Measurement; problem: string | undefined }>();
for (let i = 0; i < PER_CLASS; i++) {
  const seed = SEED0 + i;
  for (const sc of SCENARIOS) {
    const noiseDb = TONE_AT_MIC_DB - sc.noiseBelowDb;
    const base: sim.AcousticSettings = { fault: 'none', dB: 0, cutoffHz: 4000, noiseDb, seed };
    // One calibration per room and noise level; the fault classes share it, as one device would.
    const key = `${seed}/${noiseDb}`;
    let cal = calibrations.get(key);
    if (!cal) {
      const m = measure(base, msToSamples(100 + 200 * hash(seed, 1)), msToSamples(100 * hash(seed, 2)), plan);
      cal = { m, problem: calibrationProblem(m, th) };
      calibrations.set(key, cal);
    }
    const test = measure({ ...base, ...sc.fault }, msToSamples(800 + 1000 * hash(seed, 3 + sc.name.length)), msToSamples(100 * hash(seed, 4 + sc.name.length)), plan);
    record(sc.name, compare(cal.m, test, th), cal.problem);
  }
  calibrations.clear();
  if ((i + 1) % 50 === 0) say(`${i + 1}/${PER_CLASS} seeds, ${round((performance.now() - started) / 1000, 1)} s`);
}

const classes: Record<string, unknown> = {};
const targets: Record<string, unknown> = {};
for (const sc of SCENARIOS) {
  const t = tallies.get(sc.name)!;
  const dev = t.meanDev;
  const healthy = !('fault' in sc.fault);
  classes[sc.name] = {
    n: t.n,
    noiseDbfs: round(TONE_AT_MIC_DB - sc.noiseBelowDb, 1),
    failedRate: round(t.failed / t.n, 4),
    noisyRate: round(t.noisy / t.n, 4),
    ...(healthy ? { falseAlarmRate: round(t.failed / t.n, 4) } : {}),
    calibrationProblems: t.calibrationProblems,
    meanDeviationDb: { mean: round(dev.reduce((a, b) => a + b, 0) / (dev.length || 1), 2), min: round(Math.min(...dev), 2), max: round(Math.max(...dev), 2) },
    bandDeviationDb: { min: round(t.bandDevMin, 1), max: round(t.bandDevMax, 1) },
    maxDistortionDb: round(t.maxDistortionDb, 1),
    ...(t.firstReasons.length ? { examples: t.firstReasons } : {}),
  };
  if (sc.target?.failedAtLeast !== undefined) {
    const v = t.failed / t.n;
    targets[sc.name] = { what: 'detected (Failed) rate', value: round(v, 4), target: `>= ${sc.target.failedAtLeast}`, withinTarget: v >= sc.target.failedAtLeast };
  }
  if (sc.target?.falseAlarmAtMost !== undefined) {
    const v = t.failed / t.n;
    targets[sc.name] = { what: 'false-alarm (Failed) rate', value: round(v, 4), target: `<= ${sc.target.falseAlarmAtMost}`, withinTarget: v <= sc.target.falseAlarmAtMost };
  }
}

const result = {
  stimulusMs: round((stimulus.length / RATE) * 1000, 0),
  toneAtMicDbfs: round(TONE_AT_MIC_DB, 1),
  faultClassNoiseBelowToneDb: FAULT_NOISE_BELOW,
  thresholds: th,
  analysisCpuMs: round(analysisCpuUs / 1000 / (analyses || 1), 2),
  analyses,
  wallS: round((performance.now() - started) / 1000, 1),
  targets,
  classes,
};
process.stdout.write(JSON.stringify(result) + '\n');

import t from 'tap';
import { sim } from '@belfry/board';
import { analyze } from '../src/speaker-test/analysis.js';
import { buildStimulus, SPEAKER_TEST_BANDS_HZ } from '../src/speaker-test/stimulus.js';
import { calibrationProblem, compare, DEFAULT_THRESHOLDS } from '../src/speaker-test/verdict.js';

const RATE = 16000;
const { samples, plan } = buildStimulus(RATE, -12);
/** the tones' RMS at the microphone: −12 dBFS peak, −3 dB for a sine's RMS, −6 dB speaker → mic */
const TONE_AT_MIC = -21;

/**
 * One pass through a fresh room. The pre-roll moves the noise stream on, so a test with the
 * calibration's seed (the same room) does not hear the calibration's noise sample for sample.
 */
function record(settings: Partial<sim.AcousticSettings>, prerollMs = 0): Float32Array {
  const room = new sim.RoomModel({ fault: 'none', dB: 0, cutoffHz: 4000, noiseDb: TONE_AT_MIC - 25, seed: 7, ...settings }, RATE);
  const pre = Math.round((prerollMs * RATE) / 1000);
  const input = new Float32Array(pre + samples.length);
  input.set(samples, pre);
  return room.process(input).subarray(pre);
}

const reference = analyze(record({}), plan, RATE);
const testOf = (settings: Partial<sim.AcousticSettings>) => compare(reference, analyze(record(settings, 700), plan, RATE), DEFAULT_THRESHOLDS);

t.test('stimulus: bands in order, leading silence, at most 3 s, peak at the asked level', async (t) => {
  t.same(plan.tones.map((x) => x.hz), [...SPEAKER_TEST_BANDS_HZ]);
  t.ok(plan.length / RATE <= 3);
  t.equal(plan.noise.start, 0);
  t.ok(plan.noise.end <= plan.tones[0]!.start);
  t.ok(samples.subarray(plan.noise.start, plan.noise.end).every((v) => v === 0), 'digital silence first');
  let peak = 0;
  for (const v of samples) peak = Math.max(peak, Math.abs(v));
  t.ok(Math.abs(20 * Math.log10(peak) + 12) < 0.05, `peak ${20 * Math.log10(peak)} dBFS`);
});

t.test('analysis on synthetic signals: level, distortion, noise, alignment', async (t) => {
  // The stimulus itself: −12 dBFS peak ⇒ −15 dBFS RMS in every band, no distortion.
  const clean = analyze(samples, plan, RATE);
  t.equal(clean.offset, 0);
  for (const b of clean.bands) {
    t.ok(Math.abs(b.levelDb + 15.05) < 0.1, `${b.hz} Hz at ${b.levelDb} dB`);
    if (b.hz * 2 < 7500) t.ok(b.distortionDb! <= -80, `${b.hz} Hz distortion ${b.distortionDb}`);
    else t.equal(b.distortionDb, null, 'no harmonic in range');
  }
  // A 2nd harmonic at −20 dB and a 3rd at −30 dB relative: 10·log10(0.01 + 0.001) = −19.6 dB.
  const distorted = new Float32Array(samples.length + 1000);
  const amp = Math.pow(10, -12 / 20);
  for (const tone of plan.tones) {
    const n = tone.end - tone.start;
    for (let i = 0; i < n; i++) {
      const edge = Math.min(i, n - 1 - i);
      const g = edge < tone.ramp ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / tone.ramp) : 1;
      const ph = (2 * Math.PI * tone.hz * i) / RATE;
      distorted[1000 + tone.start + i] = amp * g * (Math.sin(ph) + 0.1 * Math.sin(2 * ph) + 0.0316 * Math.sin(3 * ph));
    }
  }
  const d = analyze(distorted, plan, RATE);
  t.ok(Math.abs(d.offset - 1000) <= 2, `found the 1000-sample delay (${d.offset})`);
  for (const b of d.bands.filter((x) => x.hz * 3 < 7500)) t.ok(Math.abs(b.distortionDb! + 19.6) < 1.5, `${b.hz} Hz distortion ${b.distortionDb}`);
  // White noise of known RMS in the leading silence.
  const noisy = Float32Array.from(samples);
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296) * 2 - 1;
  for (let i = 0; i < noisy.length; i++) noisy[i]! += 0.01 * Math.sqrt(3) * rand();
  const n = analyze(noisy, plan, RATE);
  t.ok(Math.abs(n.noiseDbfs + 40) < 0.5, `noise ${n.noiseDbfs} dBFS`);
  // White noise: the 1/3 octave around f holds 0.23·f/8000 of the power.
  for (const b of n.bands) t.ok(Math.abs(b.noiseDb - (-40 + 10 * Math.log10((0.2316 * b.hz) / 8000))) < 2.5, `${b.hz} Hz band noise ${b.noiseDb}`);
});

t.test('room: a healthy speaker passes its own calibration', async (t) => {
  t.equal(calibrationProblem(reference, DEFAULT_THRESHOLDS), undefined);
  const v = testOf({});
  t.equal(v.status, 'OK', v.reasons.join('; '));
  t.ok(Math.abs(v.meanDeviationDb) < 0.5);
  t.equal(v.bands.length, SPEAKER_TEST_BANDS_HZ.length);
});

t.test('room: faults fail', async (t) => {
  for (const [name, settings] of [
    ['dead', { fault: 'dead' }],
    ['attenuate 6 dB', { fault: 'attenuate', dB: 6 }],
    ['muffle 2 kHz', { fault: 'muffle', cutoffHz: 2000 }],
    ['rattle', { fault: 'rattle' }],
  ] as const) {
    const v = testOf(settings);
    t.equal(v.status, 'Failed', `${name}: ${v.reasons.join('; ')}`);
    t.ok(v.reasons.length > 0, `${name} says why`);
  }
  t.match(testOf({ fault: 'rattle' }).reasons.join(), /distortion/);
  t.match(testOf({ fault: 'muffle', cutoffHz: 2000 }).reasons.join(), /6300 Hz: .* below calibration/);
});

t.test('room: noise as loud as the tones is a noisy environment, a dead speaker in quiet is not', async (t) => {
  const v = testOf({ noiseDb: TONE_AT_MIC + 3 });
  t.equal(v.status, 'NoisyEnvironment', v.reasons.join('; '));
  t.ok(v.noiseDbfs > TONE_AT_MIC);
  t.equal(testOf({ fault: 'dead', noiseDb: TONE_AT_MIC - 10 }).status, 'Failed');
});

t.test('room: the recording may start up to ~100 ms before the stimulus is heard', async (t) => {
  const rec = record({}, 700);
  for (const ms of [60, 100]) {
    const lead = Math.round((ms * RATE) / 1000);
    const delayed = new Float32Array(lead + rec.length);
    delayed.set(rec, lead);
    const m = analyze(delayed, plan, RATE);
    t.ok(Math.abs(m.offset - lead - 0.008 * RATE) <= 0.008 * RATE, `offset ${m.offset} for ${ms} ms`);
    const v = compare(reference, m, DEFAULT_THRESHOLDS);
    t.equal(v.status, 'OK', `${ms} ms: ${v.reasons.join('; ')}`);
    t.ok(Math.abs(v.meanDeviationDb) < 0.5);
  }
});

t.test('calibration problems: a silent speaker, a noisy room', async (t) => {
  t.match(calibrationProblem(analyze(record({ fault: 'dead' }), plan, RATE), DEFAULT_THRESHOLDS), /not heard/);
  t.match(calibrationProblem(analyze(record({ noiseDb: TONE_AT_MIC + 3 }), plan, RATE), DEFAULT_THRESHOLDS), /too noisy|not heard/);
  // The room's rattle distorts by about −28 dB: audible in a test against a clean calibration, yet
  // too mild to call a speaker unusable without one.
  t.equal(calibrationProblem(analyze(record({ fault: 'rattle' }), plan, RATE), DEFAULT_THRESHOLDS), undefined);
});

t.test('verdict: a band far above its calibration (feedback, a resonance come loose) fails', async (t) => {
  const m = analyze(record({}, 300), plan, RATE);
  const loud = { ...m, bands: m.bands.map((b) => (b.hz === 1000 ? { ...b, levelDb: b.levelDb + 6 } : b)) };
  const v = compare(reference, loud, DEFAULT_THRESHOLDS);
  t.equal(v.status, 'Failed');
  t.match(v.reasons.join(), /1000 Hz: .* above calibration/);
});

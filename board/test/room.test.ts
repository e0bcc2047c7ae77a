import t from 'tap';
import { sim } from '../src/index.js';
import { measurePinkRms, pinkRmsAt } from '../src/sim/room.js';

const { RoomModel, SIM_AUDIO_RATE: RATE, DEFAULT_ACOUSTIC } = sim;
type Settings = sim.AcousticSettings;

const room = (s: Partial<Settings> = {}) => new RoomModel({ ...DEFAULT_ACOUSTIC, ...s });
const TONE_AMP = Math.pow(10, -12 / 20);
const db = (v: number) => 20 * Math.log10(v);

function tone(f: number, n: number, amp = TONE_AMP): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = amp * Math.sin((2 * Math.PI * f * i) / RATE);
  return a;
}

/** amplitude of the f component (Goertzel) */
function goertzel(x: Float32Array, f: number): number {
  const c = 2 * Math.cos((2 * Math.PI * f) / RATE);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - c * s1 * s2)) * 2) / x.length;
}

function rms(x: Float32Array): number {
  let a = 0;
  for (const v of x) a += v * v;
  return Math.sqrt(a / x.length);
}

/** the room after 200 ms settling, then 1 s of tone at the mic */
function toneAtMic(r: InstanceType<typeof RoomModel>, f: number): Float32Array {
  r.process(tone(f, RATE / 5));
  return r.process(tone(f, RATE));
}

t.test('deterministic per seed, noise keeps streaming', async (t) => {
  const input = tone(1000, 4000);
  const a = room({ seed: 42, noiseDb: -40 }).process(input);
  const b = room({ seed: 42, noiseDb: -40 }).process(input);
  t.same(Array.from(a), Array.from(b), 'same seed ⇒ same output');
  const c = room({ seed: 43, noiseDb: -40 }).process(input);
  t.notSame(Array.from(a), Array.from(c), 'other seed ⇒ other output');
  const r = room({ seed: 42, noiseDb: -40 });
  const first = r.process(new Float32Array(320));
  const second = r.process(new Float32Array(320));
  t.notSame(Array.from(first), Array.from(second), 'noise does not restart on each call');
  const chunked = room({ seed: 42, noiseDb: -40 });
  const parts = [chunked.process(input.subarray(0, 1000)), chunked.process(input.subarray(1000))];
  t.same([...parts[0]!, ...parts[1]!], Array.from(a), 'streaming in chunks = one call');
});

t.test('delay is 2–8 ms', async (t) => {
  for (const seed of [1, 2, 3, 99, 12345]) {
    const r = room({ seed, noiseDb: -150 });
    const imp = new Float32Array(400);
    imp[0] = 1;
    const out = r.process(imp);
    const first = out.findIndex((v) => Math.abs(v) > 1e-4);
    t.ok(first >= 0.002 * RATE && first <= 0.008 * RATE, `seed ${seed}: first response at ${first} samples`);
    t.equal(first, r.delaySamples);
  }
});

t.test('1 kHz tone arrives near −18 dBFS, as the room response says', async (t) => {
  for (const seed of [1, 7, 2024]) {
    const r = room({ seed });
    const level = db(goertzel(toneAtMic(r, 1000), 1000) / TONE_AMP) - 12;
    t.ok(Math.abs(level - (-12 + r.responseDb(1000))) < 0.3, `seed ${seed}: ${level.toFixed(2)} dB matches the model's response`);
    t.ok(Math.abs(level - -18) <= 2.5, `seed ${seed}: ${level.toFixed(2)} dBFS ≈ −18`);
  }
  const r = room();
  t.ok(r.peaks.every((p) => p.freqHz >= 300 && p.freqHz <= 6000 && Math.abs(p.gainDb) <= 2), 'peaks in range');
});

t.test("the noise generator's stored RMS is what measuring it gives", async (t) => {
  // stored so boardd does not measure it at every start (room.ts); a change to PinkNoise fails here
  t.equal(pinkRmsAt(RATE), measurePinkRms(RATE), `${RATE} Hz: stored`);
  t.equal(pinkRmsAt(8000), measurePinkRms(8000), 'another rate: measured on first use');
});

t.test('ambient noise level', async (t) => {
  for (const noiseDb of [-70, -50, -30]) {
    const r = room({ noiseDb, seed: 5 });
    r.process(new Float32Array(RATE / 10));
    const level = db(rms(r.process(new Float32Array(RATE))));
    t.ok(Math.abs(level - noiseDb) <= 1, `noise ${noiseDb}: measured ${level.toFixed(2)} dBFS`);
  }
});

t.test('faults', async (t) => {
  const healthy1k = goertzel(toneAtMic(room(), 1000), 1000);

  const dead = toneAtMic(room({ fault: 'dead', noiseDb: -60 }), 1000);
  t.ok(Math.abs(db(rms(dead)) - -60) <= 1, 'dead: the mic hears only the noise');
  t.ok(db(goertzel(dead, 1000)) < -70, 'dead: no tone');

  const att = goertzel(toneAtMic(room({ fault: 'attenuate', dB: 6 }), 1000), 1000);
  t.ok(Math.abs(db(att / healthy1k) - -6) <= 0.5, `attenuate 6: ${db(att / healthy1k).toFixed(2)} dB`);

  const m4k = goertzel(toneAtMic(room({ fault: 'muffle', cutoffHz: 2000 }), 4000), 4000);
  const h4k = goertzel(toneAtMic(room(), 4000), 4000);
  t.ok(db(m4k / h4k) <= -18, `muffle 2000: 4 kHz down ${db(m4k / h4k).toFixed(1)} dB`);
  const m500 = goertzel(toneAtMic(room({ fault: 'muffle', cutoffHz: 2000 }), 500), 500);
  const h500 = goertzel(toneAtMic(room(), 500), 500);
  t.ok(Math.abs(db(m500 / h500)) <= 1, `muffle 2000: 500 Hz within 1 dB (${db(m500 / h500).toFixed(2)})`);

  const thd = (x: Float32Array) => db(Math.hypot(goertzel(x, 2000), goertzel(x, 3000)) / goertzel(x, 1000));
  const healthy = toneAtMic(room(), 1000);
  const rattled = toneAtMic(room({ fault: 'rattle' }), 1000);
  t.ok(thd(rattled) - thd(healthy) >= 10, `rattle: THD ${thd(healthy).toFixed(1)} → ${thd(rattled).toFixed(1)} dB`);
  const fundDiff = db(goertzel(rattled, 1000) / goertzel(healthy, 1000));
  t.ok(Math.abs(fundDiff) < 2, `rattle: fundamental moves ${fundDiff.toFixed(2)} dB`);
});

t.test('output is clamped', async (t) => {
  const r = room({ noiseDb: 0 });
  const out = r.process(tone(1000, 8000, 1));
  t.ok(out.every((v) => v >= -1 && v <= 1));
});

t.test('the still room: its ambient loop has the noise level, per seed; settle() forgets the state', async (t) => {
  const r = room({ seed: 9, noiseDb: -50 });
  const a = new Int16Array(3 * RATE);
  r.ambient(a);
  let acc = 0;
  for (const v of a) acc += (v / 32768) ** 2;
  const level = db(Math.sqrt(acc / a.length));
  t.ok(Math.abs(level + 50) <= 1, `ambient at ${level.toFixed(2)} dBFS`);
  const b = new Int16Array(3 * RATE);
  room({ seed: 9, noiseDb: -50 }).ambient(b);
  t.same(Array.from(b), Array.from(a), 'same seed, same ambient');
  const quiet = room({ seed: 9, noiseDb: -150 });
  const loud = quiet.process(tone(1000, 320));
  t.ok(rms(loud) > 0.01, 'a tone in the room');
  quiet.settle();
  t.ok(rms(quiet.process(new Float32Array(320))) < 1e-6, 'settled: no tail');
});

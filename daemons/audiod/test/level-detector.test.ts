import t from 'tap';
import { LevelDetector, levelOf } from '../src/level-detector.js';

/** `ms` of a 1 kHz sine at `dbfs` (RMS), 16 kHz */
function sine(ms: number, dbfs: number): Int16Array {
  const n = (16 * ms) | 0;
  const amp = Math.SQRT2 * 32768 * Math.pow(10, dbfs / 20);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * 1000 * i) / 16000));
  return out;
}

/** events (with the samples fed when each came) and the last level, feeding `signal` in chunks */
function run(signal: Int16Array, chunk: number, threshold = 50) {
  const events: { triggered: boolean; windowsBefore: number }[] = [];
  const levels: number[] = [];
  let windows = 0;
  const d: LevelDetector = new LevelDetector(
    (): number => (levels.push(d.level), windows++, threshold),
    (triggered) => events.push({ triggered, windowsBefore: windows }),
  );
  for (let i = 0; i < signal.length; i += chunk) d.push(signal.subarray(i, i + chunk));
  return { events, levels, level: d.level };
}

t.test('the same windows, events and hysteresis whatever the batch size', async (t) => {
  const parts = [sine(1000, -80), sine(700, -20), sine(300, -80), sine(200, -20), sine(2500, -80)];
  const signal = new Int16Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) signal.set(p, (o += p.length) - p.length);
  const frames = run(signal, 320);
  // loud from 1.0 s → triggered by the 11th window; a 300 ms quiet gap holds it; the loud part
  // ends at 2.2 s → released after ten quiet windows, by the 32nd
  t.same(frames.events, [
    { triggered: true, windowsBefore: 11 },
    { triggered: false, windowsBefore: 32 },
  ]);
  for (const chunk of [4000, 1, 777, 16000]) t.same(run(signal, chunk), frames, `batches of ${chunk} samples`);
});

t.test('the level scale and the threshold', async (t) => {
  t.equal(levelOf(-90), 0);
  t.equal(levelOf(0), 100);
  t.equal(run(sine(200, -20), 4000).level, 78, '−20 dBFS reads 78');
  t.same(run(sine(500, -20), 4000, 78).events, [], 'at the threshold: no event');
  t.equal(run(sine(500, -20), 4000, 77).events.length, 1, 'one point under it: triggered');
});

t.test('calm: every window of the last batch CALM_MARGIN or more under the threshold, nothing triggered', async (t) => {
  const events: boolean[] = [];
  const d = new LevelDetector(
    () => 50,
    (v) => events.push(v),
  );
  t.equal(d.calm, false, 'nothing heard yet: not calm');
  // −90 + 0.9 × 40 = −54 dBFS reads 40: exactly the margin under 50
  d.push(sine(1000, -54));
  t.equal(d.level, 40);
  t.equal(d.calm, true, 'at the margin: calm');
  d.push(sine(50, -50));
  t.equal(d.calm, true, 'half a window says nothing new (even louder)');
  d.push(sine(1000, -53));
  t.equal(d.level, 41);
  t.equal(d.calm, false, 'one point closer: not calm');
  const quietThenLoud = new Int16Array(16000);
  quietThenLoud.set(sine(900, -80));
  quietThenLoud.set(sine(100, -20), 14400);
  d.push(quietThenLoud);
  t.same(events, [true], 'a loud last window triggers');
  t.equal(d.calm, false, 'one loud window in the batch: not calm');
  d.push(sine(1000, -80));
  t.equal(d.calm, false, 'triggered (holding for its release): not calm');
  d.push(sine(1000, -80));
  t.same(events, [true, false], 'released after a second');
  d.push(sine(1000, -80));
  t.equal(d.calm, true, 'released and quiet: calm again');
});

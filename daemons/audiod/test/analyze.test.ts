import t, { type Test } from 'tap';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeClip, parseReplayGain } from '../src/clips/analyze.js';
import { ClipError, probeClip } from '../src/clips/probe.js';
import { ACCEPTED, durationSlackMs, makeClip, prng, randomBuffer } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'belfry-analyze-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function refused(t: Test, p: Promise<unknown>, pattern: RegExp, msg: string): Promise<void> {
  try {
    const r = await p;
    t.fail(`${msg}: accepted as ${JSON.stringify(r)}`);
  } catch (err) {
    t.type(err, ClipError, `${msg}: a ClipError`);
    t.match((err as Error).message, pattern, msg);
  }
}

t.test('every accepted format decodes with a sane duration and loudness', async (t) => {
  for (const c of ACCEPTED) {
    const label = `${c.kind} ${JSON.stringify(c.opts)}`;
    const a = await analyzeClip(await makeClip(dir, c.kind, { ...c.opts, seconds: 1.5 }));
    t.ok(Math.abs(a.durationMs - 1500) <= durationSlackMs(c.kind, c.rate), `${label}: duration ${a.durationMs} ms`);
    // A 0.5 amplitude sine is about 81–82 dB on ReplayGain's scale, so the gain is a few dB negative.
    t.ok(a.gainDb !== null && a.gainDb < -3 && a.gainDb > -12, `${label}: gain ${a.gainDb} dB`);
    t.ok(a.peak !== null && a.peak > 0.4 && a.peak < 0.65, `${label}: peak ${a.peak}`);
  }
});

t.test('a quiet clip gets more ReplayGain gain than a loud one', async (t) => {
  for (const kind of ['wav', 'mp3', 'opus'] as const) {
    const quiet = await analyzeClip(await makeClip(dir, kind, { volume: 0.1, seconds: 2 }));
    const loud = await analyzeClip(await makeClip(dir, kind, { volume: 0.5, seconds: 2 }));
    t.ok(quiet.gainDb! > loud.gainDb!, `${kind}: −20 dBFS gets ${quiet.gainDb} dB, −6 dBFS gets ${loud.gainDb} dB`);
    // 20·log10(0.5/0.1) ≈ 14 dB apart.
    t.ok(Math.abs(quiet.gainDb! - loud.gainDb! - 14) < 1.5, `${kind}: the difference follows the level`);
    t.ok(quiet.peak! < loud.peak!, `${kind}: peaks follow the level`);
  }
});

t.test('garbage behind a plausible mp3 header passes the probe but not the decoder', async (t) => {
  const real = readFileSync(await makeClip(dir, 'mp3', { rate: 44100, kbps: 128 }));
  // 128 kbit/s at 44.1 kHz without padding: frames of 417 bytes. Keep two frame headers, nothing else.
  const next = prng(7);
  const fake = Buffer.concat([real.subarray(0, 4), randomBuffer(next, 413), real.subarray(417, 421), randomBuffer(next, 20_000)]);
  t.equal(probeClip(fake, { maxDurationMs: 60_000 }).format, 'mp3', 'the header check is fooled');
  const path = join(dir, 'fake.mp3');
  writeFileSync(path, fake);
  await refused(t, analyzeClip(path), /^the file could not be decoded/, 'the decoder is not');
});

t.test('refusals', async (t) => {
  await refused(t, analyzeClip(join(dir, 'missing.wav')), /^the file could not be decoded/, 'a missing file');
  const text = join(dir, 'text.wav');
  writeFileSync(text, 'not audio\n'.repeat(1000));
  await refused(t, analyzeClip(text), /^the file could not be decoded/, 'text named .wav');
  const empty = join(dir, 'empty.au');
  writeFileSync(empty, Buffer.from('2e736e6400000018ffffffff0000000100001f4000000001', 'hex'));
  await refused(t, analyzeClip(empty), /^the file could not be decoded/, 'an au header with no samples');

  const long = await makeClip(dir, 'wav', { seconds: 3 });
  await refused(t, analyzeClip(long, { maxDurationMs: 1000 }), /too long: the decoded audio exceeds the 1\.0 s limit/, 'decoding stops past maxDurationMs');
  // gst-launch cannot even start within a millisecond, so this is the timeout path, not a race.
  await refused(t, analyzeClip(long, { timeoutMs: 1 }), /could not be decoded within/, 'a timeout kills the child');
});

t.test('the path is one argv element: spaces, quotes and "!" cannot change the pipeline', async (t) => {
  const src = await makeClip(dir, 'au');
  const odd = join(dir, 'a clip "x" ! fakesink ; $(true).au');
  copyFileSync(src, odd);
  const a = await analyzeClip(odd);
  t.ok(Math.abs(a.durationMs - 1000) <= 100, `decoded ${a.durationMs} ms`);
});

t.test('only the last ReplayGain tag block counts', async (t) => {
  const out = [
    'FOUND TAG      : found by element "fdsink0".',
    '           title: x',
    'replaygain track gain: 50.000000',
    'replaygain track peak: 0.000100',
    'FOUND TAG      : found by element "fdsink0".',
    'replaygain track peak: 0.500244',
    'replaygain track gain: -8.140000',
    'replaygain reference level: 89.000000',
    'Got EOS from element "pipeline0".',
  ].join('\n');
  t.same(parseReplayGain(out), { gain: -8.14, peak: 0.500244 }, 'rganalysis result, not the file\'s own tags');
  t.same(parseReplayGain('Setting pipeline to PAUSED ...\n'), { gain: null, peak: null }, 'nothing reported');
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createEngine, type EngineName, type PcmStream } from '../src/engine/index.js';
import { splitWords } from '../src/engine/launch.js';
import { makeClip } from './fixtures.js';
import { toneDb } from './device.js';

async function drain(s: PcmStream): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  for (;;) {
    const c = await s.next();
    if (!c) break;
    parts.push(c);
  }
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'engine-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

for (const name of ['superficial', 'launch'] as EngineName[]) {
  t.test(`${name}: decodes every clip format to 16 kHz mono`, async (t) => {
    const engine = createEngine(name);
    t.equal(engine.name, name);
    for (const kind of ['au', 'wav', 'mp3', 'opus', 'vorbis'] as const) {
      const f = await makeClip(dir, kind, { seconds: 1, toneHz: 1000, volume: 0.5, rate: kind === 'au' ? 8000 : kind === 'opus' ? 48000 : 44100 });
      const pcm = await drain(engine.decode(f));
      // mp3 decoders add up to two frames of padding; the others are exact within a few ms
      t.ok(pcm.length >= 15_800 && pcm.length <= 16_000 + 2 * 1152 * 2, `${kind}: ${pcm.length} samples for 1 s`);
      t.ok(toneDb(pcm, 1000) > -12, `${kind}: the 1 kHz tone is there (${toneDb(pcm, 1000).toFixed(1)} dB)`);
      // µ-law's quantisation noise is about -35 dB here; the other codecs are far cleaner
      t.ok(toneDb(pcm, 3000) < (kind === 'au' ? -30 : -40), `${kind}: nothing at 3 kHz (${toneDb(pcm, 3000).toFixed(1)} dB)`);
    }
  });

  t.test(`${name}: a file that is not audio fails with an error, not a crash`, async (t) => {
    const engine = createEngine(name);
    const bad = join(dir, `bad-${name}.wav`);
    writeFileSync(bad, Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt '), Buffer.alloc(200, 0x5a)]));
    await t.rejects(drain(engine.decode(bad)), { code: 'internal', message: /^decoder: / });
    await t.rejects(drain(engine.decode(join(dir, 'missing.mp3'))), { code: 'internal' }, 'a missing file');
  });

  t.test(`${name}: closing a stream early stops decoding`, async (t) => {
    const engine = createEngine(name);
    const f = await makeClip(dir, 'wav', { seconds: 20, toneHz: 440 });
    const s = engine.decode(f);
    t.ok(await s.next(), 'a first chunk');
    s.close();
    t.equal(await s.next().catch(() => null), null, 'nothing after close (or an end)');
  });
}

t.test('gst-launch words keep quoted paths whole', async (t) => {
  t.same(splitWords('filesrc location="/a b/c \\"d\\".wav" ! fakesink'), ['filesrc', 'location="/a b/c \\"d\\".wav"', '!', 'fakesink']);
});

// Real boards: the ALSA elements, against ALSA's null device (no sound hardware here; unpaced)
for (const name of ['superficial', 'launch'] as EngineName[]) {
  t.test(`${name}: ALSA output and input pipelines run (null device)`, async (t) => {
    const engine = createEngine(name);
    const out = engine.openOutput('null');
    const tone = new Int16Array(320).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 16000)));
    for (let i = 0; i < 25; i++) out.write(tone);
    await out.close();
    let got = 0;
    const input = engine.openInput('null', (s) => (got += s.length));
    const deadline = Date.now() + 5000;
    while (got < 1600 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await input.close();
    t.ok(got >= 1600, `the null capture device delivered ${got} samples`);
  });
}

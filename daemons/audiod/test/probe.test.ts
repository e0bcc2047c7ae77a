import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync, rmSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClipError, probeClip } from '../src/clips/probe.js';
import { ACCEPTED, durationSlackMs, makeClip, prng, randomBuffer } from './fixtures.js';

const LIMITS = { maxDurationMs: 10 * 60_000 };
const dir = mkdtempSync(join(tmpdir(), 'belfry-probe-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function refused(t: Test, bytes: Buffer, pattern: RegExp, msg: string, limits = LIMITS): void {
  try {
    const r = probeClip(bytes, limits);
    t.fail(`${msg}: accepted as ${JSON.stringify(r)}`);
  } catch (err) {
    t.type(err, ClipError, `${msg}: a ClipError`);
    t.match((err as Error).message, pattern, msg);
  }
}

function dataChunk(wav: Buffer): number {
  const at = wav.indexOf('data', 12, 'latin1');
  if (at < 0) throw new Error('fixture without a data chunk');
  return at;
}

t.test('every accepted format at its edge values probes to the right format, rate and channels', async (t) => {
  for (const c of ACCEPTED) {
    const label = `${c.kind} ${JSON.stringify(c.opts)}`;
    const r = probeClip(readFileSync(await makeClip(dir, c.kind, { ...c.opts, seconds: 1 })), LIMITS);
    t.equal(r.format, c.kind, `${label}: format`);
    t.equal(r.rate, c.rate, `${label}: rate`);
    t.equal(r.channels, c.channels, `${label}: channels`);
    if (c.bits) t.equal(r.bitsPerSample, c.bits, `${label}: bits`);
    if (c.kbps) t.equal(r.bitrateKbps, c.kbps, `${label}: bitrate`);
    t.ok(r.durationMs !== null && Math.abs(r.durationMs - 1000) <= durationSlackMs(c.kind, c.rate), `${label}: duration ${r.durationMs} ms`);
  }
});

t.test('mime types and extensions come from the content', async (t) => {
  const want = { au: ['audio/basic', 'au'], wav: ['audio/wav', 'wav'], mp3: ['audio/mpeg', 'mp3'], opus: ['audio/ogg', 'opus'], vorbis: ['audio/ogg', 'ogg'] } as const;
  for (const kind of ['au', 'wav', 'mp3', 'opus', 'vorbis'] as const) {
    const r = probeClip(readFileSync(await makeClip(dir, kind)), LIMITS);
    t.same([r.mime, r.extension], want[kind], kind);
  }
});

t.test('the content decides, not the file name', async (t) => {
  const wav = await makeClip(dir, 'wav');
  const renamed = join(dir, 'really-a-wav.mp3');
  renameSync(wav, renamed);
  t.equal(probeClip(readFileSync(renamed), LIMITS).format, 'wav', 'a .wav renamed .mp3 is still a wav');
  const mp3 = await makeClip(dir, 'mp3', { name: 'really-an-mp3.wav' });
  t.equal(probeClip(readFileSync(mp3), LIMITS).format, 'mp3', 'an mp3 named .wav is an mp3');
});

t.test('mp3 with an ID3v2 tag (and uncounted padding) in front', async (t) => {
  const audio = readFileSync(await makeClip(dir, 'mp3', { rate: 44100, kbps: 128 }));
  const text = Buffer.from('\x03Belfry test', 'latin1');
  const frame = Buffer.concat([Buffer.from('TIT2'), syncsafe(text.length), Buffer.from([0, 0]), text]);
  const body = Buffer.concat([frame, Buffer.alloc(200)]);
  const tag = Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 4, 0, 0]), syncsafe(body.length), body]);
  const r = probeClip(Buffer.concat([tag, Buffer.alloc(37), audio]), LIMITS);
  t.equal(r.format, 'mp3');
  t.equal(r.bitrateKbps, 128);
  t.ok(r.durationMs !== null && Math.abs(r.durationMs - 1000) <= durationSlackMs('mp3', 44100), `duration ${r.durationMs} ms excludes the tag`);
  refused(t, tag, /truncated/, 'a tag and no audio');
});

t.test('VBR mp3: the Xing header gives duration and average bitrate', async (t) => {
  const file = await makeClip(dir, 'mp3', { rate: 44100, channels: 2, kbps: -2, seconds: 2, noise: true });
  const bytes = readFileSync(file);
  t.ok(bytes.includes('Xing'), 'sox/lame wrote a Xing header');
  const r = probeClip(bytes, LIMITS);
  t.equal(r.format, 'mp3');
  t.ok(r.durationMs !== null && Math.abs(r.durationMs - 2000) <= durationSlackMs('mp3', 44100), `duration ${r.durationMs} ms`);
  t.ok(r.bitrateKbps! >= 64 && r.bitrateKbps! <= 320, `average bitrate ${r.bitrateKbps} kbit/s`);

  // A pure tone costs lame almost nothing, so a VBR sine averages well below the manual's floor.
  const sine = readFileSync(await makeClip(dir, 'mp3', { rate: 44100, channels: 2, kbps: -4.2, seconds: 2 }));
  refused(t, sine, /bitrate \d+ kbit\/s is not supported/, 'a VBR sine averaging under 64 kbit/s');

  const lie = Buffer.from(bytes);
  const xing = lie.indexOf('Xing');
  lie.writeUInt32BE(48_000_000, xing + 8);
  refused(t, lie, /bitrate \d+ kbit\/s is not supported/, 'a Xing frame count claiming hours makes the average bitrate impossible');
});

t.test('wrong magic is refused as an unsupported format', async (t) => {
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), randomBuffer(prng(1), 500)]);
  refused(t, png, /^unsupported format/, 'a PNG');
  refused(t, Buffer.from('Hello, this is not audio at all.\n'.repeat(50)), /^unsupported format/, 'text');
  refused(t, Buffer.from('<html><body>RIFF WAVE OggS</body></html>'), /^unsupported format/, 'HTML mentioning magic words');
  const next = prng(2);
  for (let i = 0; i < 200; i++) {
    const b = randomBuffer(next, 1 + Math.floor(next() * 4000));
    try {
      probeClip(b, LIMITS);
      t.fail(`random bytes #${i} accepted`);
    } catch (err) {
      if (!(err instanceof ClipError)) throw err;
    }
  }
  t.pass('200 random buffers refused');
  refused(t, Buffer.alloc(0), /empty/, 'an empty file');
  refused(t, Buffer.from('RIFF\x24\x00\x00\x00AVI LIST', 'latin1'), /^unsupported format/, 'a RIFF that is not WAVE');
  const flacInOgg = Buffer.from(readFileSync(await makeClip(dir, 'vorbis')));
  flacInOgg.write('\x7fFLAC\x01\x00', 28, 'latin1');
  refused(t, flacInOgg, /neither Opus nor Vorbis/, 'another codec in Ogg');
});

t.test('truncated files', async (t) => {
  const wav = readFileSync(await makeClip(dir, 'wav', { rate: 16000 }));
  const au = readFileSync(await makeClip(dir, 'au'));
  const mp3 = readFileSync(await makeClip(dir, 'mp3', { rate: 44100, kbps: 128 }));
  const opus = readFileSync(await makeClip(dir, 'opus'));
  refused(t, wav.subarray(0, 10), /truncated/, 'wav header cut');
  refused(t, wav.subarray(0, 30), /truncated|no data chunk/, 'wav fmt chunk cut');
  refused(t, wav.subarray(0, dataChunk(wav) + 4), /truncated|no data chunk/, 'wav data chunk header cut');
  refused(t, wav.subarray(0, wav.length / 2), /truncated/, 'wav data cut short');
  refused(t, au.subarray(0, 16), /truncated/, 'au header cut');
  refused(t, au.subarray(0, au.length / 2), /truncated/, 'au data cut short');
  refused(t, mp3.subarray(0, 3), /^unsupported format/, 'mp3 cut inside the first header');
  refused(t, mp3.subarray(0, 300), /truncated/, 'mp3 cut inside the first frame');
  refused(t, opus.subarray(0, 20), /truncated/, 'ogg first page cut');
});

t.test('out-of-range parameters name what is wrong', async (t) => {
  const probe = async (kind: Parameters<typeof makeClip>[1], opts: Parameters<typeof makeClip>[2]) =>
    readFileSync(await makeClip(dir, kind, opts));
  refused(t, await probe('au', { auEncoding: 'signed-integer' }), /au: linear PCM is not supported/, 'au with linear PCM');
  refused(t, await probe('au', { rate: 44100 }), /au: sample rate 44100 Hz/, 'au at 44.1 kHz');
  refused(t, await probe('wav', { rate: 96000 }), /wav: sample rate 96000 Hz/, 'wav at 96 kHz');
  refused(t, await probe('wav', { rate: 6000 }), /wav: sample rate 6000 Hz/, 'wav at 6 kHz');
  refused(t, await probe('wav', { bits: 24 }), /wav: 24-bit/, 'wav 24-bit');
  refused(t, await probe('wav', { channels: 6 }), /wav: 6 channels/, 'wav 6 channels');
  refused(t, await probe('wav', { bits: 32, encoding: 'floating-point' }), /wav: floating-point/, 'wav float');
  refused(t, await probe('wav', { bits: 8, encoding: 'a-law' }), /wav: compression format 6/, 'wav A-law');
  refused(t, await probe('mp3', { rate: 8000, kbps: 32 }), /mp3: bitrate 32 kbit\/s/, 'mp3 at 32 kbit/s, 8 kHz');
  refused(t, await probe('mp3', { rate: 44100, kbps: 48 }), /mp3: bitrate 48 kbit\/s/, 'mp3 at 48 kbit/s, 44.1 kHz');
  refused(t, await probe('vorbis', { channels: 6 }), /vorbis: 6 channels/, 'vorbis 5.1');
  refused(t, await probe('vorbis', { rate: 96000 }), /vorbis: sample rate 96000 Hz/, 'vorbis at 96 kHz');
});

t.test('headers that claim more audio than allowed or present', async (t) => {
  const wav = Buffer.from(readFileSync(await makeClip(dir, 'wav', { rate: 8000, bits: 8 })));
  const hours = 3 * 3600 * 8000;
  const lie = Buffer.from(wav);
  lie.writeUInt32LE(hours, dataChunk(lie) + 4);
  refused(t, lie, /truncated or its header is wrong \(it announces 3 h 0 min/, 'a wav claiming 3 h in 1 s of bytes');

  // The same claim backed by real bytes: consistent, but beyond the limit.
  const padded = Buffer.alloc(lie.length - 8000 + hours, 0x80);
  lie.copy(padded, 0, 0, lie.length);
  refused(t, padded, /too long: 3 h 0 min of audio, the limit is 10 min 0 s/, 'a wav really holding 3 h');

  refused(t, wav, /too long: 1\.0 s of audio, the limit is 0\.5 s/, 'a 1 s clip against a 0.5 s limit', { maxDurationMs: 500 });

  const streaming = Buffer.from(wav);
  streaming.writeUInt32LE(0xffffffff, dataChunk(streaming) + 4);
  t.equal(probeClip(streaming, LIMITS).durationMs, 1000, 'a streaming wav (size 0xFFFFFFFF) is measured by its bytes');

  const au = Buffer.from(readFileSync(await makeClip(dir, 'au')));
  au.writeUInt32BE(0xffffffff, 8);
  t.equal(probeClip(au, LIMITS).durationMs, 1000, 'an au of unknown size is measured by its bytes');

  const opus = Buffer.from(readFileSync(await makeClip(dir, 'opus')));
  opus.writeBigInt64LE(BigInt(3 * 3600 * 48000), opus.lastIndexOf('OggS') + 6);
  refused(t, opus, /too long: 3 h 0 min/, 'an Ogg whose last granule claims 3 h');
});

t.test('fuzz: mutated and truncated fixtures only ever probe or throw ClipError', async (t) => {
  const seeds: Buffer[] = [];
  for (const c of ACCEPTED) seeds.push(readFileSync(await makeClip(dir, c.kind, { ...c.opts, seconds: 0.3 })));
  seeds.push(readFileSync(await makeClip(dir, 'mp3', { rate: 44100, kbps: -2, seconds: 0.5, noise: true })));
  const next = prng(42);
  const pick = (n: number) => Math.floor(next() * n);
  const nasty = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];
  let accepted = 0;
  let refusedCount = 0;
  const N = 4000;
  for (let i = 0; i < N; i++) {
    const src = seeds[i % seeds.length]!;
    let b = Buffer.from(src);
    const mutations = 1 + pick(4);
    for (let m = 0; m < mutations; m++) {
      // Headers are where parsing decisions live, so most mutations land in the first 128 bytes.
      const at = next() < 0.8 ? pick(Math.min(128, b.length)) : pick(b.length);
      switch (pick(5)) {
        case 0:
          b = b.subarray(0, pick(b.length + 1));
          break;
        case 1:
          if (at < b.length) b[at] = pick(256);
          break;
        case 2:
          if (at + 4 <= b.length) b.writeUInt32LE(nasty[pick(nasty.length)]!, at);
          break;
        case 3:
          if (at + 4 <= b.length) b.writeUInt32BE(nasty[pick(nasty.length)]!, at);
          break;
        case 4:
          b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + pick(64))]);
          break;
      }
    }
    try {
      probeClip(b, LIMITS);
      accepted++;
    } catch (err) {
      if (!(err instanceof ClipError)) {
        t.fail(`mutation #${i} of seed ${i % seeds.length} threw ${String(err)}`);
        return;
      }
      refusedCount++;
    }
  }
  t.equal(accepted + refusedCount, N, `${accepted} accepted, ${refusedCount} refused, nothing else thrown`);
  t.ok(accepted > 0 && refusedCount > 0, 'the mutations exercised both outcomes');
});

function syncsafe(n: number): Buffer {
  return Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);
}

import t from 'tap';
import { Downsample2x, Upsample2x, mulawDecode, mulawEncode, parseWavPrefix } from '../src/pcm.js';
import { toneDb } from './device.js';
import { sine } from './helpers.js';

t.test('µ-law: the G.711 code points at the ends and at zero', async (t) => {
  t.same([...mulawDecode(Uint8Array.from([0x00, 0x7f, 0xff, 0x80]))], [-32124, 0, 0, 32124], '0x00, 0x7F, 0xFF, 0x80 decode as G.711 says');
  t.same([...mulawEncode(Int16Array.from([0, 32767, -32768, 32124, -32124]))], [0xff, 0x80, 0x00, 0x80, 0x00], 'zero, full scale and the largest code encode as G.711 says');
  // the encoder never emits negative zero (0x7F); small positive and negative values keep their sign
  t.equal(mulawEncode(Int16Array.from([1]))[0], 0xff);
  t.equal(mulawEncode(Int16Array.from([-8]))[0]! & 0x80, 0, 'a small negative value has the sign bit clear (inverted)');
  t.equal(mulawEncode(Int16Array.from([8]))[0]! & 0x80, 0x80);
});

t.test('µ-law: every 16-bit value round-trips within its segment\'s quantisation step', async (t) => {
  const all = new Int16Array(65536);
  for (let i = 0; i < 65536; i++) all[i] = i - 32768;
  const back = mulawDecode(mulawEncode(all));
  let worst = 0;
  let worstAt = 0;
  for (let i = 0; i < all.length; i++) {
    const x = all[i]!;
    // past 32635 the encoder clips (G.711's largest code decodes to 32124)
    const clipped = Math.max(-32635, Math.min(32635, x));
    // the segment step is 1/16 of the biased magnitude; decoding at the step's midpoint halves it
    const allowed = (Math.abs(clipped) + 0x84) / 32 + 1 + Math.abs(x - clipped);
    const err = Math.abs(back[i]! - x);
    if (err - allowed > worst) {
      worst = err - allowed;
      worstAt = x;
    }
  }
  t.equal(worst, 0, `no value beyond its step (worst excess ${worst} at ${worstAt})`);
  // decoding then encoding is exact: every code is a fixed point (except negative zero, which becomes +0)
  const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const again = mulawEncode(mulawDecode(codes));
  const moved = [...codes].filter((c) => again[c] !== c && !(c === 0x7f && again[c] === 0xff));
  t.same(moved, [], 'decode → encode returns every code');
});

t.test('Upsample2x keeps a 1 kHz tone\'s level and frequency, across chunk boundaries', async (t) => {
  const input = sine(1000, 1, 0.5, 8000);
  const up = new Upsample2x();
  const parts: Int16Array[] = [];
  // odd chunk sizes, so the filter state has to carry across calls
  for (let i = 0; i < input.length; i += 157) parts.push(up.push(input.subarray(i, i + 157)));
  const out = Int16Array.from(parts.flatMap((p) => [...p]));
  t.equal(out.length, input.length * 2);
  const inDb = toneDb(input, 1000, 8000);
  const outDb = toneDb(out.subarray(320), 1000, 16000);
  t.ok(Math.abs(outDb - inDb) <= 1, `1 kHz: ${inDb.toFixed(2)} dB in, ${outDb.toFixed(2)} dB out`);
  // the interpolation leaves little at the image frequency (8 kHz − 1 kHz = 7 kHz)
  t.ok(toneDb(out.subarray(320), 7000, 16000) < outDb - 20, `7 kHz image at ${toneDb(out.subarray(320), 7000, 16000).toFixed(1)} dB`);
});

t.test('Downsample2x keeps 1 kHz and removes 7 kHz before it folds onto 1 kHz', async (t) => {
  const run = (hz: number) => {
    const down = new Downsample2x();
    const input = sine(hz, 1, 0.5, 16000);
    const parts: Int16Array[] = [];
    for (let i = 0; i < input.length; i += 333) parts.push(down.push(input.subarray(i, i + 333)));
    const out = Int16Array.from(parts.flatMap((p) => [...p]));
    return { input, out };
  };
  const a = run(1000);
  t.equal(a.out.length, a.input.length / 2, 'half the samples, also across odd chunk sizes');
  const inDb = toneDb(a.input, 1000, 16000);
  const outDb = toneDb(a.out.subarray(16), 1000, 8000);
  t.ok(Math.abs(outDb - inDb) <= 1, `1 kHz: ${inDb.toFixed(2)} dB in, ${outDb.toFixed(2)} dB out`);
  const b = run(7000);
  const in7 = toneDb(b.input, 7000, 16000);
  // 7 kHz at 16 kHz aliases to 1 kHz at 8 kHz
  const alias = toneDb(b.out.subarray(16), 1000, 8000);
  t.ok(in7 - alias >= 20, `7 kHz ${in7.toFixed(1)} dB in, its alias at 1 kHz ${alias.toFixed(1)} dB out`);
});

/** a WAV header as ffmpeg writes it when piping: sizes unknown */
function header(opts: { tag?: number; rate?: number; channels?: number; extra?: Buffer; riffSize?: number; dataSize?: number } = {}): Buffer {
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0, 'latin1');
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(opts.tag ?? 7, 8);
  fmt.writeUInt16LE(opts.channels ?? 1, 10);
  fmt.writeUInt32LE(opts.rate ?? 16000, 12);
  fmt.writeUInt32LE(opts.rate ?? 16000, 16);
  fmt.writeUInt16LE(1, 20);
  fmt.writeUInt16LE(8, 22);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(opts.riffSize ?? 0xffffffff, 4);
  riff.write('WAVE', 8, 'latin1');
  const data = Buffer.alloc(8);
  data.write('data', 0, 'latin1');
  data.writeUInt32LE(opts.dataSize ?? 0xffffffff, 4);
  return Buffer.concat([riff, fmt, opts.extra ?? Buffer.alloc(0), data]);
}

t.test('parseWavPrefix', async (t) => {
  const h = header();
  t.same(parseWavPrefix(h), { formatTag: 7, channels: 1, rate: 16000, bits: 8, headerBytes: 44 }, 'µ-law 16 kHz with unknown sizes (0xFFFFFFFF)');
  t.same(parseWavPrefix(header({ riffSize: 0, dataSize: 0 })), { formatTag: 7, channels: 1, rate: 16000, bits: 8, headerBytes: 44 }, 'sizes 0');
  t.same(parseWavPrefix(Buffer.concat([h, Buffer.from([1, 2, 3])])), { formatTag: 7, channels: 1, rate: 16000, bits: 8, headerBytes: 44 }, 'audio after the header is not part of it');
  t.equal(parseWavPrefix(header({ rate: 8000, tag: 1 }))?.rate, 8000);
  t.equal(parseWavPrefix(header({ rate: 8000, tag: 1 }))?.formatTag, 1, 'a PCM header is reported as such (the caller refuses it)');

  // a LIST chunk (odd size, padded) between fmt and data
  const list = Buffer.alloc(8 + 5 + 1);
  list.write('LIST', 0, 'latin1');
  list.writeUInt32LE(5, 4);
  const withList = header({ extra: list });
  t.equal(parseWavPrefix(withList)?.headerBytes, 44 + list.length, 'a padded odd-sized chunk is skipped');

  // more bytes needed
  t.equal(parseWavPrefix(Buffer.alloc(0)), null, 'nothing yet: undecided');
  t.equal(parseWavPrefix(Buffer.from('RI')), null, 'a prefix of RIFF: undecided');
  for (const n of [12, 20, 30, 40, 43]) t.equal(parseWavPrefix(h.subarray(0, n)), null, `header cut at ${n} bytes: undecided`);

  // not a WAV header
  t.equal(parseWavPrefix(Buffer.from([0xff, 0x7f, 0x00, 0x80])), undefined, 'µ-law bytes');
  t.equal(parseWavPrefix(Buffer.from('RIFX')), undefined, 'RIFX');
  const notWave = Buffer.from(h);
  notWave.write('AVI ', 8, 'latin1');
  t.equal(parseWavPrefix(notWave), undefined, 'RIFF but not WAVE');
  const dataFirst = Buffer.concat([h.subarray(0, 12), h.subarray(36, 44), h.subarray(12, 36)]);
  t.equal(parseWavPrefix(dataFirst), undefined, 'a data chunk before any fmt chunk');
  const huge = Buffer.alloc(8);
  huge.write('junk', 0, 'latin1');
  huge.writeUInt32LE(100_000, 4);
  t.equal(parseWavPrefix(Buffer.concat([h.subarray(0, 36), huge])), undefined, 'a chunk larger than a header can be');
  // many small chunks: gives up past 8 KiB rather than waiting for ever
  const pad = Buffer.alloc(4008);
  pad.write('pad ', 0, 'latin1');
  pad.writeUInt32LE(4000, 4);
  const endless = Buffer.concat([h.subarray(0, 36), pad, pad, pad]);
  t.equal(parseWavPrefix(endless), undefined, 'no data chunk within 8 KiB');
});

import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wavHeader } from '@belfry/board';
import { FileBytes } from '../src/clips/file-bytes.js';
import { ClipError, probeClip } from '../src/clips/probe.js';
import { ACCEPTED, makeClip } from './fixtures.js';

const LIMITS = { maxDurationMs: 60 * 60_000 };
const dir = mkdtempSync(join(tmpdir(), 'belfry-filebytes-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const probeFile = (path: string) => FileBytes.with(path, (b) => ({ r: probeClip(b, LIMITS), read: b.bytesRead }));

t.test('a file probes as its bytes do', async (t) => {
  for (const a of ACCEPTED) {
    const path = await makeClip(dir, a.kind, { ...a.opts, seconds: 1 });
    t.same(probeFile(path).r, probeClip(readFileSync(path), LIMITS), `${a.kind} ${JSON.stringify(a.opts)}`);
  }
  const cut = join(dir, 'cut.wav');
  writeFileSync(cut, readFileSync(await makeClip(dir, 'wav', { seconds: 1 })).subarray(0, 30));
  t.throws(() => probeFile(cut), ClipError, 'a cut file is a ClipError, as its bytes are');
});

t.test('a large file is probed from its head and tail only', async (t) => {
  // 40 MB of 16 kHz 8-bit wav (about 42 min): the probe needs the header and the size
  const data = 40_000_000;
  const path = join(dir, 'big.wav');
  writeFileSync(path, Buffer.concat([wavHeader(data, 16000, 8), Buffer.alloc(data, 0x80)]));
  const { r, read } = probeFile(path);
  t.equal(r.durationMs, (data * 1000) / 16000, 'its duration, from the header and the file size');
  t.ok(read <= 64 * 1024, `${read} bytes read of ${data + 44}`);
  // an Ogg file's length is in its last page: the head and the last 128 KiB
  const opus = readFileSync(await makeClip(dir, 'opus', { seconds: 120 }));
  const long = join(dir, 'long.opus');
  writeFileSync(long, opus);
  const o = probeFile(long);
  t.same(o.r, probeClip(opus, LIMITS), 'opus: as its bytes');
  t.ok(o.read <= 64 * 1024 + 65307 * 2 + 128 * 1024, `opus: ${o.read} bytes read of ${opus.length}`);
});

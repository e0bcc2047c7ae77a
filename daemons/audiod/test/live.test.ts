import t from 'tap';
import { connect } from 'node:net';
import { join } from 'node:path';
import { MEDIA_SOCKET } from '../src/contract.js';
import { mulawDecode, mulawEncode } from '../src/pcm.js';
import { startAudioDevice, sleep, toneDb, type AudioDevice } from './device.js';
import { loudSeconds, mediaRequest, quietMonitor, replyLines, sine, upload, waitFor, wavBytes, type MediaExchange } from './helpers.js';

/** a µ-law WAV header as `ffmpeg -f wav -acodec pcm_mulaw` writes it to a pipe */
function mulawWavHeader(rate: number, tag = 7): Buffer {
  const b = Buffer.alloc(44);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(0xffffffff, 4);
  b.write('WAVE', 8, 'latin1');
  b.write('fmt ', 12, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(tag, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate, 28);
  b.writeUInt16LE(1, 32);
  b.writeUInt16LE(8, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(0xffffffff, 40);
  return b;
}

/**
 * Sends `chunks` on a transmit stream (the first with the request), half-closes and waits for the
 * closing line. Returns that line and how long after the first audio byte it came.
 */
async function transmit(d: AudioDevice, rate: number, chunks: Buffer[]): Promise<{ reply: Record<string, any>; last: Record<string, any>[]; afterMs: number }> {
  const x = await mediaRequest(d, { op: 'transmit', codec: 'mulaw', rate }, chunks[0]);
  const sentAt = performance.now();
  for (const c of chunks.slice(1)) x.sock.write(c);
  const lines = replyLines(x);
  x.sock.end();
  await lines.closed;
  return { reply: x.reply, last: lines.lines, afterMs: (lines.at[0] ?? performance.now()) - sentAt };
}

async function receive(d: AudioDevice, rate: number): Promise<MediaExchange & { bytes(): Buffer }> {
  const x = await mediaRequest(d, { op: 'receive', codec: 'mulaw', rate });
  const chunks: Buffer[] = [x.rest];
  x.sock.on('data', (b: Buffer) => chunks.push(b));
  x.sock.resume();
  return { ...x, bytes: () => Buffer.concat(chunks) };
}

t.test('live audio', async (t) => {
  const d = await startAudioDevice(t);

  await t.test('transmit µ-law at 16 kHz (audio/axis-mulaw-128) and 8 kHz (audio/basic)', async (t) => {
    for (const rate of [16000, 8000]) {
      const mon = await quietMonitor(d);
      const audio = mulawEncode(sine(1000, 1, 0.25, rate));
      const r = await transmit(d, rate, [audio]);
      mon.stop();
      t.same(r.reply, { ok: true }, `${rate}: accepted`);
      t.same(r.last, [{ done: true }], `${rate}: {done:true} after playback`);
      t.ok(r.afterMs >= 1000 - 200, `${rate}: done came ${r.afterMs.toFixed(0)} ms after the first byte, not before the 1 s of audio played`);
      const s = mon.samples();
      t.ok(toneDb(s, 1000) > -25, `${rate}: 1 kHz heard (${toneDb(s, 1000).toFixed(1)} dB over the capture)`);
      const secs = loudSeconds(s);
      // a loaded machine may lose a few frames to stalls; this is about not playing half or double
      t.ok(secs > 0.7 && secs < 1.15, `${rate}: for 1 s (${secs.toFixed(2)} s)`);
    }
  });

  await t.test('a leading WAV header is skipped, and its rate wins', async (t) => {
    const mon = await quietMonitor(d);
    // the request says 8 kHz, the header 16 kHz: read as 8 kHz, the tone would come out at 500 Hz for 2 s
    const audio = mulawEncode(sine(1000, 1, 0.25, 16000));
    const h = mulawWavHeader(16000);
    const r = await transmit(d, 8000, [h.subarray(0, 10), h.subarray(10, 30), Buffer.concat([h.subarray(30), audio])]);
    mon.stop();
    t.same(r.last, [{ done: true }]);
    const s = mon.samples();
    t.ok(toneDb(s, 1000) > -25 && toneDb(s, 500) < toneDb(s, 1000) - 30, `1 kHz (${toneDb(s, 1000).toFixed(1)} dB), not 500 Hz (${toneDb(s, 500).toFixed(1)} dB)`);
    const secs = loudSeconds(s);
    t.ok(secs > 0.7 && secs < 1.15, `for 1 s, not 2 (${secs.toFixed(2)} s)`);
    // the header's bytes, played as µ-law, would be a burst of large values before the tone
    let peak = 0;
    for (const v of s) peak = Math.max(peak, Math.abs(v));
    t.ok(peak < 0.3 * 32768, `no header click (peak ${(peak / 32768).toFixed(3)})`);

    const pcm = await transmit(d, 16000, [Buffer.concat([mulawWavHeader(16000, 1), audio])]);
    t.match(pcm.last, [{ error: { code: 'invalid_argument', message: /the WAV header says format 1, 1 channel\(s\), 16000 Hz/ } }], 'a linear-PCM WAV is refused with an error line');
    const odd = await transmit(d, 16000, [Buffer.concat([mulawWavHeader(11025), audio])]);
    t.match(odd.last, [{ error: { code: 'invalid_argument', message: /11025 Hz/ } }], 'µ-law at 11025 Hz is refused');
    t.equal((await d.audiod.status({})).playing, null, 'and leaves the mixer');
    const shortOnly = await transmit(d, 16000, [Buffer.from('RIFF')]);
    t.same(shortOnly.last, [{ done: true }], 'a stream that is only "RIFF" ends cleanly');
    t.equal((await d.audiod.status({})).playing, null, 'nothing left in the mixer');
    const bad = await mediaRequest(d, { op: 'transmit', codec: 'alaw', rate: 8000 });
    t.equal(bad.reply.error?.code, 'invalid_argument', 'A-law');
    const badRate = await mediaRequest(d, { op: 'transmit', codec: 'mulaw', rate: 44100 });
    t.equal(badRate.reply.error?.code, 'invalid_argument', '44.1 kHz');
  });

  await t.test('receive carries what the microphone hears', async (t) => {
    const tone = (await upload(d, 'Tone', 'tone.wav', wavBytes(sine(1000, 3, 0.25)))).clip as number;
    // what earlier tests played may still be queued in the card: start from a silent speaker
    (await quietMonitor(d)).stop();
    const r16 = await receive(d, 16000);
    const r8 = await receive(d, 8000);
    t.same([r16.reply, r8.reply], [{ ok: true }, { ok: true }]);
    await sleep(300);
    const quietUntil = [r16.bytes().length, r8.bytes().length];
    await d.audiod.play({ clip: tone });
    await sleep(1500);
    await d.audiod.stop({});
    r16.sock.destroy();
    r8.sock.destroy();
    const s16 = mulawDecode(r16.bytes().subarray(quietUntil[0]));
    const s8 = mulawDecode(r8.bytes().subarray(quietUntil[1]));
    t.ok(s16.length > 16000 && s16.length < 16000 * 2.2, `16 kHz: ${s16.length} samples in ~1.5 s`);
    t.ok(s8.length > 8000 && s8.length < 8000 * 2.2, `8 kHz: ${s8.length} samples in ~1.5 s`);
    // the clip is −12 dBFS at the speaker; the room couples it at about −6 dB
    const db16 = toneDb(s16.subarray(4000, 16000), 1000, 16000);
    const db8 = toneDb(s8.subarray(2000, 8000), 1000, 8000);
    t.ok(db16 > -25 && db16 < -12, `16 kHz: the clip's 1 kHz through the room (${db16.toFixed(1)} dB)`);
    t.ok(Math.abs(db8 - db16) < 1.5, `8 kHz: the same level (${db8.toFixed(1)} dB)`);
    const before = mulawDecode(r16.bytes().subarray(0, quietUntil[0]));
    t.ok(toneDb(before, 1000) < db16 - 30, 'no tone before the clip');

    // room noise reaches the listener too
    await d.benchPost('/bench/acoustic', { noiseDb: -20 });
    const n = await receive(d, 16000);
    await sleep(600);
    n.sock.destroy();
    const noise = mulawDecode(n.bytes());
    let acc = 0;
    for (const v of noise) acc += v * v;
    const rms = 20 * Math.log10(Math.sqrt(acc / noise.length) / 32768);
    t.ok(Math.abs(rms - -20) < 3, `−20 dBFS of room noise received at ${rms.toFixed(1)} dBFS`);
    await d.benchPost('/bench/acoustic', { noiseDb: -90 });
  });

  await t.test('the microphone switch', async (t) => {
    await d.benchPost('/bench/acoustic', { noiseDb: -20 });
    const open = await receive(d, 16000);
    await sleep(300);
    const mic = d.mic();
    await d.benchPost('/bench/mic-switch', { on: false });
    await waitFor('audiod to see the switch', async () => (await d.audiod.status({})).microphone === false);
    const cut = open.bytes().length;
    await sleep(400);
    const r = await mediaRequest(d, { op: 'receive', codec: 'mulaw', rate: 16000 });
    t.match(r.reply.error, { code: 'unavailable', message: /switched off/ }, 'a new receive is refused');
    r.sock.destroy();
    mic.stop();
    const m = mic.samples();
    const tail = m.subarray(Math.max(0, m.length - 3200));
    t.ok(tail.length > 0 && tail.every((v) => v === 0), 'the microphone hears digital silence');
    // a listener that was already open gets silence, not the room
    const after = mulawDecode(open.bytes().subarray(cut + 1600));
    t.ok(after.length > 1600 && after.every((v) => v === 0), `an open listener gets silence (${after.length} samples)`);
    open.sock.destroy();
    await d.benchPost('/bench/mic-switch', { on: true });
    await waitFor('audiod to see the switch on', async () => (await d.audiod.status({})).microphone === true);
    const again = await receive(d, 8000);
    t.same(again.reply, { ok: true }, 'receive works again');
    again.sock.destroy();
    await d.benchPost('/bench/acoustic', { noiseDb: -90 });
  });

  await t.test('Audio.MaxListeners', async (t) => {
    await d.params.update({ changes: { 'Audio.MaxListeners': '2' }, level: 'internal' });
    await sleep(100);
    const a = await receive(d, 8000);
    const b = await receive(d, 16000);
    t.same([a.reply, b.reply], [{ ok: true }, { ok: true }]);
    const c = await mediaRequest(d, { op: 'receive', codec: 'mulaw', rate: 8000 });
    t.match(c.reply.error, { code: 'limit_exceeded', message: /at most 2 listeners/ }, 'the third is refused');
    c.sock.destroy();
    a.sock.destroy();
    // a listener that half-closes is gone as well
    b.sock.end();
    await sleep(200);
    const e = await receive(d, 8000);
    const f = await receive(d, 8000);
    t.same([e.reply, f.reply], [{ ok: true }, { ok: true }], 'closed listeners free their places');
    e.sock.destroy();
    f.sock.destroy();
    await d.params.update({ changes: { 'Audio.MaxListeners': '20' }, level: 'internal' });
  });

  await t.test('bad request lines get an error line and audiod keeps serving', async (t) => {
    const notJson = await mediaRequest(d, Buffer.from('hello audiod\n'));
    t.match(notJson.reply.error, { code: 'bad_request', message: /not JSON/ });
    const arr = await mediaRequest(d, Buffer.from('null\n'));
    t.equal(arr.reply.error?.code, 'bad_request', 'null');
    const unknown = await mediaRequest(d, { op: 'sing' });
    t.match(unknown.reply.error, { code: 'bad_request', message: /unknown op "sing"/ });
    const noOp = await mediaRequest(d, { clip: 1 });
    t.equal(noOp.reply.error?.code, 'bad_request', 'no op');
    const long = await mediaRequest(d, Buffer.alloc(5000, 'x'.charCodeAt(0)));
    t.match(long.reply.error, { code: 'bad_request', message: /too long/ }, '5000 bytes without a newline');
    const lines = replyLines(long);
    long.sock.write(Buffer.alloc(5000, 'y'.charCodeAt(0)));
    long.sock.end();
    await lines.closed;
    t.same(lines.lines, [], 'one error line, nothing more, then the socket closes');
    const dl = await mediaRequest(d, { op: 'download', clip: 'one' });
    t.equal(dl.reply.error?.code, 'invalid_argument', 'a download of a clip that is not a number');

    // a client that gives up before its request line is closed, not kept half-open
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect(join(d.tb.paths.run, MEDIA_SOCKET));
      s.on('connect', () => s.end('{"op":'));
      s.on('data', () => undefined);
      s.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 3000);
    });
    t.ok(closed, 'a partial line then end: audiod closes its side too');

    for (const x of [notJson, arr, unknown, noOp, long, dl]) x.sock.destroy();
    t.equal((await d.audiod.listClips({})).clips.length > 0, true, 'RPC still served');
    const ok = await transmit(d, 16000, [mulawEncode(sine(1000, 0.2, 0.25))]);
    t.same(ok.last, [{ done: true }], 'the media socket still served');
  });
});

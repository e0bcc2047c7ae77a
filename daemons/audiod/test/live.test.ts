import t from 'tap';
import { mulawDecode, mulawEncode } from '../src/pcm.js';
import { startAudioDevice, sleep, toneDb, type AudioDevice } from './device.js';
import { loudSeconds, openReceive, openTransmit, ownerRequest, quietMonitor, sine, upload, waitFor, wavBytes } from './helpers.js';

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
 * Sends `chunks` as one chunked transmit.cgi on audiod's socket (the first with the request), ends
 * the body and waits for the answer: its status, text and how long after the first byte it came.
 */
async function transmit(d: AudioDevice, rate: number, chunks: Buffer[]): Promise<{ status: number; text: string; afterMs: number }> {
  const sentAt = performance.now();
  const x = await openTransmit(d, rate, chunks[0]);
  for (const c of chunks.slice(1)) x.write(c);
  x.end();
  const r = await x.done;
  return { status: r?.status ?? 0, text: r?.text ?? '', afterMs: (r?.at ?? performance.now()) - sentAt };
}

const receive = (d: AudioDevice, rate: number) => openReceive(d, rate);

t.test('live audio', async (t) => {
  const d = await startAudioDevice(t);

  await t.test('transmit µ-law at 16 kHz (audio/axis-mulaw-128) and 8 kHz (audio/basic)', async (t) => {
    for (const rate of [16000, 8000]) {
      const mon = await quietMonitor(d);
      const audio = mulawEncode(sine(1000, 1, 0.25, rate));
      const r = await transmit(d, rate, [audio]);
      mon.stop();
      t.equal(r.status, 200, `${rate}: 200 after playback`);
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
    t.equal(r.status, 200);
    const s = mon.samples();
    t.ok(toneDb(s, 1000) > -25 && toneDb(s, 500) < toneDb(s, 1000) - 30, `1 kHz (${toneDb(s, 1000).toFixed(1)} dB), not 500 Hz (${toneDb(s, 500).toFixed(1)} dB)`);
    const secs = loudSeconds(s);
    t.ok(secs > 0.7 && secs < 1.15, `for 1 s, not 2 (${secs.toFixed(2)} s)`);
    // the header's bytes, played as µ-law, would be a burst of large values before the tone
    let peak = 0;
    for (const v of s) peak = Math.max(peak, Math.abs(v));
    t.ok(peak < 0.3 * 32768, `no header click (peak ${(peak / 32768).toFixed(3)})`);

    const pcm = await transmit(d, 16000, [Buffer.concat([mulawWavHeader(16000, 1), audio])]);
    t.equal(pcm.status, 400, 'a linear-PCM WAV is refused with 400');
    t.match(pcm.text, /the WAV header says format 1, 1 channel\(s\), 16000 Hz/, 'and the reason');
    const odd = await transmit(d, 16000, [Buffer.concat([mulawWavHeader(11025), audio])]);
    t.equal(odd.status, 400, 'µ-law at 11025 Hz is refused');
    t.match(odd.text, /11025 Hz/);
    t.equal((await d.audiod.status({})).playing, null, 'and leaves the mixer');
    const shortOnly = await transmit(d, 16000, [Buffer.from('RIFF')]);
    t.equal(shortOnly.status, 200, 'a stream that is only "RIFF" ends cleanly');
    t.equal((await d.audiod.status({})).playing, null, 'nothing left in the mixer');
    const bad = await ownerRequest(d, 'POST', '/axis-cgi/audio/transmit.cgi', Buffer.alloc(800), { 'content-type': 'audio/x-alaw-basic' }, 'viewer');
    t.same([bad.status, bad.text], [415, '415 Unsupported Media Type\nsupported: audio/basic, audio/axis-mulaw-128\n'], 'A-law');
  });

  await t.test('receive carries what the microphone hears', async (t) => {
    const tone = (await upload(d, 'Tone', 'tone.wav', wavBytes(sine(1000, 3, 0.25)))).clip as number;
    // what earlier tests played may still be queued in the card: start from a silent speaker
    (await quietMonitor(d)).stop();
    const r16 = await receive(d, 16000);
    const r8 = await receive(d, 8000);
    t.same([r16.status, r8.status], [200, 200]);
    await sleep(300);
    const quietUntil = [r16.bytes().length, r8.bytes().length];
    await d.audiod.play({ clip: tone });
    await sleep(1500);
    await d.audiod.stop({});
    r16.destroy();
    r8.destroy();
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
    n.destroy();
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
    const r = await receive(d, 16000);
    t.equal(r.status, 503, 'a new receive is refused');
    t.match(r.text, /switched off/);
    mic.stop();
    const m = mic.samples();
    const tail = m.subarray(Math.max(0, m.length - 3200));
    t.ok(tail.length > 0 && tail.every((v) => v === 0), 'the microphone hears digital silence');
    // a listener that was already open gets silence, not the room
    const after = mulawDecode(open.bytes().subarray(cut + 1600));
    t.ok(after.length > 1600 && after.every((v) => v === 0), `an open listener gets silence (${after.length} samples)`);
    open.destroy();
    await d.benchPost('/bench/mic-switch', { on: true });
    await waitFor('audiod to see the switch on', async () => (await d.audiod.status({})).microphone === true);
    const again = await receive(d, 8000);
    t.equal(again.status, 200, 'receive works again');
    again.destroy();
    await d.benchPost('/bench/acoustic', { noiseDb: -90 });
  });

  await t.test('Audio.MaxListeners', async (t) => {
    await d.params.update({ changes: { 'Audio.MaxListeners': '2' }, level: 'internal' });
    await sleep(100);
    const a = await receive(d, 8000);
    const b = await receive(d, 16000);
    t.same([a.status, b.status], [200, 200]);
    const c = await receive(d, 8000);
    t.equal(c.status, 503, 'the third is refused');
    t.match(c.text, /at most 2 listeners/);
    a.destroy();
    b.destroy();
    await waitFor('the places to free', async () => (await receive(d, 8000).then((x) => (x.destroy(), x.status))) === 200);
    await sleep(200);
    const e = await receive(d, 8000);
    const f = await receive(d, 8000);
    t.same([e.status, f.status], [200, 200], 'closed listeners free their places');
    e.destroy();
    f.destroy();
    await d.params.update({ changes: { 'Audio.MaxListeners': '20' }, level: 'internal' });
  });

  await t.test('a listener gone mid-stream frees audiod, which keeps serving', async (t) => {
    const r = await receive(d, 8000);
    await sleep(100);
    r.destroy();
    t.equal((await d.audiod.listClips({})).clips.length > 0, true, 'RPC still served');
    const ok = await transmit(d, 16000, [mulawEncode(sine(1000, 0.2, 0.25))]);
    t.equal(ok.status, 200, 'transmit still served');
  });
});

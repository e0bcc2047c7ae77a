import t from 'tap';
import type { BelfryEvent } from '@belfry/core';
import { mulawEncode } from '../src/pcm.js';
import { startAudioDevice, sleep, toneDb, type AudioDevice, type Tap } from './device.js';
import { loudSeconds, openTransmit, quietMonitor, recordEvents, refusedTransmit, rpcError, sine, upload, waitFor, wavBytes } from './helpers.js';

const PLAYING = 'tnsaxis:MediaClip/tnsaxis:Playing';
const CURRENTLY = 'tnsaxis:MediaClip/tnsaxis:CurrentlyPlaying';

/** the loudest 100 ms of `hz` in `s`: a level that does not depend on how long the recording ran */
function peakToneDb(s: Int16Array, hz: number): number {
  let best = -180;
  for (let i = 0; i + 1600 <= s.length; i += 800) best = Math.max(best, toneDb(s.subarray(i, i + 1600), hz));
  return best;
}

async function record(d: AudioDevice, fn: () => Promise<unknown>, afterMs = 0): Promise<Int16Array> {
  const mon: Tap = await quietMonitor(d);
  await fn();
  await waitFor('the clip to end', async () => (await d.audiod.status({})).playing === null, 15_000);
  await sleep(afterMs + 100);
  mon.stop();
  return mon.samples();
}

const playingStates = (evs: BelfryEvent[]) => evs.filter((e) => e.topic === PLAYING).map((e) => e.data.Playing);
const starts = (evs: BelfryEvent[]) => evs.filter((e) => e.topic === CURRENTLY);

t.test('playback', async (t) => {
  const d = await startAudioDevice(t);
  const events = await recordEvents(d, t, 'tnsaxis:MediaClip/#');
  // clips made here rather than the defaults: steady tones whose levels are known
  const short = (await upload(d, 'Short', 'short.wav', wavBytes(sine(1000, 0.3, 0.25)))).clip as number;
  const long = (await upload(d, 'Long', 'long.wav', wavBytes(sine(1000, 4, 0.25)))).clip as number;
  const quiet = (await upload(d, 'Quiet', 'quiet.wav', wavBytes(sine(1000, 1.5, 10 ** (-30 / 20))))).clip as number;
  const loud = (await upload(d, 'Loud', 'loud.wav', wavBytes(sine(1000, 1.5, 10 ** (-6 / 20))))).clip as number;
  const tone = (await upload(d, 'Tone', 'tone-1k.wav', wavBytes(sine(1000, 0.8, 0.25)))).clip as number;
  await waitFor('the initial Playing state', () => playingStates(events).length > 0);

  await t.test('play and stop', async (t) => {
    events.length = 0;
    const mon = await quietMonitor(d);
    t.same(await d.audiod.play({ clip: long }), { clip: long });
    t.match((await d.audiod.status({})).playing, { kind: 'clip', clip: long, name: 'Long' });
    await sleep(500);
    t.same(await d.audiod.stop({}), { stopped: true });
    const stoppedAt = mon.samples().length;
    await sleep(900);
    mon.stop();
    const s = mon.samples();
    t.ok(toneDb(s.subarray(0, stoppedAt), 1000) > -30, 'heard while playing');
    // what was already written may still come out (a few frames; up to 500 ms queued in the card on a loaded machine)
    const tail = s.subarray(s.length - 4800);
    t.ok(tail.length === 4800 && toneDb(tail, 1000) < -80, `silent after stop (${toneDb(tail, 1000).toFixed(1)} dB)`);
    t.equal((await d.audiod.status({})).playing, null);
    t.same(await d.audiod.stop({}), { stopped: false }, 'stop with nothing playing');
    await waitFor('Playing false', () => playingStates(events).at(-1) === false);
    t.same(playingStates(events), [true, false], 'Playing went true, then false');
    t.equal(starts(events).length, 1, 'one CurrentlyPlaying');
    t.equal(starts(events)[0]?.data.FileName, `/etc/audioclips/MediaClip.M${long}.wav`);
    t.match(starts(events)[0]?.source, { audiodeviceid: 0, audiooutputid: 0 });
  });

  await t.test('repeat', async (t) => {
    events.length = 0;
    const s = await record(d, () => d.audiod.play({ clip: short, repeat: 2 }));
    await waitFor('Playing false', () => playingStates(events).at(-1) === false);
    t.equal(starts(events).length, 3, 'repeat=2 plays three times (three CurrentlyPlaying events)');
    t.same(playingStates(events), [true, false], 'one Playing period for all three');
    const secs = loudSeconds(s);
    // a stalled (loaded) test machine may lose a few frames; twice or four times as long would be wrong
    t.ok(secs > 0.7 && secs < 1.05, `about 0.9 s of sound (${secs.toFixed(2)} s)`);

    events.length = 0;
    await d.audiod.play({ clip: short, repeat: -1 });
    await sleep(1500);
    t.match((await d.audiod.status({})).playing, { clip: short }, 'repeat=-1 still plays after five lengths');
    t.ok(starts(events).length >= 4, `${starts(events).length} repetitions so far`);
    t.same(await d.audiod.stop({}), { stopped: true });
    await waitFor('Playing false', () => playingStates(events).at(-1) === false);
    t.same(playingStates(events), [true, false]);
  });

  await t.test('volume', async (t) => {
    const full = peakToneDb(await record(d, () => d.audiod.play({ clip: tone, volume: 100 })), 1000);
    const half = peakToneDb(await record(d, () => d.audiod.play({ clip: tone, volume: 50 })), 1000);
    const none = peakToneDb(await record(d, () => d.audiod.play({ clip: tone, volume: 0 })), 1000);
    t.ok(Math.abs(full - -12) < 1, `volume 100 plays the clip as it is (${full.toFixed(2)} dB, the clip is −12)`);
    t.ok(Math.abs(full - half - 6.02) < 0.5, `volume 50 is 6 dB down (${full.toFixed(2)} → ${half.toFixed(2)} dB)`);
    t.ok(none < -90, `volume 0 is silent (${none.toFixed(1)} dB)`);
  });

  await t.test('where and what to play', async (t) => {
    t.equal((await rpcError(d.audiod.play({ clip: 9999 }))).code, 'not_found', 'an unknown clip');
    t.equal((await rpcError(d.audiod.play({ location: 'nothing-like-this*' }))).code, 'not_found', 'a location nothing matches');
    t.equal((await rpcError(d.audiod.play({ clip: short, audiodeviceid: 0 }))).code, 'invalid_argument', 'audiodeviceid without audiooutputid');
    t.equal((await rpcError(d.audiod.play({ clip: short, audiooutputid: 0 }))).code, 'invalid_argument', 'audiooutputid without audiodeviceid');
    t.equal((await rpcError(d.audiod.play({ clip: short, audiooutput: 1, audiodeviceid: 0, audiooutputid: 0 }))).code, 'invalid_argument', 'both ways of naming the output');
    t.equal((await rpcError(d.audiod.play({ clip: short, audiodeviceid: 1, audiooutputid: 0 }))).code, 'not_found', 'device 1');
    t.equal((await rpcError(d.audiod.play({ clip: short, audiooutput: 2 }))).code, 'not_found', 'output 2');
    t.equal((await rpcError(d.audiod.play({}))).code, 'invalid_argument', 'neither clip nor location');
    t.equal((await rpcError(d.audiod.play({ clip: short, volume: 1001 } as never))).code, 'bad_request', 'volume 1001 (the schema refuses it)');
    t.equal((await rpcError(d.audiod.play({ clip: short, repeat: -2 } as never))).code, 'bad_request', 'repeat −2 (the schema refuses it)');

    t.same(await d.audiod.play({ location: `/etc/audioclips/MediaClip.M${short}.wav`, audiodeviceid: 0, audiooutputid: 0 }), { clip: short }, 'the Location param, with the output named');
    await d.audiod.stop({});
    t.same(await d.audiod.play({ location: `MediaClip.M${short}.wav`, audiooutput: 1 }), { clip: short }, 'the file name');
    await d.audiod.stop({});
    t.same(await d.audiod.play({ location: 'tone-1k.wav' }), { clip: tone }, 'the uploaded file name');
    await d.audiod.stop({});
    t.same(await d.audiod.play({ location: 'tone-*' }), { clip: tone }, 'a wildcard');
    await d.audiod.stop({});
    t.same(await d.audiod.play({ location: `*M${long}.*` }), { clip: long }, 'wildcards at both ends');
    await d.audiod.stop({});
    const any = await d.audiod.play({ location: '*' });
    t.ok(typeof any.clip === 'number', `* plays some clip (${any.clip})`);
    await d.audiod.stop({});
    t.equal((await rpcError(d.audiod.play({ location: 'tone-1k.wa' }))).code, 'not_found', 'no wildcard: the whole name must match');
    t.equal((await rpcError(d.audiod.play({ location: 'tone-1k.wav?' }))).code, 'not_found', 'regex characters are literal');
  });

  await t.test('output gain and mute', async (t) => {
    const set = (gain: number, mute: boolean) =>
      d.audiod.setDevicesSettings({ devices: [{ id: '0', outputs: [{ id: '0', connectionTypes: [{ id: 'internal', signalingTypes: [{ id: 'unbalanced', channels: [{ id: '0', gain, mute }] }] }] }] }] });
    const ref = peakToneDb(await record(d, () => d.audiod.play({ clip: tone })), 1000);
    await set(-20, false);
    const low = peakToneDb(await record(d, () => d.audiod.play({ clip: tone })), 1000);
    t.ok(Math.abs(ref - low - 20) < 0.5, `−20 dB output gain: ${ref.toFixed(2)} → ${low.toFixed(2)} dB`);
    t.equal((await d.params.get({ names: ['AudioSource.A0.OutputGain'] })).params['AudioSource.A0.OutputGain'], '-20', 'stored in the param');
    await set(-20, true);
    const muted = peakToneDb(await record(d, () => d.audiod.play({ clip: tone })), 1000);
    t.ok(muted < -90, `muted: ${muted.toFixed(1)} dB`);
    await set(0, false);
    const back = peakToneDb(await record(d, () => d.audiod.play({ clip: tone })), 1000);
    t.ok(Math.abs(back - ref) < 0.5, 'back to 0 dB');
    // a gain set through paramd directly (param.cgi) applies as well
    await d.params.update({ changes: { 'AudioSource.A0.OutputGain': '-10' }, level: 'internal' });
    await sleep(100);
    const viaParam = peakToneDb(await record(d, () => d.audiod.play({ clip: tone })), 1000);
    t.ok(Math.abs(ref - viaParam - 10) < 0.5, `−10 dB through the param: ${viaParam.toFixed(2)} dB`);
    await d.params.update({ changes: { 'AudioSource.A0.OutputGain': '0' }, level: 'internal' });
  });

  await t.test('loudness normalisation', async (t) => {
    const q0 = peakToneDb(await record(d, () => d.audiod.play({ clip: quiet })), 1000);
    const l0 = peakToneDb(await record(d, () => d.audiod.play({ clip: loud })), 1000);
    t.ok(Math.abs(l0 - q0 - 24) < 1, `without normalisation they are 24 dB apart (${q0.toFixed(1)}, ${l0.toFixed(1)})`);
    await d.params.update({ changes: { 'MediaClip.NormalizeLoudness': 'yes' }, level: 'internal' });
    await sleep(100);
    const q = peakToneDb(await record(d, () => d.audiod.play({ clip: quiet })), 1000);
    const l = peakToneDb(await record(d, () => d.audiod.play({ clip: loud })), 1000);
    t.ok(Math.abs(q - l) < 2, `normalised: quiet ${q.toFixed(1)} dB, loud ${l.toFixed(1)} dB`);
    t.ok(l <= -0.5, 'nothing clips');
    await d.params.update({ changes: { 'MediaClip.NormalizeLoudness': 'no' }, level: 'internal' });
  });

  await t.test('preemption by live transmit, and priorities', async (t) => {
    const transmitTone = (hz: number, seconds: number) => mulawEncode(sine(hz, seconds, 0.25));
    events.length = 0;
    const mon = d.monitor();
    await sleep(60);
    await d.audiod.play({ clip: long });
    await sleep(400);
    const tx = await openTransmit(d, 16000);
    t.notOk(tx.refused, 'transmit preempts the clip');
    tx.write(transmitTone(2000, 1.5));
    await waitFor('Playing false', () => playingStates(events).at(-1) === false, 2000);
    t.same(playingStates(events), [true, false], 'the clip\'s Playing state ended');
    t.match((await d.audiod.status({})).playing, { kind: 'transmit' });
    const clipBusy = await rpcError(d.audiod.play({ clip: short }));
    t.equal(clipBusy.code, 'failed_precondition', 'a clip while transmit plays');
    t.match(clipBusy.message, /busy/);
    const tx2 = await refusedTransmit(d, 8000);
    t.match(tx2, { status: 503, text: /busy: another client is transmitting/ }, 'a second transmit');
    await sleep(1200);
    tx.end();
    t.match(await tx.done, { status: 200 }, 'the transmit played out');
    mon.stop();
    const s = mon.samples();
    t.ok(peakToneDb(s, 2000) > -15, `the transmitted 2 kHz is heard (${peakToneDb(s, 2000).toFixed(1)} dB)`);
    t.ok(peakToneDb(s, 1000) > -15, 'the clip was heard before it');

    // clips above transmit: the outcome flips
    await d.params.update({ changes: { 'Audio.Priority.Clip': '5' }, level: 'internal' });
    await sleep(100);
    await d.audiod.play({ clip: long });
    const refused = await refusedTransmit(d, 16000);
    t.match(refused, { status: 503, text: /busy: a clip with a higher priority/ }, 'transmit refused while a higher clip plays');
    await d.audiod.stop({});
    const tx3 = await openTransmit(d, 16000);
    t.notOk(tx3.refused);
    tx3.write(transmitTone(2000, 1.5));
    await sleep(300);
    events.length = 0;
    t.same(await d.audiod.play({ clip: short }), { clip: short }, 'a clip preempts the transmit');
    t.equal(await tx3.done, null, 'the transmit connection closes without an answer, as Axis devices do');
    await waitFor('the clip to end', () => playingStates(events).at(-1) === false, 3000);
    // equal priorities: the newcomer wins
    await d.params.update({ changes: { 'Audio.Priority.Clip': '2' }, level: 'internal' });
    await sleep(100);
    await d.audiod.play({ clip: long });
    const tx4 = await openTransmit(d, 16000);
    t.notOk(tx4.refused, 'equal priority: transmit takes over');
    tx4.destroy();
    await waitFor('the transmit to go', async () => (await d.audiod.status({})).playing === null, 2000);
    await d.params.update({ changes: { 'Audio.Priority.Clip': '1' }, level: 'internal' });
  });

  await t.test('the launch engine', async (t) => {
    await d.params.update({ changes: { 'Audio.Engine': 'launch' }, level: 'internal' });
    await waitFor('the engine to change', async () => (await d.audiod.status({})).engine === 'launch', 2000);
    const s = await record(d, () => d.audiod.play({ clip: tone, repeat: 1 }));
    t.ok(Math.abs(peakToneDb(s, 1000) - -12) < 1, `launch plays at the same level (${peakToneDb(s, 1000).toFixed(2)} dB)`);
    const secs = loudSeconds(s);
    t.ok(secs > 1.35 && secs < 1.75, `twice 0.8 s (${secs.toFixed(2)} s)`);
    await d.params.update({ changes: { 'Audio.Engine': 'superficial' }, level: 'internal' });
    await waitFor('the engine to change back', async () => (await d.audiod.status({})).engine === 'superficial', 2000);
  });
});

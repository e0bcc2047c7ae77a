import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcCaller, subscribeEvents, type BelfryEvent } from '@belfry/core';
import { startDevice } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { daemon as boardd } from '@belfry/boardd';
import { daemon as audiod } from '@belfry/audiod';
import { createSipd } from '../src/main.js';
import { readWavBytes, startBaresip, toneWav } from './baresip.js';
import { until } from './helpers.js';

// The media path with a real phone: baresip (headless, aufile sources, sndfile dumps) and a
// device with the real audiod on a simulated board. What is heard is analysed, not assumed.
const DEVICE = '127.0.0.92';
const PHONE = '127.0.0.93';
t.setTimeout(180_000);

/** The level of `hz` over `x` (Goertzel), dBFS of a sine of that amplitude. */
function level(x: Int16Array, hz: number, rate: number): number {
  const c = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i]! / 32768 + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const p = s1 * s1 + s2 * s2 - c * s1 * s2;
  return 20 * Math.log10(Math.max((2 * Math.sqrt(Math.max(p, 0))) / Math.max(x.length, 1), 1e-9));
}

/** Whether `hz` dominates `x`: above `floorDb` and at least `marginDb` over each other probe frequency. */
function dominates(x: Int16Array, hz: number, rate: number, floorDb: number, marginDb = 12): { ok: boolean; text: string } {
  const probes = [300, 440, 700, 1000, 1500, 2200, 3000].filter((f) => f !== hz && f < rate / 2);
  const at = level(x, hz, rate);
  const others = probes.map((f) => [f, level(x, f, rate)] as const);
  const worst = Math.max(...others.map(([, d]) => d));
  return { ok: at > floorDb && at - worst >= marginDb, text: `${hz} Hz at ${at.toFixed(1)} dBFS; ${others.map(([f, d]) => `${f} Hz ${d.toFixed(1)}`).join(', ')}` };
}

t.test('baresip and the device: a tone to the speaker, the room back through the microphone, DTMF as an event, a clip into the call', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'belfry-sip-media-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const dev = await startDevice({ daemons: [paramd, boardd, audiod, createSipd({ address: DEVICE })], users: ['tester'] });
  t.teardown(() => dev.stop());
  const bus = await dev.tb.connect('tester');
  const rpc = new RpcCaller(bus);
  const events: BelfryEvent[] = [];
  await subscribeEvents(bus, '#', (ev) => events.push(ev));
  const bench = readFileSync(join(dev.tb.paths.run, 'bench.url'), 'utf8').trim();
  const speaker = async (ms: number) => readWavBytes(Buffer.from(await (await fetch(`${bench}/bench/audio/speaker?ms=${ms}`)).arrayBuffer()));
  await rpc.call('paramd', 'update', { changes: { 'SIP.Enabled': 'yes', 'SIP.AllowIncomingCalls': 'yes', 'SIP.RTPPortRangeStart': '24200', 'SIP.RTPPortRangeEnd': '24299' } });
  await until(async () => Object.keys(((await rpc.call('sipd', 'status', {})) as { network: object }).network).length > 0, 'SIP is listening');
  await rpc.call('paramd', 'add', { group: 'SIP.DTMF', template: 'dtmf', values: { Sequence: '12', Description: 'stop audio' } });
  const state = (s: string) => events.some((e) => e.topic === 'tnsaxis:Call/State' && e.data.CallState === s);
  const ended = () => events.some((e) => e.topic === 'tnsaxis:Call/StateChange' && e.data.Reason === 'Terminated');

  await t.test('baresip calls the device and plays a 700 Hz tone file: the speaker plays it, the microphone brings the room back, its DTMF raises the event', async (t) => {
    const tone = join(dir, 'tone700.wav');
    toneWav(tone, 700, 30);
    const phone = await startBaresip(t, { address: PHONE, source: `aufile,${tone}` });
    const dialled = performance.now();
    t.ok((await phone.command('dial', `sip:door@${DEVICE}`)).ok, 'baresip dials');
    await until(() => phone.events.some((e) => e.type === 'CALL_ESTABLISHED'), 'the device answers (the default account answers automatically)', 20_000);
    const setupMs = phone.events.find((e) => e.type === 'CALL_ESTABLISHED')!.at - dialled;
    t.comment(`call setup (baresip dial → established): ${setupMs.toFixed(0)} ms`);
    await until(() => state('Active'), 'the call is active on the device');
    let heard = { ok: false, text: '' };
    await until(async () => (heard = dominates((await speaker(1000)).samples, 700, 16000, -30)).ok, 'the tone at the speaker', 15_000).catch(() => undefined);
    t.ok(heard.ok, `the simulated speaker plays baresip's tone: ${heard.text}`);

    // the device's send path (microphone → encoder) starts a few seconds into the call on a loaded machine
    await until(() => phone.receiving(), 'baresip receives audio from the device', 20_000);
    const receivingMs = performance.now() - phone.events.find((e) => e.type === 'CALL_ESTABLISHED')!.at;
    t.comment(`the device's audio reaches baresip ${receivingMs.toFixed(0)} ms after the call is established`);
    await new Promise((r) => setTimeout(r, 3000));
    events.length = 0;
    t.ok((await phone.command('sndcode', '12')).ok, 'baresip sends 1, 2 (RFC 4733)');
    await until(() => events.some((e) => e.topic === 'tnsaxis:Call/DTMF'), 'the DTMF event', 10_000).catch(() => undefined);
    t.match(events.find((e) => e.topic === 'tnsaxis:Call/DTMF')?.data, { Sequence: '12', DTMFEventId: 'stop audio' }, 'tnsaxis:Call/DTMF with the sequence and its description');

    t.ok((await phone.command('hangup')).ok, 'baresip hangs up');
    await until(() => phone.events.some((e) => e.type === 'CALL_CLOSED'), 'the call closed at baresip');
    await until(() => ended(), 'the call ended on the device');
    await phone.stop();
    const back = phone.dump('dec');
    // the last seconds: the room has carried the speaker's tone for a while by then
    const tail = back.samples.subarray(Math.max(0, back.samples.length - 3 * back.rate));
    const mic = dominates(tail, 700, back.rate, -55, 6);
    t.ok(tail.length > back.rate, `baresip decoded ${(back.samples.length / back.rate).toFixed(1)} s from the device`);
    t.ok(mic.ok, `the microphone (the simulated room) reaches baresip: ${mic.text}`);
  });

  await t.test('the device calls baresip and plays a clip during the call: baresip records it', async (t) => {
    // a clip above calls (Audio.Priority.Clip over Audio.Priority.Call) takes the speaker from the
    // call; the room carries it to the microphone and the call's send path to baresip. (A one-way
    // call, SIP.AudioDirection sendonly, would leave the speaker to clips too, but this baresip
    // build does not decode when it answers recvonly.)
    await rpc.call('paramd', 'update', { changes: { 'Audio.Priority.Clip': '5' } });
    t.teardown(() => rpc.call('paramd', 'update', { changes: { 'Audio.Priority.Clip': '1' } }));
    const hum = join(dir, 'tone440.wav');
    toneWav(hum, 440, 30, 8000, 0.1);
    const phone = await startBaresip(t, { address: PHONE, source: `aufile,${hum}`, answer: 'auto' });
    events.length = 0;
    await rpc.call('sipd', 'call', { to: `sip:phone@${PHONE}` });
    await until(() => phone.events.some((e) => e.type === 'CALL_ESTABLISHED'), 'baresip answers', 20_000);
    await until(() => state('Active'), 'the call is active on the device');
    await until(() => phone.receiving(), 'baresip receives audio from the device', 20_000);
    const { clips } = (await rpc.call('audiod', 'listClips', {})) as { clips: { id: number; name: string }[] };
    const beep = clips.find((c) => c.name === 'Beep')!;
    await rpc.call('audiod', 'play', { clip: beep.id, repeat: -1 });
    await new Promise((r) => setTimeout(r, 4000));
    await rpc.call('audiod', 'stop', {});
    await rpc.call('sipd', 'hangup', {});
    await until(() => phone.events.some((e) => e.type === 'CALL_CLOSED'), 'the call closed at baresip');
    await phone.stop();
    const rec = phone.dump('dec');
    t.ok(rec.samples.length > 2 * rec.rate, `baresip recorded ${(rec.samples.length / rec.rate).toFixed(1)} s`);
    // the last 4 s: the clip's time (the recording starts with the call, before the clip)
    const clip = rec.samples.subarray(Math.max(0, rec.samples.length - 4 * rec.rate));
    const got = dominates(clip, 1000, rec.rate, -50, 10);
    t.ok(got.ok, `the Beep clip's 1 kHz dominates what baresip recorded (speaker → room → microphone → RTP): ${got.text}`);
  });
});

import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcCaller, T } from '@belfry/core';
import { AUDIOD, RTP_TOPICS, type RtpDtmfMessage, type RtpEndedMessage } from '../src/contract.js';
import { sleep, startAudioDevice, toneDb } from './device.js';
import { quietMonitor, waitFor } from './helpers.js';
import { freeUdpPort, readWav, telephoneEvent, toneSender, udpPeer, wavReceiver } from './rtp-peers.js';

// The wiring: audiod serves the RTP methods to sipd only; a call's RTP plays on the simulated speaker,
// the simulated room brings it back to the microphone, and the send path carries that to the phone;
// digits reach sipd on the bus; every session ends when sipd leaves the bus.
t.test('a SIP call’s media through audiod on a simulated board', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'belfry-rtpdev-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const d = await startAudioDevice(t, { users: ['sipd'] });
  const sipdBus = await d.tb.connect('sipd', { will: { topic: T.state('sipd'), payload: JSON.stringify({ state: 'dead' }) } });
  await sipdBus.publishAck(T.state('sipd'), JSON.stringify({ state: 'ready' }), { retain: true });
  const sipd = new RpcCaller(sipdBus);
  t.teardown(() => sipd.close());
  const media = sipd.client(AUDIOD);

  await t.rejects(d.rpc.client(AUDIOD).rtpOpen({ callId: 'x', direction: 'sendrecv' }), { code: 'permission_denied' }, 'only sipd opens RTP sessions');
  const { codecs } = await media.rtpCodecs({});
  t.ok(codecs.some((c) => c.name === 'PCMU'), 'µ-law offered');
  await t.rejects(media.rtpOpen({ callId: 'a/b', direction: 'sendrecv' }), { code: 'bad_request' }, 'a call id is one topic level');
  // the contract's limits, at the limit
  await t.rejects(media.rtpOpen({ callId: 'x'.repeat(129), direction: 'sendrecv' }), { code: 'bad_request' }, 'a call id of 129 characters');
  t.match(await media.rtpOpen({ callId: 'x'.repeat(128), direction: 'sendrecv' }), { localPort: Number }, '128 is fine');
  const ok = { callId: 'x'.repeat(128), remoteAddr: '127.0.0.1', remotePort: 5004, codec: 'PCMU' as const, payloadType: 0, clockRate: 8000, direction: 'sendonly' as const };
  for (const [what, p] of [['remote port 0', { remotePort: 0 }], ['remote port 65536', { remotePort: 65536 }], ['DTMF payload type 95 (not dynamic)', { dtmfPayloadType: 95 }], ['DTMF payload type 128', { dtmfPayloadType: 128 }], ['payload type 128', { payloadType: 128 }], ['a codec name not in the contract', { codec: 'GSM' }], ['a field too many', { ssrc: 1 }]] as const) {
    await t.rejects(media.rtpStart({ ...ok, ...p } as never), { code: 'bad_request' }, what);
  }
  await media.rtpStart({ ...ok, dtmfPayloadType: 127 });
  for (const [what, durationMs] of [['39 ms', 39], ['5001 ms', 5001]] as const) await t.rejects(media.rtpSendDtmf({ callId: ok.callId, digit: '1', durationMs }), { code: 'bad_request' }, `a DTMF event of ${what}`);
  await t.rejects(media.rtpSendDtmf({ callId: ok.callId, digit: 'E', durationMs: 100 }), { code: 'bad_request' }, 'a digit outside 0–9 * # A–D');
  t.same(await media.rtpSendDtmf({ callId: ok.callId, digit: 'D', durationMs: 40 }), {}, '40 ms of D is fine');
  t.match(await media.rtpStop({ callId: ok.callId }), { packetsSent: Number }, 'stopped');

  const digits: RtpDtmfMessage[] = [];
  await sipdBus.subscribe(RTP_TOPICS.dtmfAll, (_t, p) => digits.push(JSON.parse(p.toString()) as RtpDtmfMessage));
  const ended: { topic: string; m: RtpEndedMessage }[] = [];
  const testerBus = await d.tb.connect('tester');
  await testerBus.subscribe(RTP_TOPICS.endedAll, (topic, p) => ended.push({ topic, m: JSON.parse(p.toString()) as RtpEndedMessage }));

  const mon = await quietMonitor(d);
  const phonePort = await freeUdpPort();
  const wav = join(dir, 'phone.wav');
  const phone = wavReceiver(t, phonePort, wav);
  const { localPort } = await media.rtpOpen({ callId: 'call-1@door', direction: 'sendrecv' });
  t.ok(localPort >= 4000 && localPort <= 4999 && localPort % 2 === 0, `an even port of the default range (${localPort})`);
  await media.rtpStart({ callId: 'call-1@door', remoteAddr: '127.0.0.1', remotePort: phonePort, codec: 'PCMU', payloadType: 0, clockRate: 8000, dtmfPayloadType: 101, direction: 'sendrecv' });
  toneSender(t, localPort, 1000);
  await waitFor('the call at the speaker', async () => (await d.audiod.status({})).playing?.kind === 'call' && mon.samples().length > 16000 && toneDb(mon.samples().subarray(-8000), 1000) > -20, 15_000);
  const spk = mon.samples().subarray(-8000);
  t.ok(toneDb(spk, 1000) > -20, `the speaker plays the phone’s 1 kHz (${toneDb(spk, 1000).toFixed(1)} dBFS)`);
  await sleep(1500);

  const peer = await udpPeer(t);
  for (const [i, end] of [false, false, true, true, true].entries()) await peer.send(telephoneEvent({ pt: 101, seq: 9000 + i, ts: 123456, event: 11, end, duration: end ? 1600 : i * 400, marker: i === 0 }), localPort);
  await waitFor('the digit on the bus', () => digits.length > 0, 5000);
  t.same(digits, [{ digit: '#', durationMs: 200 }], 'sipd hears # once');

  const stats = await media.rtpStop({ callId: 'call-1@door' });
  await phone.stop();
  t.ok(stats.packetsReceived > 50 && stats.packetsSent > 50, `${stats.packetsReceived} packets in, ${stats.packetsSent} out`);
  const rec = readWav(wav);
  const tail = rec.subarray(-8000);
  t.ok(toneDb(tail, 1000, 8000) > -35, `the phone hears the room through the microphone (1 kHz at ${toneDb(tail, 1000, 8000).toFixed(1)} dBFS)`);
  t.equal((await d.audiod.status({})).playing, null, 'the speaker is free after the call');
  t.same(ended, [], 'a stopped session announces no end');

  // a call preempts a clip (Audio.Priority.Call above Audio.Priority.Clip)
  await d.audiod.play({ clip: 0, repeat: -1 });
  await waitFor('the clip playing', async () => (await d.audiod.status({})).playing?.kind === 'clip', 5000);
  // sipd dies: the broker publishes its will, audiod ends the orphans
  await media.rtpOpen({ callId: 'call-2', direction: 'recvonly' });
  await media.rtpStart({ callId: 'call-2', remoteAddr: '127.0.0.1', remotePort: 5004, codec: 'PCMA', payloadType: 8, clockRate: 8000, direction: 'recvonly' });
  t.equal((await d.audiod.status({})).playing?.kind, 'call', 'the call took the speaker from the clip');
  sipd.close();
  sipdBus.destroy();
  await waitFor('the session ended', () => ended.length > 0, 10_000);
  t.match(ended, [{ topic: RTP_TOPICS.ended('call-2'), m: { reason: 'sipd-gone' } }], 'ended, saying why');
  await waitFor('the speaker freed', async () => (await d.audiod.status({})).playing === null, 5000);
  t.pass('the speaker is free');
});

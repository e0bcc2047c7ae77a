import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@belfry/core';
import { createEngine, type AudioEngine, type EngineName } from '../src/engine/index.js';
import { Mixer } from '../src/mixer.js';
import { FRAME } from '../src/pcm.js';
import { availableCodecs } from '../src/rtp/codecs.js';
import { DTMF_MAX_PER_SECOND, DtmfReceiver } from '../src/rtp/dtmf.js';
import { RTP_TOPICS, type RtpDtmfMessage, type RtpEndedMessage } from '../src/contract.js';
import { RtpSessions } from '../src/rtp/sessions.js';
import { sameRemote } from '../src/rtp/session.js';
import { sleep, toneDb } from './device.js';
import { rpcError, sine, waitFor } from './helpers.js';
import { freeUdpPort, readWav, sessionPipelines, telephoneEvent, toneSender, udpPeer, wavReceiver } from './rtp-peers.js';

// The RTP sessions' logic in process: real GStreamer pipelines and real UDP on loopback, a real mixer
// whose speaker is an array, a microphone the test feeds. The wiring into audiod is rtp-device.test.ts.

const dir = mkdtempSync(join(tmpdir(), 'belfry-rtp-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

interface Rig {
  rtp: RtpSessions;
  speaker: Int16Array[];
  published: { topic: string; data: RtpDtmfMessage | RtpEndedMessage }[];
  /** starts feeding the microphone `samples` in 20 ms frames, looped */
  mic(samples: Int16Array): void;
  mixer: Mixer;
}

// UDP ports below Linux's ephemeral range (32768+), so no outgoing socket of another test holds one
let basePort = 24000 + Math.floor(Math.random() * 150) * 40;
function rig(tt: { teardown(fn: () => unknown): void }, opts: { engine?: EngineName; idleMs?: number; ports?: number } = {}): Rig {
  const speaker: Int16Array[] = [];
  const mixer = new Mixer({ write: (s) => void speaker.push(s), close: async () => undefined }, () => ({ speakertest: 100, call: 3, transmit: 2, clip: 1 }));
  const listeners = new Set<(s: Int16Array) => void>();
  let timer: NodeJS.Timeout | undefined;
  const engine: AudioEngine = createEngine(opts.engine ?? 'superficial');
  const published: Rig['published'] = [];
  const start = basePort;
  basePort += 40;
  const rtp = new RtpSessions({
    engine: () => engine,
    mixer,
    onInput: (fn) => (listeners.add(fn), () => listeners.delete(fn)),
    jitterMs: () => 60,
    log: createLogger('test', 'silent'),
    portRange: async () => ({ start, end: start + (opts.ports ?? 20) - 1 }),
    publish: (topic, data) => published.push({ topic, data }),
    idleMs: opts.idleMs ?? 60_000,
    bindAddress: '127.0.0.1',
  });
  tt.teardown(async () => {
    clearInterval(timer);
    await rtp.stopAll();
    await mixer.close();
  });
  return {
    rtp,
    speaker,
    published,
    mixer,
    mic(samples) {
      let pos = 0;
      timer = setInterval(() => {
        const f = new Int16Array(FRAME);
        for (let i = 0; i < FRAME; i++) f[i] = samples[(pos + i) % samples.length]!;
        pos += FRAME;
        for (const l of listeners) l(f);
      }, 20);
    },
  };
}
const heard = (frames: Int16Array[]): Int16Array => {
  const all = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let o = 0;
  for (const f of frames) {
    all.set(f, o);
    o += f.length;
  }
  return all;
};

t.test('codecs: only what this GStreamer encodes and decodes', async (t) => {
  const names = (await availableCodecs()).map((c) => c.name);
  const has = (e: string) => {
    try {
      execFileSync('gst-inspect-1.0', ['--exists', e]);
      return true;
    } catch {
      return false;
    }
  };
  t.ok(names.includes('PCMU') && names.includes('PCMA'), 'G.711 µ-law and A-law');
  t.equal(names.includes('G722'), has('avenc_g722') && has('avdec_g722'), 'G.722 only with gst-libav');
  t.equal(names.includes('opus'), has('opusenc') && has('opusdec'), 'Opus where its plugin is');
  const noOpusDec = await availableCodecs(async (e) => e !== 'opusdec' && e !== 'avenc_g722');
  t.same(noOpusDec.map((c) => c.name), ['PCMU', 'PCMA'], 'a codec missing one direction is not offered');
  t.same(await availableCodecs(async (e) => e !== 'rtpjitterbuffer'), [], 'nothing without the RTP elements');
  const r = rig(t);
  const { codecs } = await r.rtp.handlers().rtpCodecs({});
  t.match(codecs.find((c) => c.name === 'PCMU'), { clockRate: 8000, channels: 1, payloadType: 0 });
});

t.test('receive: a phone’s RTP reaches the speaker as a call', async (t) => {
  const r = rig(t);
  const h = r.rtp.handlers();
  const { localPort } = await h.rtpOpen({ callId: 'rx-1', direction: 'recvonly' });
  t.equal(localPort % 2, 0, 'an even port');
  await h.rtpStart({ callId: 'rx-1', remoteAddr: '127.0.0.1', remotePort: await freeUdpPort(), codec: 'PCMU', payloadType: 0, clockRate: 8000, direction: 'recvonly' });
  t.equal(r.mixer.active?.kind, 'call', 'the call is the mixer’s source');
  toneSender(t, localPort, 1000);
  await waitFor('a second of the tone at the speaker', () => heard(r.speaker).length > 16000 * 1.5 && toneDb(heard(r.speaker).subarray(-16000), 1000) > -20, 15_000);
  const last = heard(r.speaker).subarray(-16000);
  t.ok(toneDb(last, 1000) > -20, `1 kHz at ${toneDb(last, 1000).toFixed(1)} dBFS`);
  t.ok(toneDb(last, 1000) - toneDb(last, 2500) > 20, 'and not noise');
  const stats = await h.rtpStop({ callId: 'rx-1' });
  t.ok(stats.packetsReceived > 50, `${stats.packetsReceived} packets received`);
  t.equal(r.mixer.active, undefined, 'the speaker is free again');
  t.equal(r.rtp.pipelines, 0, 'no pipeline left');
});

t.test('a second call takes the speaker; the first goes on unheard', async (t) => {
  const r = rig(t);
  const h = r.rtp.handlers();
  const start = { remoteAddr: '127.0.0.1', remotePort: 5004, codec: 'PCMU' as const, payloadType: 0, clockRate: 8000, direction: 'recvonly' as const };
  const first = await h.rtpOpen({ callId: 'first', direction: 'recvonly' });
  await h.rtpStart({ ...start, callId: 'first' });
  toneSender(t, first.localPort, 1000);
  await waitFor('the first call heard', () => heard(r.speaker).length > 8000 && toneDb(heard(r.speaker).subarray(-4000), 1000) > -20, 15_000);
  const second = await h.rtpOpen({ callId: 'second', direction: 'recvonly' });
  await h.rtpStart({ ...start, callId: 'second' });
  toneSender(t, second.localPort, 600);
  await waitFor('the second call heard', () => toneDb(heard(r.speaker).subarray(-4000), 600) > -20, 15_000);
  await sleep(400); // past the switch from one to the other
  t.ok(toneDb(heard(r.speaker).subarray(-4000), 1000) < -40, 'and not the first');
  t.equal(r.rtp.size, 2, 'both sessions live (the first still counts its packets)');
  await sleep(300);
  const s1 = await h.rtpStop({ callId: 'first' });
  t.ok(s1.packetsReceived > 10, 'the first kept receiving');
  t.equal(r.mixer.active?.kind, 'call', 'stopping the unheard call leaves the heard one');
  await h.rtpStop({ callId: 'second' });
  t.equal(r.mixer.active, undefined);
  t.equal(r.rtp.pipelines, 0);
});

t.test('send: the microphone reaches the phone as µ-law RTP', async (t) => {
  const r = rig(t);
  const h = r.rtp.handlers();
  const phonePort = await freeUdpPort();
  const wav = join(dir, 'phone.wav');
  const phone = wavReceiver(t, phonePort, wav);
  await sleep(300);
  r.mic(sine(440, 1, 0.25));
  await h.rtpOpen({ callId: 'tx-1', direction: 'sendonly' });
  await h.rtpStart({ callId: 'tx-1', remoteAddr: '127.0.0.1', remotePort: phonePort, codec: 'PCMU', payloadType: 0, clockRate: 8000, direction: 'sendonly' });
  t.equal(r.mixer.active, undefined, 'sendonly takes no speaker');
  // 1.5 s of 16-bit audio at the phone (a loaded machine starts the pipelines late), at most 15 s
  await fileGrows(wav, 44 + 16_000 * 1.5, 15_000);
  const stats = await h.rtpStop({ callId: 'tx-1' });
  await phone.stop();
  t.ok(stats.packetsSent > 50, `${stats.packetsSent} packets sent`);
  const got = readWav(wav);
  t.ok(got.length > 8000, `${(got.length / 8000).toFixed(2)} s recorded by the phone`);
  const tail = got.subarray(-8000);
  t.ok(toneDb(tail, 440, 8000) > -20, `440 Hz at ${toneDb(tail, 440, 8000).toFixed(1)} dBFS`);
  t.ok(toneDb(tail, 440, 8000) - toneDb(tail, 1500, 8000) > 20, 'and not noise');
});

t.test('Opus both ways, when offered', async (t) => {
  if (!(await availableCodecs()).some((c) => c.name === 'opus')) {
    t.notOk((await availableCodecs()).some((c) => c.name === 'opus'), 'not offered, so not tested');
    return;
  }
  const r = rig(t);
  const h = r.rtp.handlers();
  const phonePort = await freeUdpPort();
  const wav = join(dir, 'opus.wav');
  const phone = wavReceiver(t, phonePort, wav, 'opus');
  r.mic(sine(440, 1, 0.25));
  const { localPort } = await h.rtpOpen({ callId: 'opus-1', direction: 'sendrecv' });
  await h.rtpStart({ callId: 'opus-1', remoteAddr: '127.0.0.1', remotePort: phonePort, codec: 'opus', payloadType: 111, clockRate: 48000, direction: 'sendrecv' });
  toneSender(t, localPort, 1000, { codec: 'opus' });
  await waitFor('the tone at the speaker', () => heard(r.speaker).length > 16000 && toneDb(heard(r.speaker).subarray(-8000), 1000) > -20, 15_000);
  t.ok(toneDb(heard(r.speaker).subarray(-8000), 1000) > -20, 'the phone’s Opus is heard');
  await sleep(1000);
  await h.rtpStop({ callId: 'opus-1' });
  await phone.stop();
  const got = readWav(wav).subarray(-4000);
  t.ok(toneDb(got, 440, 8000) > -25, `the microphone reaches an Opus phone (440 Hz at ${toneDb(got, 440, 8000).toFixed(1)} dBFS)`);
});

t.test('garbage on the call port: dropped, the call plays on', async (t) => {
  const r = rig(t);
  const h = r.rtp.handlers();
  const peer = await udpPeer(t);
  const { localPort } = await h.rtpOpen({ callId: 'junk', direction: 'recvonly' });
  // telephone-events and audio already arriving while the session opens and starts its pipelines
  let early = 0;
  const flood = setInterval(() => {
    for (let i = 0; i < 5; i++) void peer.send(telephoneEvent({ pt: early % 2 ? 101 : 0, seq: early, ts: 1000 * early++, event: 3, end: true, duration: 800 }), localPort);
  }, 1);
  await h.rtpStart({ callId: 'junk', remoteAddr: '127.0.0.1', remotePort: peer.port, codec: 'PCMU', payloadType: 0, clockRate: 8000, dtmfPayloadType: 101, direction: 'recvonly' });
  await sleep(100);
  clearInterval(flood);
  t.ok(early > 50, `${early} packets around the start`);
  toneSender(t, localPort, 1000);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.alloc(Math.floor(rnd() * (i % 50 === 0 ? 9000 : 200)));
    for (let k = 0; k < b.length; k++) b[k] = Math.floor(rnd() * 256);
    // most look like RTP (version 2) with our payload types, so they get past the first check
    if (b.length > 1 && rnd() < 0.7) {
      b[0] = 0x80 | (b[0]! & 0x3f);
      b[1] = rnd() < 0.5 ? 0 : 101;
    }
    await peer.send(b, localPort);
    if (i % 100 === 0) await sleep(10);
  }
  // the tone sender is a gst-launch child: on a loaded machine it may take a while to start
  const tone = () => toneDb(heard(r.speaker).subarray(-8000), 1000);
  for (const end = Date.now() + 10_000; tone() <= -20 && Date.now() < end; ) await sleep(200);
  t.ok(tone() > -20, 'the tone still plays after 2000 junk datagrams');
  t.ok(r.published.every((p) => p.topic === RTP_TOPICS.dtmf('junk')), 'junk telephone-events are digits at most');
  t.ok(r.published.length <= 3 * DTMF_MAX_PER_SECOND, `and rate-limited (${r.published.length} reported)`);
  t.ok(r.rtp.size === 1 && r.rtp.pipelines === 1, 'the session and its pipeline are still there');
  await h.rtpStop({ callId: 'junk' });
  t.equal(r.rtp.pipelines, 0);
});

t.test('RFC 4733 in: at most DTMF_MAX_PER_SECOND digits a second', async (t) => {
  const got: string[] = [];
  const rx = new DtmfReceiver(8000, (d) => got.push(d));
  const end = (event: number) => Buffer.from([event, 0x8a, 0x03, 0x20]);
  for (let i = 0; i < DTMF_MAX_PER_SECOND; i++) rx.push(1000 + i * 800, end(i % 16));
  t.equal(got.length, DTMF_MAX_PER_SECOND, `${DTMF_MAX_PER_SECOND} in a burst are reported`);
  rx.push(999_999, end(1));
  t.equal(got.length, DTMF_MAX_PER_SECOND, 'the next one within the second is not');
  t.equal(rx.dropped, 1);
  rx.push(999_999, end(1));
  t.equal(rx.dropped, 1, 'a repeated end packet of a dropped event is not counted twice');
  await sleep(1050);
  rx.push(2_000_000, end(2));
  t.equal(got.length, DTMF_MAX_PER_SECOND + 1, 'a second later digits are reported again');
});

t.test('RFC 4733 in: digits reported once per event, other sources ignored', async (t) => {
  const r = rig(t);
  const h = r.rtp.handlers();
  const peer = await udpPeer(t);
  const { localPort } = await h.rtpOpen({ callId: 'dtmf-in', direction: 'sendrecv' });
  await h.rtpStart({ callId: 'dtmf-in', remoteAddr: '127.0.0.1', remotePort: peer.port, codec: 'PCMU', payloadType: 0, clockRate: 8000, dtmfPayloadType: 101, direction: 'recvonly' });
  let seq = 100;
  const digit = async (event: number, ts: number, sendEnd = true) => {
    for (let d = 0; d <= 800; d += 400) await peer.send(telephoneEvent({ pt: 101, seq: seq++, ts, event, end: false, duration: d, marker: d === 0 }), localPort);
    if (sendEnd) for (let i = 0; i < 3; i++) await peer.send(telephoneEvent({ pt: 101, seq: seq++, ts, event, end: true, duration: 960 }), localPort);
  };
  await digit(5, 8000);
  await digit(11, 16000);
  await digit(12, 24000, false); // every end packet lost: reported when the next event starts
  await digit(1, 32000);
  await waitFor('four digits', () => r.published.length >= 4, 5000);
  await sleep(200);
  t.same(r.published, [
    { topic: RTP_TOPICS.dtmf('dtmf-in'), data: { digit: '5', durationMs: 120 } },
    { topic: RTP_TOPICS.dtmf('dtmf-in'), data: { digit: '#', durationMs: 120 } },
    { topic: RTP_TOPICS.dtmf('dtmf-in'), data: { digit: 'A', durationMs: 100 } },
    { topic: RTP_TOPICS.dtmf('dtmf-in'), data: { digit: '1', durationMs: 120 } },
  ], 'each digit once, with its duration');
  t.equal(r.published[0]!.topic, 'belfry/notify/audiod/rtp/dtmf-in/dtmf');
  // not from the negotiated remote, not RTP, or another payload type: dropped and not counted
  const stranger = await udpPeer(t, '127.0.0.2');
  await stranger.send(telephoneEvent({ pt: 101, seq: 1, ts: 40000, event: 9, end: true, duration: 800 }), localPort);
  await peer.send(Buffer.from('not rtp at all'), localPort);
  await peer.send(telephoneEvent({ pt: 102, seq: seq++, ts: 48000, event: 9, end: true, duration: 800 }), localPort);
  await sleep(200);
  t.equal(r.published.length, 4, 'nothing more reported');
  t.match(await h.rtpStop({ callId: 'dtmf-in' }), { packetsReceived: 21 }, 'the 21 telephone-events counted as received, nothing else');
});

t.test('the source filter: the negotiated address; 127.0.0.1 stands for another loopback address, and only it', async (t) => {
  t.ok(sameRemote('192.0.2.7', '192.0.2.7'), 'the negotiated address');
  t.notOk(sameRemote('192.0.2.8', '192.0.2.7'), 'another address');
  t.ok(sameRemote('127.0.0.1', '127.0.0.93'), 'a phone on this machine bound to 0.0.0.0 sends from 127.0.0.1');
  t.notOk(sameRemote('127.0.0.2', '127.0.0.93'), 'another loopback address is not it');
  t.notOk(sameRemote('127.0.0.1', '192.0.2.7'), 'loopback does not stand for a remote address');
});

t.test('RFC 4733 out: rtpSendDtmf sends the event in the audio stream', async (t) => {
  const r = rig(t);
  const h = r.rtp.handlers();
  const peer = await udpPeer(t);
  r.mic(sine(440, 1, 0.25));
  const { localPort } = await h.rtpOpen({ callId: 'dtmf-out', direction: 'sendrecv' });
  await h.rtpStart({ callId: 'dtmf-out', remoteAddr: '127.0.0.1', remotePort: peer.port, codec: 'PCMU', payloadType: 0, clockRate: 8000, dtmfPayloadType: 101, direction: 'sendrecv' });
  await waitFor('audio flowing', () => peer.got.length > 5, 5000);
  await h.rtpSendDtmf({ callId: 'dtmf-out', digit: '7', durationMs: 200 });
  await h.rtpSendDtmf({ callId: 'dtmf-out', digit: '*', durationMs: 100 });
  const events = () => peer.got.filter((g) => (g.msg[1]! & 0x7f) === 101);
  await waitFor('both events ended', () => events().filter((g) => g.msg[13]! & 0x80).length >= 6, 5000);
  await h.rtpStop({ callId: 'dtmf-out' });
  const ev = events().map((g) => ({ event: g.msg[12]!, end: (g.msg[13]! & 0x80) !== 0, marker: (g.msg[1]! & 0x80) !== 0, ts: g.msg.readUInt32BE(4), ssrc: g.msg.readUInt32BE(8), duration: g.msg.readUInt16BE(14), port: g.from.port }));
  const seven = ev.filter((e) => e.event === 7);
  const star = ev.filter((e) => e.event === 10);
  t.ok(seven.length >= 7 && star.length >= 5, `${seven.length} packets for 7, ${star.length} for *`);
  t.ok(seven[0]!.marker && !seven[1]!.marker, 'the first packet of an event has the marker');
  t.equal(new Set(seven.map((e) => e.ts)).size, 1, 'one timestamp per event');
  t.not(seven[0]!.ts, star[0]!.ts, 'the next event has its own');
  t.same(seven.filter((e) => e.end).map((e) => e.duration), [1600, 1600, 1600], 'the end three times, 200 ms at 8 kHz');
  const audio = peer.got.filter((g) => (g.msg[1]! & 0x7f) === 0);
  t.equal(seven[0]!.ssrc, audio[0]!.msg.readUInt32BE(8), 'the audio stream’s SSRC');
  t.ok(ev.every((e) => e.port === localPort) && audio.every((a) => a.from.port === localPort), 'everything from the call’s port (symmetric RTP)');
  const seqs = peer.got.map((g) => g.msg.readUInt16BE(2));
  t.ok(seqs.every((s, i) => i === 0 || s === ((seqs[i - 1]! + 1) & 0xffff)), 'one sequence across audio and events');
});

t.test('limits and bad input', async (t) => {
  const r = rig(t, { ports: 20 });
  const h = r.rtp.handlers();
  const ports = [];
  for (let i = 0; i < 4; i++) ports.push((await h.rtpOpen({ callId: `c${i}`, direction: 'sendrecv' })).localPort);
  t.equal(new Set(ports).size, 4, 'four sessions, four ports');
  t.match(await rpcError(h.rtpOpen({ callId: 'c4', direction: 'sendrecv' }) as Promise<unknown>), { code: 'limit_exceeded' }, 'the fifth is refused');
  t.match(await rpcError(h.rtpOpen({ callId: 'c0', direction: 'sendrecv' }) as Promise<unknown>), { code: 'already_exists' }, 'a call id once');
  const start = { callId: 'c0', remoteAddr: '127.0.0.1', remotePort: 5004, codec: 'PCMU' as const, payloadType: 0, clockRate: 8000, direction: 'sendrecv' as const };
  for (const [what, p, code] of [
    ['a name, not an address', { remoteAddr: 'phone.example' }, 'bad_request'],
    ['a multicast address', { remoteAddr: '239.1.2.3' }, 'bad_request'],
    ['IPv6 (not yet)', { remoteAddr: '::1' }, 'bad_request'],
    ['a codec this machine lacks', { codec: 'G722' as const, payloadType: 9 }, 'bad_request'],
    ['a wrong clock rate', { clockRate: 16000 }, 'bad_request'],
    ['DTMF on the audio payload type', { dtmfPayloadType: 100, payloadType: 100 }, 'bad_request'],
    ['an unknown call', { callId: 'nobody' }, 'not_found'],
  ] as const) t.match(await rpcError(h.rtpStart({ ...start, ...p }) as Promise<unknown>), { code }, what);
  t.equal(r.rtp.pipelines, 0, 'nothing started by bad input');
  t.match(await rpcError(Promise.resolve().then(() => h.rtpSendDtmf({ callId: 'c1', digit: '1', durationMs: 100 }))), { code: 'failed_precondition' }, 'no DTMF before start');
  t.same(await h.rtpStop({ callId: 'c3' }), { packetsReceived: 0, packetsSent: 0 });
  t.same(await h.rtpStop({ callId: 'c3' }), { packetsReceived: 0, packetsSent: 0 }, 'stop is idempotent');
  t.match(await h.rtpOpen({ callId: 'c4', direction: 'sendrecv' }), { localPort: Number }, 'a stopped session frees its place');
  await h.rtpStart(start);
  t.equal(r.rtp.pipelines, 2, 'a good start after the bad ones: receive and send');
  t.match(await rpcError(h.rtpStart(start) as Promise<unknown>), { code: 'failed_precondition' }, 'started once');
  await r.rtp.stopAll();
  t.equal(r.rtp.pipelines, 0);
  // a stop while the start still waits for its loopback port: the start gives up and leaves nothing
  await h.rtpOpen({ callId: 'race', direction: 'sendrecv' });
  const starting = h.rtpStart({ ...start, callId: 'race' }) as Promise<unknown>;
  await h.rtpStop({ callId: 'race' });
  t.match(await rpcError(starting), { code: 'failed_precondition' }, 'the start is refused');
  await sleep(300);
  t.equal(r.rtp.pipelines, 0, 'no pipeline opened by it');
  t.equal(r.mixer.active, undefined);

  const small = rig(t, { ports: 4 }); // two even ports
  const s = small.rtp.handlers();
  await s.rtpOpen({ callId: 'a', direction: 'sendrecv' });
  await s.rtpOpen({ callId: 'b', direction: 'sendrecv' });
  t.match(await rpcError(s.rtpOpen({ callId: 'c', direction: 'sendrecv' }) as Promise<unknown>), { code: 'limit_exceeded', message: /no free even UDP port/ }, 'the port range is a limit too');
});

t.test('a session whose remote goes quiet ends by itself', async (t) => {
  const r = rig(t, { idleMs: 600 });
  const h = r.rtp.handlers();
  const { localPort } = await h.rtpOpen({ callId: 'quiet', direction: 'recvonly' });
  await h.rtpStart({ callId: 'quiet', remoteAddr: '127.0.0.1', remotePort: 5004, codec: 'PCMU', payloadType: 0, clockRate: 8000, direction: 'recvonly' });
  const sender = toneSender(t, localPort, 1000, { seconds: 1 });
  await waitFor('the ended message', () => r.published.length > 0, 10_000);
  t.ok(sender.exitCode !== null, 'it ended after the sender stopped, not while RTP flowed');
  t.match(r.published, [{ topic: RTP_TOPICS.ended('quiet'), data: { reason: 'idle', packetsReceived: Number } }]);
  t.ok((r.published[0]!.data as RtpEndedMessage).packetsReceived > 30, 'with what it had received');
  t.equal(r.rtp.size, 0, 'forgotten');
  t.equal(r.rtp.pipelines, 0, 'its pipelines closed');
  t.equal(r.mixer.active, undefined, 'the speaker freed');
  t.same(await h.rtpStop({ callId: 'quiet' }), { packetsReceived: 0, packetsSent: 0 }, 'a late stop is harmless');
});

t.test('the launch engine: gst-launch children, none left behind', async (t) => {
  const r = rig(t, { engine: 'launch' });
  const h = r.rtp.handlers();
  const phone = await udpPeer(t);
  r.mic(sine(440, 1, 0.25));
  const { localPort } = await h.rtpOpen({ callId: 'l1', direction: 'sendrecv' });
  await h.rtpStart({ callId: 'l1', remoteAddr: '127.0.0.1', remotePort: phone.port, codec: 'PCMA', payloadType: 8, clockRate: 8000, direction: 'sendrecv' });
  toneSender(t, localPort, 1000, { codec: 'PCMA' });
  t.equal(sessionPipelines().length, 2, 'a receive and a send child');
  await waitFor('the tone at the speaker', () => heard(r.speaker).length > 16000 && toneDb(heard(r.speaker).subarray(-8000), 1000) > -20, 15_000);
  await waitFor('A-law packets at the phone', () => phone.got.filter((g) => (g.msg[1]! & 0x7f) === 8).length > 20, 10_000);
  await h.rtpStop({ callId: 'l1' });
  await waitFor('children gone', () => sessionPipelines().length === 0, 5000);
  t.pass('no gst-launch child left');

  // a pipeline that dies (a GStreamer crash in its child) ends the session, saying so
  await h.rtpOpen({ callId: 'l2', direction: 'sendrecv' });
  await h.rtpStart({ callId: 'l2', remoteAddr: '127.0.0.1', remotePort: phone.port, codec: 'PCMU', payloadType: 0, clockRate: 8000, direction: 'sendrecv' });
  const rx = sessionPipelines().find((l) => l.includes('rtpjitterbuffer'));
  t.ok(rx, 'the receive child');
  process.kill(Number(rx!.trim().split(' ')[0]), 'SIGKILL');
  await waitFor('the ended message', () => r.published.length > 0, 5000);
  t.match(r.published, [{ topic: RTP_TOPICS.ended('l2'), data: { reason: 'error' } }], 'ended with reason error');
  await waitFor('the send child gone too', () => sessionPipelines().length === 0, 5000);
  t.equal(r.rtp.pipelines, 0, 'nothing left');
  t.equal(r.mixer.active, undefined, 'the speaker freed');
});

/** Waits until `path` holds `bytes`, or `ms` have passed (the assertions after it say what arrived). */
async function fileGrows(path: string, bytes: number, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    if (existsSync(path) && statSync(path).size >= bytes) return;
  }
}

// The SIP call's media: mouth-to-ear added latency of a call, RTP in → the simulated speaker.
//   node --import tsx bench/sip-media-bench.ts [json options]
// paramd, boardd and audiod run in this process on a real broker (as audiod's tests do); the helper
// plays sipd (its bus user) and the phone: it opens and starts a PCMU session, sends 20 ms µ-law
// packets of silence paced by the clock with a 1 kHz burst every 500 ms, and times each burst from
// the send of its first packet to its onset on the sound card's `monitor` tap (what the speaker
// played). rtpjitterbuffer's latency (Audio.ReceiverBuffer, default 120 ms), the mixer's 40 ms prime
// and lead, and the card's 20 ms period are all inside the figure, as they are on a call.
// Prints one JSON document on stdout.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { join } from 'node:path';
import { RpcCaller, SERVICES, T, type Client } from '@belfry/core';
import { startDevice } from '@belfry/core/testing';
import { daemon as paramd } from '../daemons/paramd/src/main.js';
import { daemon as boardd } from '../daemons/boardd/src/main.js';
import { daemon as audiod } from '../daemons/audiod/src/main.js';
import type { AudiodContract } from '../daemons/audiod/src/contract.js';
import { mulawEncode } from '../daemons/audiod/src/pcm.js';
import { latency } from './stats.mjs';

const opts = JSON.parse(process.argv[2] ?? '{}') as { bursts?: number; calls?: number };
const BURSTS = opts.bursts ?? 20;
const CALLS = opts.calls ?? 4;
const WINDOW_MS = 5000;

/** CPU (% of one core) of this process: the device's daemons, GStreamer's threads and the phones' pacing. */
async function cpuOver(ms: number): Promise<number> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(ms);
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) / 1000 / (performance.now() - t0)) * 100;
}

/**
 * `calls` sendrecv PCMU calls at once (the microphone encoded and sent on each, every phone sending
 * 50 packets a second), against the same process idle: the added CPU per call.
 */
async function cpuPerCall(media: Client<AudiodContract>, calls: number, header: (seq: number) => Buffer, payload: Buffer) {
  const idlePct = await cpuOver(WINDOW_MS);
  const phones = await Promise.all(
    Array.from({ length: calls }, async (_, i) => {
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      const callId = `load-${i}`;
      const { localPort } = await media.rtpOpen({ callId, direction: 'sendrecv' });
      await media.rtpStart({ callId, remoteAddr: '127.0.0.1', remotePort: s.address().port, codec: 'PCMU', payloadType: 0, clockRate: 8000, direction: 'sendrecv' });
      return { s, callId, localPort };
    }),
  );
  const t0 = performance.now();
  let n = 0;
  const pace = setInterval(() => {
    const due = Math.floor((performance.now() - t0) / 20) + 1;
    for (; n < due; n++) for (const p of phones) p.s.send(Buffer.concat([header(n), payload]), p.localPort, '127.0.0.1');
  }, 10);
  await sleep(1000);
  const loadedPct = await cpuOver(WINDOW_MS);
  clearInterval(pace);
  const sent = [];
  for (const p of phones) {
    sent.push((await media.rtpStop({ callId: p.callId })).packetsSent);
    p.s.close();
  }
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return { calls, idlePct: r1(idlePct), loadedPct: r1(loadedPct), perCallPct: r1((loadedPct - idlePct) / calls), packetsSentPerCall: sent };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dev = await startDevice({ daemons: [paramd, boardd, audiod], users: SERVICES.some((s) => s.name === 'sipd') ? [] : ['sipd'] });
try {
  const bus = await dev.tb.connect('sipd');
  await bus.publishAck(T.state('sipd'), JSON.stringify({ state: 'ready' }), { retain: true });
  const rpc = new RpcCaller(bus);
  const media = rpc.client<AudiodContract>('audiod');

  // the speaker's monitor tap: the arrival time of the first loud frame after each burst was sent
  const card = connect(join(dev.paths.run, 'sim-audio.sock'));
  card.on('connect', () => card.write(JSON.stringify({ role: 'monitor' }) + '\n'));
  let waiting: { since: number; resolve: (at: number) => void } | undefined;
  let carry = Buffer.alloc(0);
  card.on('data', (b: Buffer) => {
    const all = Buffer.concat([carry, b]);
    const even = all.length & ~1;
    carry = all.subarray(even);
    if (!waiting) return;
    for (let i = 0; i < even; i += 2) {
      if (Math.abs(all.readInt16LE(i)) > 3000) {
        const w = waiting;
        waiting = undefined;
        w.resolve(performance.now());
        return;
      }
    }
  });

  const phone = createSocket('udp4');
  await new Promise<void>((r) => phone.bind(0, '127.0.0.1', () => r()));
  const { localPort } = await media.rtpOpen({ callId: 'bench', direction: 'recvonly' });
  await media.rtpStart({ callId: 'bench', remoteAddr: '127.0.0.1', remotePort: phone.address().port, codec: 'PCMU', payloadType: 0, clockRate: 8000, direction: 'recvonly' });

  const silence = Buffer.alloc(160, 0xff);
  const tone = new Int16Array(160);
  for (let i = 0; i < 160; i++) tone[i] = Math.round(12000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  const burst = mulawEncode(tone);
  const header = (seq: number) => {
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h.writeUInt16BE(seq & 0xffff, 2);
    h.writeUInt32BE((seq * 160) >>> 0, 4);
    h.writeUInt32BE(0xbe1f, 8);
    return h;
  };
  const samples: number[] = [];
  const t0 = performance.now();
  let n = 0;
  let sent = 0;
  const onsets: Promise<number>[] = [];
  while (sent < BURSTS) {
    // paced by the clock, not by the timer: a late tick sends what is due
    const due = Math.floor((performance.now() - t0) / 20) + 1;
    while (n < due) {
      const phase = n % 25;
      const loud = n > 50 && phase < 5;
      if (loud && phase === 0) {
        sent++;
        const since = performance.now();
        onsets.push(new Promise<number>((resolve) => (waiting = { since, resolve })).then((at) => at - since));
      }
      phone.send(Buffer.concat([header(n), loud ? burst : silence]), localPort, '127.0.0.1');
      n++;
    }
    await sleep(5);
  }
  // the last burst's onset, or none after 2 s
  await Promise.race([onsets[onsets.length - 1], sleep(2000)]);
  for (const p of onsets) {
    const v = await Promise.race([p, sleep(0).then(() => null)]);
    if (v !== null) samples.push(v);
  }
  const stats = await media.rtpStop({ callId: 'bench' });
  phone.close();
  card.destroy();
  const cpu = await cpuPerCall(media, CALLS, header, silence);
  rpc.close();
  process.stdout.write(JSON.stringify({ bursts: BURSTS, heard: samples.length, mouthToEarMs: latency(samples.slice(2), 1), jitterBufferMs: 120, packetsReceived: stats.packetsReceived, cpu }) + '\n');
} finally {
  await dev.stop();
}

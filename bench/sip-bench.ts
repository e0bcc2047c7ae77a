// sipd's signalling: INVITE → 200 OK on loopback, one call at a time (answered automatically, its
// RTP session opened and started at the real audiod), then ACK and BYE.
//   node --import tsx bench/sip-bench.ts [json options]
// paramd, boardd, audiod and sipd run in this process on a real broker (as sipd's tests do); the
// helper is the caller, a raw UDP peer on its own loopback address. Prints one JSON document.
import { createSocket } from 'node:dgram';
import { RpcCaller } from '@belfry/core';
import { startDevice } from '@belfry/core/testing';
import { daemon as paramd } from '../daemons/paramd/src/main.js';
import { daemon as boardd } from '../daemons/boardd/src/main.js';
import { daemon as audiod } from '../daemons/audiod/src/main.js';
import { createSipd } from '../daemons/sipd/src/main.js';
import { latency } from './stats.mjs';

const opts = JSON.parse(process.argv[2] ?? '{}') as { calls?: number; warmup?: number };
const CALLS = opts.calls ?? 60;
const WARMUP = opts.warmup ?? 5;
const DEVICE = '127.0.0.90';
const PEER = '127.0.0.91';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dev = await startDevice({ daemons: [paramd, boardd, audiod, createSipd({ address: DEVICE })], users: ['tester'] });
const rpc = new RpcCaller(await dev.tb.connect('tester'));
await rpc.call('paramd', 'update', { changes: { 'SIP.Enabled': 'yes', 'SIP.AllowIncomingCalls': 'yes' } });
for (let i = 0; i < 200 && !Object.keys(((await rpc.call('sipd', 'status', {})) as { network: object }).network).length; i++) await sleep(25);

const sock = createSocket('udp4');
await new Promise<void>((r) => sock.bind(0, PEER, () => r()));
const port = sock.address().port;
const waiters: { test: (m: string) => boolean; resolve: (m: string) => void }[] = [];
sock.on('message', (b) => {
  const m = b.toString();
  const i = waiters.findIndex((w) => w.test(m));
  if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
});
const expect = (test: (m: string) => boolean, ms = 2000) =>
  new Promise<string | undefined>((resolve) => {
    const w = { test, resolve: (m: string) => (clearTimeout(timer), resolve(m)) };
    const timer = setTimeout(() => (waiters.splice(waiters.indexOf(w), 1), resolve(undefined)), ms);
    waiters.push(w);
  });
const send = (m: string) => new Promise<void>((r) => sock.send(m, 5060, DEVICE, () => r()));

function request(method: string, n: number, cseq: number, toTag = '', body = ''): string {
  const lines = [
    `${method} sip:bench@${DEVICE} SIP/2.0`,
    `Via: SIP/2.0/UDP ${PEER}:${port};branch=z9hG4bK-b${n}-${method}-${Math.random().toString(36).slice(2)}`,
    'Max-Forwards: 70',
    `From: <sip:caller@${PEER}:${port}>;tag=c${n}`,
    `To: <sip:bench@${DEVICE}>${toTag ? `;tag=${toTag}` : ''}`,
    `Call-ID: bench-${n}@${PEER}`,
    `CSeq: ${cseq} ${method}`,
    `Contact: <sip:caller@${PEER}:${port}>`,
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return lines.join('\r\n');
}
const sdp = `v=0\r\no=b 1 1 IN IP4 ${PEER}\r\ns=-\r\nc=IN IP4 ${PEER}\r\nt=0 0\r\nm=audio 17000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n`;

const ms: number[] = [];
let failed = 0;
const cpu0 = process.cpuUsage();
for (let n = 0; n < CALLS + WARMUP; n++) {
  const ok = expect((m) => m.startsWith('SIP/2.0 200') && m.includes(`bench-${n}@`) && / INVITE\r\n/.test(m));
  const t0 = performance.now();
  await send(request('INVITE', n, 1, '', sdp));
  const answer = await ok;
  const dt = performance.now() - t0;
  if (!answer) {
    failed++;
    continue;
  }
  if (n >= WARMUP) ms.push(dt);
  const tag = /^To:.*;tag=([^;\s]+)/im.exec(answer)?.[1] ?? '';
  await send(request('ACK', n, 1, tag));
  const bye = expect((m) => m.startsWith('SIP/2.0 200') && m.includes(`bench-${n}@`) && / BYE\r\n/.test(m));
  await send(request('BYE', n, 2, tag));
  await bye;
}
const cpu = process.cpuUsage(cpu0);
sock.close();
await dev.stop();
process.stdout.write(JSON.stringify({ invite200Ms: latency(ms), failed, cpuMsPerCall: Math.round(((cpu.user + cpu.system) / 1000 / (CALLS + WARMUP)) * 10) / 10 }) + '\n');
process.exit(0);

// The audio benchmark, against a device booted by dist/launcher.mjs (run.mjs boots it):
//   node --import tsx bench/audio-bench.ts <root> <httpPort> [json options]
// 1. Makes the first admin through pwdgrp.cgi (setup state: no credentials needed).
// 2. Clip start: playclip.cgi (HTTP, Digest with nonce reuse) → the first loud sample the simulated
//    speaker plays (its `monitor` tap on the sound card), and audiod's own request → first frame
//    written figure. The card's 20 ms clock is part of the first figure, as a real sound card's
//    period is.
// 3. Transmit: a live transmit.cgi stream of silence with 1 kHz bursts; each burst's send time → its
//    onset at the speaker. The jitter buffer (Audio.ReceiverBuffer, default 120 ms) is most of it.
// 4. One calibration and one speaker test through /vapix/axast: request → report no longer Pending.
// Prints one JSON document on stdout.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { devicePaths } from '@belfry/core';
import { latency, round } from './stats.mjs';

const [root, portArg, optsJson] = process.argv.slice(2) as [string, string, string | undefined];
const opts = JSON.parse(optsJson ?? '{}') as { plays?: number; bursts?: number; steps?: number; audiodPid?: number; httpdPid?: number; hops?: number };
const port = Number(portArg);
const USER = 'root';
const PASSWORD = 'bench-pass-1';
const paths = devicePaths(root);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let nonce = '';
let realm = '';
let nc = 0;
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
function authHeader(method: string, uri: string): string {
  const cnonce = randomBytes(8).toString('hex');
  const n = (++nc).toString(16).padStart(8, '0');
  const response = md5(`${md5(`${USER}:${realm}:${PASSWORD}`)}:${nonce}:${n}:${cnonce}:auth:${md5(`${method}:${uri}`)}`);
  return `Digest username="${USER}", realm="${realm}", nonce="${nonce}", uri="${uri}", algorithm=MD5, qop=auth, nc=${n}, cnonce="${cnonce}", response="${response}"`;
}

function send(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string> = { ...headers };
    if (nonce) h.Authorization = authHeader(method, path);
    if (body !== undefined) h['Content-Length'] = String(Buffer.byteLength(body));
    const req = request({ host: '127.0.0.1', port, method, path, headers: h }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Digest: one 401 round trip for a nonce, then reuse it with a growing nc (as VMSs do). */
async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  let r = await send(method, path, body, headers);
  if (r.status === 401) {
    const ch = String(r.headers['www-authenticate'] ?? '');
    realm = /realm="([^"]*)"/.exec(ch)?.[1] ?? '';
    nonce = /nonce="([^"]*)"/.exec(ch)?.[1] ?? '';
    nc = 0;
    r = await send(method, path, body, headers);
  }
  return r;
}

/**
 * The monitor's period: long enough that the card is idle between plays (it wakes every frame only
 * while a speaker has samples), as on a device nobody monitors, so clip start includes the card's
 * idle → playing switch. Frames are on the card's 20 ms grid: frame j of the stream ended its slot
 * at anchor + 20·(j+1), and no delivery arrives before its last frame's slot ended, so the anchor
 * is the earliest `arrival − 20 · frames so far` over the last MONITOR_ANCHOR_DELIVERIES (a late
 * or merged read never makes a frame look early; a stall's skipped slots leave the window).
 */
const MONITOR_PERIOD_MS = 200;
const MONITOR_ANCHOR_DELIVERIES = 10;
const FRAME_SAMPLES = 320;

/** What the simulated speaker plays, each 20 ms frame with the time its slot ended. */
function monitor() {
  const frames: { at: number; s: Int16Array }[] = [];
  const sock = connect(join(paths.run, 'sim-audio.sock'));
  let buf = Buffer.alloc(0);
  let count = 0;
  const anchors: number[] = [];
  sock.on('connect', () => sock.write(JSON.stringify({ role: 'monitor', periodMs: MONITOR_PERIOD_MS }) + '\n'));
  sock.on('data', (b: Buffer) => {
    const arrival = performance.now();
    buf = Buffer.concat([buf, b]);
    const n = Math.floor(buf.length / (2 * FRAME_SAMPLES));
    if (n === 0) return;
    count += n;
    anchors.push(arrival - 20 * count);
    if (anchors.length > MONITOR_ANCHOR_DELIVERIES) anchors.shift();
    const anchor = Math.min(...anchors);
    for (let k = 0; k < n; k++) {
      const copy = Buffer.from(buf.subarray(k * 2 * FRAME_SAMPLES, (k + 1) * 2 * FRAME_SAMPLES));
      frames.push({ at: anchor + 20 * (count - n + k + 1), s: new Int16Array(copy.buffer, copy.byteOffset, FRAME_SAMPLES) });
    }
    buf = buf.subarray(n * 2 * FRAME_SAMPLES);
    if (frames.length > 2000) frames.splice(0, frames.length - 2000);
  });
  return {
    /** the time of the first frame after `since` holding a sample above `threshold` */
    async onset(since: number, threshold: number, timeoutMs = 3000): Promise<number | null> {
      const end = performance.now() + timeoutMs;
      while (performance.now() < end) {
        for (const c of frames) if (c.at >= since && c.s.some((v) => Math.abs(v) > threshold)) return c.at;
        await sleep(2);
      }
      return null;
    },
    close: () => sock.destroy(),
  };
}

function mulawOf(s: number): number {
  const sign = s < 0 ? 0x80 : 0;
  const x = Math.min(32635, Math.abs(s)) + 0x84;
  let exp = 7;
  for (let mask = 0x4000; (x & mask) === 0 && exp > 0; mask >>= 1) exp--;
  return ~(sign | (exp << 4) | ((x >> (exp + 3)) & 0x0f)) & 0xff;
}

async function main() {
  const made = await send('GET', `/axis-cgi/pwdgrp.cgi?action=add&user=${USER}&pwd=${PASSWORD}&grp=users&sgrp=viewer:operator:admin:ptz`);
  if (!made.body.includes('Created account')) throw new Error(`could not create the admin: ${made.status} ${made.body}`);
  // a CGI answers 401 with the Digest challenge (the JSON API does not: no browser pop-up)
  await call('GET', '/axis-cgi/usergroup.cgi');
  const mon = monitor();
  await sleep(300);
  const clips = JSON.parse((await call('GET', '/api/v1/clips')).body) as { clips: { id: number; name: string }[] };
  const beep = clips.clips.find((c) => c.name === 'Beep');
  if (!beep) throw new Error('no default clip "Beep"');

  // --- clip start
  const toSpeaker: number[] = [];
  const toSink: number[] = [];
  const http: number[] = [];
  const plays = opts.plays ?? 60;
  for (let i = 0; i < plays + 5; i++) {
    await call('GET', '/axis-cgi/stopclip.cgi');
    await sleep(150);
    const t0 = performance.now();
    const r = await call('GET', `/axis-cgi/playclip.cgi?clip=${beep.id}`);
    const t1 = performance.now();
    if (r.status !== 200) throw new Error(`playclip: ${r.status} ${r.body}`);
    const at = await mon.onset(t0, 2000);
    const st = JSON.parse((await call('GET', '/api/v1/audio/status')).body) as { lastStartLatencyMs: number | null };
    if (i < 5) continue; // warm-up: first decodes load GStreamer plugins
    if (at !== null) toSpeaker.push(at - t0);
    http.push(t1 - t0);
    if (st.lastStartLatencyMs !== null) toSink.push(st.lastStartLatencyMs);
  }
  await call('GET', '/axis-cgi/stopclip.cgi');

  // --- transmit: 16 kHz µ-law in 20 ms chunks, a 1 kHz burst every 500 ms
  const burstLat: number[] = [];
  const bursts = opts.bursts ?? 12;
  await new Promise<void>((resolve, reject) => {
    const path = '/axis-cgi/audio/transmit.cgi';
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'Content-Type': 'audio/axis-mulaw-128', 'Transfer-Encoding': 'chunked', Authorization: authHeader('POST', path) } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    const silence = Buffer.alloc(320, 0xff);
    const burst = Buffer.alloc(320);
    for (let i = 0; i < 320; i++) burst[i] = mulawOf(Math.round(12000 * Math.sin((2 * Math.PI * 1000 * i) / 16000)));
    let n = 0;
    let sent = 0;
    const t0 = performance.now();
    const pending: number[] = [];
    const tick = async () => {
      // paced by the clock, not by the timer: late ticks send what is due
      const due = Math.floor((performance.now() - t0) / 20) + 1;
      while (n < due) {
        const isBurst = n > 25 && n % 25 === 0 && sent < bursts;
        if (isBurst) {
          sent++;
          pending.push(performance.now());
          req.write(Buffer.concat([burst, burst]));
          n += 2;
        } else {
          req.write(silence);
          n++;
        }
      }
      if (sent >= bursts && pending.length === 0) {
        req.end();
        return;
      }
      setTimeout(() => void tick(), 5);
    };
    void tick();
    // measure each burst's onset as it happens
    void (async () => {
      while (sent < bursts || pending.length) {
        const since = pending[0];
        if (since === undefined) {
          await sleep(5);
          continue;
        }
        const at = await mon.onset(since, 4000, 2000);
        pending.shift();
        if (at !== null) burstLat.push(at - since);
      }
    })();
  });

  // --- receive: a step in the room's noise → the first loud sample at a receive.cgi client
  const receiveLat = await receiveLatency(opts.steps ?? 8);

  // --- speaker test on the device
  const axast = async (cmd: string) => call('POST', '/vapix/axast', JSON.stringify({ [`axast:${cmd}`]: {} }), { 'Content-Type': 'application/json' });
  const untilDone = async () => {
    for (;;) {
      const r = JSON.parse((await call('GET', '/api/v1/speaker-test')).body) as { status: string; details?: { durationMs?: number; attempts?: number } };
      if (r.status !== 'Pending') return r;
      await sleep(50);
    }
  };
  let t = performance.now();
  await axast('CalibrateSpeakerTest');
  const cal = await untilDone();
  const calibrateMs = performance.now() - t;
  t = performance.now();
  await axast('PerformSpeakerTest');
  const test = await untilDone();
  const testMs = performance.now() - t;
  mon.close();

  const finalStatus = JSON.parse((await call('GET', '/api/v1/audio/status')).body) as { memoryMB?: Record<string, number> };
  let audiodMemory: { pssMB: number; pssAnonMB: number; process?: Record<string, number> } | null = null;
  if (opts.audiodPid) {
    const text = readFileSync(`/proc/${opts.audiodPid}/smaps_rollup`, 'utf8');
    const mb = (f: string) => round(Number(new RegExp(`^${f}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) / 1024, 1) ?? NaN;
    audiodMemory = { pssMB: mb('Pss'), pssAnonMB: mb('Pss_Anon'), process: finalStatus.memoryMB };
  }
  const hop = await proxyHop(opts.hops ?? 2000);
  const l = (x: number[]) => ({ ...latency(x, 1), p95: round([...x].sort((a, b) => a - b)[Math.ceil(0.95 * x.length) - 1] ?? NaN, 1) });
  process.stdout.write(
    JSON.stringify({
      clipStart: { plays, toSpeakerMs: l(toSpeaker), toSinkMs: l(toSink), httpAnswerMs: l(http) },
      transmit: { bursts: burstLat.length, addedLatencyMs: l(burstLat), jitterBufferMs: 120 },
      receive: { steps: receiveLat.length, latencyMs: l(receiveLat) },
      audiodMemory,
      proxyHop: hop,
      speakerTest: { calibrate: { status: cal.status, wallMs: round(calibrateMs, 0) }, test: { status: test.status, wallMs: round(testMs, 0), attempts: test.details?.attempts ?? null } },
    }) + '\n',
  );
}

/**
 * Receive latency: the bench raises the room's ambient noise from −90 to −20 dBFS (the microphone
 * hears it from the next frame); the time from that request to the first loud sample (|s| ≥ 512:
 * µ-law exponent ≥ 4, which −90 dBFS never reaches) read by a receive.cgi client (16 kHz µ-law,
 * singlepart, through httpd). Includes the card's 20 ms frame, audiod's microphone link and the
 * proxy hop. `steps` rounds, each after 500 ms of quiet.
 */
async function receiveLatency(steps: number): Promise<number[]> {
  const bench = readFileSync(join(paths.run, 'bench.url'), 'utf8').trim();
  const noise = (noiseDb: number) => fetch(`${bench}/bench/acoustic`, { method: 'POST', body: JSON.stringify({ noiseDb }) }).then((r) => r.arrayBuffer());
  await noise(-90);
  const path = '/axis-cgi/audio/receive.cgi?audiosamplerate=16000&httptype=singlepart';
  let loudAt = 0;
  let armed = false;
  const req = request({ host: '127.0.0.1', port, method: 'GET', path, headers: { Authorization: authHeader('GET', path) } }, (res) => {
    res.on('data', (b: Buffer) => {
      if (!armed) return;
      for (const byte of b) {
        if (((~byte >> 4) & 7) < 4) continue;
        loudAt = performance.now();
        armed = false;
        return;
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  const out: number[] = [];
  await sleep(500);
  for (let i = 0; i < steps; i++) {
    loudAt = 0;
    armed = true;
    const t0 = performance.now();
    await noise(-20);
    const end = performance.now() + 2000;
    while (!loudAt && performance.now() < end) await sleep(1);
    if (loudAt) out.push(loudAt - t0);
    armed = false;
    await noise(-90);
    await sleep(500);
  }
  req.destroy();
  return out;
}

/** CPU time (ms) a process has used so far (Linux USER_HZ = 100). */
function cpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** One GET straight to audiod's socket, as the front door sends it. */
function direct(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(paths.run, 'audiod/http.sock'), method: 'GET', path, headers: { 'x-belfry-user': USER, 'x-belfry-role': 'admin', 'x-belfry-via': 'digest' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The proxy hop: `stopclip.cgi` (a declared route of audiod, nothing playing) through httpd's front
 * door (Digest with nonce reuse, httpd forwards over audiod's socket) beside the same GET sent
 * straight to audiod's socket. Sequential requests; latency request → answer read; httpd's and
 * audiod's CPU per request from /proc over each run.
 */
async function proxyHop(n: number) {
  const path = '/axis-cgi/stopclip.cgi';
  const run = async (one: () => Promise<unknown>) => {
    for (let i = 0; i < 100; i++) await one();
    const lat: number[] = [];
    const c0 = { httpd: cpuMs(opts.httpdPid), audiod: cpuMs(opts.audiodPid) };
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await one();
      lat.push(performance.now() - t);
    }
    const per = (k: 'httpd' | 'audiod', pid: number | undefined) => round(((cpuMs(pid) - c0[k]) * 1000) / n, 0);
    return { ...latency(lat, 3), cpuUsPerRequest: { httpd: per('httpd', opts.httpdPid), audiod: per('audiod', opts.audiodPid) } };
  };
  const viaFrontDoor = await run(() => call('GET', path));
  const directToOwner = await run(() => direct(path));
  return { requests: n, path, viaFrontDoor, directToOwner };
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`audio-bench: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);

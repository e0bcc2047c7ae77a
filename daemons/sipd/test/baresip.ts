// baresip (Debian's baresip-core) as a real phone for the media tests: headless, with a config dir
// this helper writes — an audio source from `aufile` (a WAV file; this build's `ausine` runs only at
// 48 kHz), ALSA's `null` device as a player that needs no sound card, `sndfile` dumping what it sends and what it decodes to WAV files — and
// driven over its `ctrl_tcp` module (netstring-framed JSON commands, events back on the same socket).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './helpers.js';

export interface BaresipEvent {
  type: string;
  class?: string;
  peeruri?: string;
  param?: string;
  at: number;
}

export interface Baresip {
  /** events as ctrl_tcp reports them (CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED, …), with when they came */
  events: BaresipEvent[];
  command(command: string, params?: string): Promise<{ ok: boolean; data: string }>;
  /** the dump of what baresip decoded from the device ("dec") or sent ("enc"); complete once stopped */
  dump(which: 'dec' | 'enc'): { rate: number; samples: Int16Array };
  /** whether baresip's status line shows audio coming in (`audio=<tx>/<rx> (bit/s)`, rx above 0) */
  receiving(): boolean;
  /** the end of baresip's own output (for failure messages) */
  log(): string;
  /** ends baresip (its dumps stay until the test's teardown) */
  stop(): Promise<void>;
}

/** A 16-bit mono WAV of a sine (`aufile` wants the codec's rate: 8000 Hz for G.711). */
export function toneWav(path: string, hz: number, seconds: number, rate = 8000, amp = 0.4): void {
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(amp * 32767 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([h, data]));
}

/** The samples of a 16-bit mono WAV, walking its chunks (libsndfile may write more than the 44-byte header). */
export function readWavBytes(b: Buffer): { rate: number; samples: Int16Array } {
  let rate = 8000;
  for (let off = 12; off + 8 <= b.length; ) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'fmt ') rate = b.readUInt32LE(off + 12);
    if (id === 'data') {
      // a dump still open has a size of 0 or past the end: take what is there
      const end = size && off + 8 + size <= b.length ? off + 8 + size : b.length;
      const pcm = Buffer.from(b.subarray(off + 8, off + 8 + ((end - off - 8) & ~1)));
      return { rate, samples: new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2) };
    }
    off += 8 + size + (size & 1);
  }
  return { rate, samples: new Int16Array(0) };
}

export const readWav = (path: string) => readWavBytes(readFileSync(path));

/**
 * Starts baresip on `address` (SIP on port 5060, ctrl_tcp on 4444 of the same address, RTP in
 * `rtpPorts`). `source` is baresip's audio source, e.g. `aufile,/tmp/tone.wav`;
 * `answer: 'auto'` answers calls at once.
 */
export async function startBaresip(t: { teardown(fn: () => unknown): void }, o: { address: string; source: string; answer?: 'auto' | 'manual'; rtpPorts?: string }): Promise<Baresip> {
  const dir = mkdtempSync(join(tmpdir(), 'belfry-baresip-'));
  const config = [
    `sip_listen ${o.address}:5060`,
    // ALSA's null device: a player that takes audio in real time with no sound card
    'audio_player alsa,null',
    'audio_alert alsa,null',
    `audio_source ${o.source}`,
    'audio_level no',
    // media on loopback: left to itself baresip advertises (and sends RTP from) eth0's address
    `net_interface ${o.address}`,
    `rtp_ports ${o.rtpPorts ?? '27000-27099'}`,
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module alsa.so',
    'module aufile.so',
    'module sndfile.so',
    'module_tmp account.so',
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen ${o.address}:4444`,
    `snd_path ${dir}`,
  ];
  writeFileSync(join(dir, 'config'), config.join('\n') + '\n');
  writeFileSync(join(dir, 'accounts'), `<sip:phone@${o.address}>;regint=0;answermode=${o.answer ?? 'manual'}\n`);
  writeFileSync(join(dir, 'contacts'), '');
  // BARESIP_TRACE=-s (SIP trace) or -v (verbose) goes into log(), for a failing test's message
  const proc: ChildProcess = spawn('baresip', ['-f', dir, ...(process.env.BARESIP_TRACE ? [process.env.BARESIP_TRACE] : [])], { stdio: ['pipe', 'pipe', 'pipe'] });
  let log = '';
  // its colours out (ESC [ … m), so the log reads as text
  const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
  const keep = (d: Buffer) => (log = (log + d.toString().replace(ansi, '')).slice(-20_000));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  const ctrl: { sock?: Socket } = {};
  const stop = async () => {
    ctrl.sock?.destroy();
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  };
  t.teardown(async () => (await stop(), rmSync(dir, { recursive: true, force: true })));

  await until(() => /baresip is ready/.test(log) || proc.exitCode !== null, 'baresip starts', 15_000);
  if (proc.exitCode !== null) throw new Error(`baresip did not start: ${log}`);
  const sock = await new Promise<Socket>((resolve, reject) => {
    const s = connect(4444, o.address, () => resolve(s));
    s.on('error', reject);
  });
  ctrl.sock = sock;
  const events: BaresipEvent[] = [];
  const waiting = new Map<string, (r: { ok: boolean; data: string }) => void>();
  let buf = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    // netstrings: <length>:<json>,
    for (;;) {
      const colon = buf.indexOf(':');
      if (colon < 0) break;
      const len = Number(buf.toString('ascii', 0, colon));
      if (buf.length < colon + 1 + len + 1) break;
      const msg = JSON.parse(buf.toString('utf8', colon + 1, colon + 1 + len)) as Record<string, unknown>;
      buf = buf.subarray(colon + 2 + len);
      if (msg.event) events.push({ type: String(msg.type), class: msg.class as string, peeruri: msg.peeruri as string, param: msg.param as string, at: performance.now() });
      else if (msg.response && typeof msg.token === 'string') waiting.get(msg.token)?.({ ok: msg.ok === true, data: String(msg.data ?? '') });
    }
  });
  sock.on('error', () => undefined);
  let token = 0;
  return {
    events,
    command(command, params) {
      const id = String(++token);
      const body = JSON.stringify({ command, ...(params !== undefined ? { params } : {}), token: id });
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        sock.write(`${Buffer.byteLength(body)}:${body},`);
      });
    },
    dump(which) {
      const file = readdirSync(dir).find((f) => f.startsWith('dump-') && f.endsWith(`-${which}.wav`));
      if (!file) throw new Error(`no ${which} dump in ${readdirSync(dir).join(', ')}: ${log}`);
      return readWav(join(dir, file));
    },
    receiving: () => /audio=\d+\/[1-9]\d* \(bit\/s\)\s*$/.test(log),
    log: () => log,
    stop,
  };
}

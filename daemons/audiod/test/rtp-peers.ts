/**
 * Real RTP peers for the SIP media tests: gst-launch senders and receivers on loopback, and a raw
 * UDP socket for hand-built packets. Each one is stopped by the test's teardown.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { parseWavPrefix } from '../src/pcm.js';

type Teardown = { teardown(fn: () => unknown): void };

function gst(t: Teardown, args: string): ChildProcess {
  const child = spawn('gst-launch-1.0', ['-q', '-e', ...args.split(' ')], { stdio: 'ignore' });
  t.teardown(() => stopChild(child));
  return child;
}

/** SIGINT (with -e the pipeline finishes its file), SIGKILL if it lingers. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const k = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('close', () => {
      clearTimeout(k);
      resolve();
    });
    child.kill('SIGINT');
  });
}

type PhoneCodec = 'PCMU' | 'PCMA' | 'opus';
const ENCODE: Record<PhoneCodec, string> = { PCMU: 'mulawenc ! rtppcmupay', PCMA: 'alawenc ! rtppcmapay', opus: 'opusenc ! rtpopuspay pt=111' };

/** A phone sending a `hz` tone as 20 ms RTP packets (G.711 µ-law, payload type 0, by default), in real time. */
export function toneSender(t: Teardown, port: number, hz: number, opts: { seconds?: number; codec?: PhoneCodec } = {}): ChildProcess {
  const rate = opts.codec === 'opus' ? 16000 : 8000;
  const buffers = Math.round((opts.seconds ?? 30) * 50);
  return gst(t, `audiotestsrc is-live=true freq=${hz} volume=0.5 samplesperbuffer=${rate / 50} num-buffers=${buffers} ! audio/x-raw,rate=${rate},channels=1 ! ${ENCODE[opts.codec ?? 'PCMU']} ! udpsink host=127.0.0.1 port=${port}`);
}

/** A phone receiving RTP (G.711 µ-law by default) on `port` into a WAV file; `stop()` finalises the file. */
export function wavReceiver(t: Teardown, port: number, path: string, codec: 'PCMU' | 'opus' = 'PCMU'): { child: ChildProcess; stop(): Promise<void> } {
  const caps = codec === 'opus' ? 'application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=111' : 'application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMU,payload=0';
  const decode = codec === 'opus' ? 'rtpopusdepay ! opusdec ! audioconvert ! audioresample ! audio/x-raw,rate=8000,channels=1' : 'rtppcmudepay ! mulawdec';
  const child = gst(t, `udpsrc address=127.0.0.1 port=${port} caps=${caps} ! rtpjitterbuffer latency=60 ! ${decode} ! wavenc ! filesink location=${path}`);
  return { child, stop: () => stopChild(child) };
}

/** The samples of a 16-bit WAV file gst's wavenc wrote. */
export function readWav(path: string): Int16Array {
  const b = readFileSync(path);
  const w = parseWavPrefix(b);
  if (!w) throw new Error(`${path} is not a WAV file (${b.length} bytes)`);
  const data = Buffer.from(b.subarray(w.headerBytes, w.headerBytes + ((b.length - w.headerBytes) & ~1)));
  return new Int16Array(data.buffer, data.byteOffset, data.length / 2);
}

/** A free UDP port on loopback now (bound and released). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A raw UDP peer: sends hand-built packets and keeps what arrives. */
export async function udpPeer(t: Teardown, address = '127.0.0.1'): Promise<{ socket: Socket; port: number; got: { msg: Buffer; from: RemoteInfo }[]; send(b: Buffer, port: number): Promise<void> }> {
  const socket = createSocket('udp4');
  const got: { msg: Buffer; from: RemoteInfo }[] = [];
  socket.on('message', (msg, from) => got.push({ msg, from }));
  await new Promise<void>((r) => socket.bind(0, address, () => r()));
  t.teardown(() => new Promise<void>((r) => socket.close(() => r())));
  return { socket, port: socket.address().port, got, send: (b, port) => new Promise<void>((r) => socket.send(b, port, '127.0.0.1', () => r())) };
}

/** An RFC 4733 telephone-event packet, built here byte by byte (not with the code under test). */
export function telephoneEvent(o: { pt: number; seq: number; ts: number; event: number; end: boolean; duration: number; marker?: boolean }): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 0x80;
  b[1] = (o.marker ? 0x80 : 0) | o.pt;
  b.writeUInt16BE(o.seq, 2);
  b.writeUInt32BE(o.ts, 4);
  b.writeUInt32BE(0x1234abcd, 8);
  b[12] = o.event;
  b[13] = (o.end ? 0x80 : 0) | 10;
  b.writeUInt16BE(o.duration, 14);
  return b;
}

/** gst-launch children of this process running a session's pipelines, `<pid> <args>` (a jitter buffer or a loopback udpsink of audiod's). */
export function sessionPipelines(): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n');
  return out.filter((l) => l.includes('gst-launch') && (l.includes('udpsrc address=127.0.0.1') && l.includes('rtpjitterbuffer latency') && !l.includes('wavenc') || l.includes('rawaudioparse') && l.includes('udpsink')));
}

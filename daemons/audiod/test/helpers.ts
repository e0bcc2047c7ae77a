/**
 * Helpers the integration tests share on top of `device.ts`: media-socket requests that carry a
 * body (an upload answers only after its bytes arrived, so `d.media` cannot be used for it), event
 * recording and polling.
 */
import { connect, type Socket } from 'node:net';
import { wavFile } from '@belfry/board';
import { join } from 'node:path';
import { BelfryError, subscribeEvents, type BelfryEvent } from '@belfry/core';
import { MEDIA_SOCKET } from '../src/contract.js';
import { sleep, type AudioDevice, type Tap } from './device.js';

export interface MediaExchange {
  sock: Socket;
  reply: Record<string, any>;
  /** bytes after the reply line that arrived with it */
  rest: Buffer;
}

/** Sends `line` (a request object, or raw bytes as they are) and `body`, and resolves with the first reply line. */
export function mediaRequest(d: AudioDevice, line: object | Buffer, body?: Buffer, opts: { end?: boolean } = {}): Promise<MediaExchange> {
  return new Promise((resolve, reject) => {
    const sock = connect(join(d.tb.paths.run, MEDIA_SOCKET));
    let buf = Buffer.alloc(0);
    // a hang becomes a failure that says where, not a file timeout; longer than audiod's own 20 s
    // limit for analysing an upload, which a loaded CI machine can approach
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no reply line within 30 s to ${Buffer.isBuffer(line) ? 'raw bytes' : JSON.stringify(line)}`));
    }, 30_000);
    const onData = (b: Buffer) => {
      buf = Buffer.concat([buf, b]);
      const nl = buf.indexOf(10);
      if (nl < 0) return;
      clearTimeout(timer);
      sock.off('data', onData);
      sock.pause();
      try {
        resolve({ sock, reply: JSON.parse(buf.subarray(0, nl).toString()) as Record<string, any>, rest: buf.subarray(nl + 1) });
      } catch (err) {
        reject(err as Error);
      }
    };
    sock.on('data', onData);
    // audiod may answer and close while the body is still going out (a refused upload): EPIPE is expected then
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`media socket closed without a reply (got ${JSON.stringify(buf.toString())})`));
    });
    sock.on('connect', () => {
      sock.write(Buffer.isBuffer(line) ? line : JSON.stringify(line) + '\n');
      if (body) sock.write(body);
      if (opts.end) sock.end();
    });
  });
}

/** Uploads a clip; the reply line ({ok,clip,replaced} or {error}). */
export async function upload(d: AudioDevice, name: string, filename: string, bytes: Buffer): Promise<Record<string, any>> {
  const r = await mediaRequest(d, { op: 'upload', name, filename, bytes: bytes.length }, bytes);
  r.sock.destroy();
  return r.reply;
}

/** Downloads a clip: the reply line and the bytes that follow it. */
export async function download(d: AudioDevice, clip: number): Promise<{ reply: Record<string, any>; bytes: Buffer }> {
  const r = await mediaRequest(d, { op: 'download', clip });
  const chunks = [r.rest];
  r.sock.on('data', (b: Buffer) => chunks.push(b));
  await new Promise<void>((resolve) => {
    r.sock.on('end', () => resolve());
    r.sock.on('close', () => resolve());
    r.sock.resume();
  });
  return { reply: r.reply, bytes: Buffer.concat(chunks) };
}

/** Every line the socket sends from now on (after the first reply line), as parsed JSON. */
export function replyLines(x: MediaExchange): { lines: Record<string, any>[]; at: number[]; closed: Promise<void> } {
  const lines: Record<string, any>[] = [];
  const at: number[] = [];
  let buf = x.rest;
  const take = () => {
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
      lines.push(JSON.parse(buf.subarray(0, nl).toString()) as Record<string, any>);
      at.push(performance.now());
      buf = buf.subarray(nl + 1);
    }
  };
  take();
  x.sock.on('data', (b: Buffer) => {
    buf = Buffer.concat([buf, b]);
    take();
  });
  const closed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the media socket did not close within 15 s (lines so far: ${JSON.stringify(lines)})`)), 15_000);
    x.sock.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  x.sock.resume();
  return { lines, at, closed };
}

/** Records events of one producer under `filter` on a bus connection of its own. */
export async function recordEvents(d: AudioDevice, t: { teardown(fn: () => unknown): void }, filter: string, producer = 'audiod'): Promise<BelfryEvent[]> {
  const bus = await d.tb.connect('tester');
  const seen: BelfryEvent[] = [];
  const off = await subscribeEvents(bus, filter, (ev) => seen.push(ev), producer);
  t.teardown(() => off().catch(() => undefined));
  return seen;
}

/** Polls `fn` until it returns something truthy; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 50): Promise<NonNullable<T>> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The error an RPC call failed with (a BelfryError), or a thrown Error when it succeeded. */
export async function rpcError(p: Promise<unknown>): Promise<BelfryError> {
  try {
    const r = await p;
    throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  } catch (err) {
    if (err instanceof BelfryError) return err;
    throw err;
  }
}

/** `samples` from `from` to `to` seconds (at 16 kHz) */
export function slice(s: Int16Array, fromS: number, toS = s.length / 16000): Int16Array {
  return s.subarray(Math.round(fromS * 16000), Math.round(toS * 16000));
}

/** RMS in dBFS (−120 for silence) */
export function rmsDb(s: Int16Array): number {
  let acc = 0;
  for (let i = 0; i < s.length; i++) acc += s[i]! * s[i]!;
  const rms = Math.sqrt(acc / Math.max(1, s.length)) / 32768;
  return rms > 1e-6 ? 20 * Math.log10(rms) : -120;
}

/** Longest run of samples whose 20 ms RMS is above `db`, in seconds (for "played for about this long"). */
export function loudSeconds(s: Int16Array, db = -50): number {
  let n = 0;
  for (let i = 0; i + 320 <= s.length; i += 320) if (rmsDb(s.subarray(i, i + 320)) > db) n++;
  return (n * 320) / 16000;
}

/** a sine at 16 kHz, `amp` linear (0–1) */
export function sine(hz: number, seconds: number, amp: number, rate = 16000): Int16Array {
  const out = new Int16Array(Math.round(seconds * rate));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(amp * 32767 * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

/** A PCM wav of mono 16-bit samples (its size follows exactly from the sample count). */
export function wavBytes(samples: Int16Array, rate = 16000): Buffer {
  return wavFile(samples, rate);
}

/**
 * A monitor tap that starts once the speaker has been silent for 100 ms. Under load the simulated
 * card can hold up to 500 ms of what was written earlier (it drops only beyond that), so a capture
 * started right after a stop may begin with the previous sound.
 */
export async function quietMonitor(d: AudioDevice): Promise<Tap> {
  const mon = d.monitor();
  let from = 0;
  await waitFor('the speaker to be silent', () => {
    const s = mon.samples();
    if (s.length < 1600) return false;
    const tail = s.subarray(s.length - 1600);
    if (!tail.every((v) => Math.abs(v) < 8)) return false;
    from = s.length;
    return true;
  }, 3000, 20);
  return { samples: () => mon.samples().subarray(from), stop: () => mon.stop() };
}

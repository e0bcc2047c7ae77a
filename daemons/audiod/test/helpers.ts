/**
 * Helpers the integration tests share on top of `device.ts`: requests to audiod's own HTTP socket
 * as httpd's front door sends them (uploads, downloads, live transmit and receive), event recording
 * and polling.
 */
import { wavFile } from '@belfry/board';
import { request, type IncomingHttpHeaders } from 'node:http';
import { FORWARD, httpSocketPath } from '@belfry/core/http';
import { BelfryError, subscribeEvents, type BelfryEvent } from '@belfry/core';
import { sleep, type AudioDevice, type Tap } from './device.js';

/** A request to audiod's own socket as httpd's front door forwards it (as `role`); the whole answer. */
export function ownerRequest(d: AudioDevice, method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}, role = 'admin'): Promise<{ status: number; headers: IncomingHttpHeaders; raw: Buffer; text: string }> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string> = { [FORWARD.role]: role, [FORWARD.via]: 'digest', [FORWARD.user]: role, ...headers };
    if (body !== undefined) h['content-length'] = String(Buffer.byteLength(body));
    const req = request({ socketPath: httpSocketPath(d.tb.paths.run, 'audiod'), method, path, headers: h }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, text: raw.toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Uploads a clip through audiod's JSON API: `{ok, clip, replaced}` or `{error:{code,message}}`. */
export async function upload(d: AudioDevice, name: string, filename: string, bytes: Buffer): Promise<Record<string, any>> {
  const r = await ownerRequest(d, 'POST', `/api/v1/clips?name=${encodeURIComponent(name)}&filename=${encodeURIComponent(filename)}`, bytes, { 'content-type': 'application/octet-stream' });
  const j = JSON.parse(r.text) as Record<string, any>;
  return j.error ? j : { ok: true, clip: j.id, replaced: j.replaced };
}

/** Downloads a clip: `{ok, mime, bytes}` (bytes = its length) or `{error}`, and the bytes. */
export async function download(d: AudioDevice, clip: number | string): Promise<{ reply: Record<string, any>; bytes: Buffer }> {
  const r = await ownerRequest(d, 'GET', `/api/v1/clips/${clip}/audio`);
  if (r.status !== 200) return { reply: JSON.parse(r.text) as Record<string, any>, bytes: Buffer.alloc(0) };
  return { reply: { ok: true, mime: r.headers['content-type'], bytes: r.raw.length }, bytes: r.raw };
}

/** A live transmit.cgi on audiod's socket: accepted (audiod plays it) or refused with an answer. */
export interface Transmit {
  /** the refusal, when audiod answered at once; undefined when it took the stream */
  refused?: { status: number; text: string };
  write(b: Buffer): void;
  end(): void;
  destroy(): void;
  /** the answer after playback (200), or null when audiod closed the stream without one (preempted) */
  done: Promise<{ status: number; text: string; at: number } | null>;
}

/** Opens a chunked transmit at `rate` (8000: audio/basic, 16000: audio/axis-mulaw-128), `first` sent with it. */
export async function openTransmit(d: AudioDevice, rate: number, first?: Buffer, type?: string): Promise<Transmit> {
  const req = request({
    socketPath: httpSocketPath(d.tb.paths.run, 'audiod'),
    method: 'POST',
    path: '/axis-cgi/audio/transmit.cgi',
    headers: { [FORWARD.role]: 'viewer', [FORWARD.via]: 'digest', [FORWARD.user]: 'viewer', 'content-type': type ?? (rate === 8000 ? 'audio/basic' : 'audio/axis-mulaw-128') },
  });
  req.on('error', () => undefined);
  const done = new Promise<{ status: number; text: string; at: number } | null>((resolve) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), at: performance.now() }));
      res.on('error', () => resolve(null));
    });
    req.on('close', () => setImmediate(() => resolve(null)));
  });
  req.flushHeaders();
  if (first) req.write(first);
  // accepted: audiod's mixer holds the transmit; refused: audiod answered at once
  let answered: { status: number; text: string } | undefined;
  void done.then((r) => (answered = r ?? { status: 0, text: '' }));
  await waitFor('transmit accepted or refused', async () => answered || (await d.audiod.status({})).playing?.kind === 'transmit', 5000, 10);
  return {
    ...(answered ? { refused: answered } : {}),
    write: (b) => void req.write(b),
    end: () => req.end(),
    destroy: () => req.destroy(),
    done,
  };
}

/** A transmit that must be refused while another holds the speaker: its answer (the stream is closed after). */
export async function refusedTransmit(d: AudioDevice, rate: number): Promise<{ status: number; text: string } | null> {
  const req = request({ socketPath: httpSocketPath(d.tb.paths.run, 'audiod'), method: 'POST', path: '/axis-cgi/audio/transmit.cgi', headers: { [FORWARD.role]: 'viewer', [FORWARD.via]: 'digest', 'content-type': rate === 8000 ? 'audio/basic' : 'audio/axis-mulaw-128' } });
  req.on('error', () => undefined);
  const r = await new Promise<{ status: number; text: string } | null>((resolve) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('close', () => setImmediate(() => resolve(null)));
    req.flushHeaders();
  });
  req.destroy();
  return r;
}

/** A receive.cgi listener on audiod's socket (singlepart µ-law at `rate`): its status and the bytes so far. */
export function openReceive(d: AudioDevice, rate: number): Promise<{ status: number; text: string; bytes(): Buffer; destroy(): void }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: httpSocketPath(d.tb.paths.run, 'audiod'), method: 'GET', path: `/axis-cgi/audio/receive.cgi?audiosamplerate=${rate}&httptype=singlepart`, headers: { [FORWARD.role]: 'viewer', [FORWARD.via]: 'digest', [FORWARD.user]: 'viewer' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => undefined);
      const out = { status: res.statusCode ?? 0, text: '', bytes: () => Buffer.concat(chunks), destroy: () => req.destroy() };
      if (out.status === 200) return resolve(out);
      res.on('end', () => resolve({ ...out, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.message === 'socket hang up' ? undefined : reject(e)));
    req.end();
  });
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

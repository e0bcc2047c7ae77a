import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { BelfryError, toErrorShape, type Logger } from '@belfry/core';
import type { MediaRequest } from './contract.js';
import { StreamSource, type Mixer } from './mixer.js';
import { Downsample2x, Upsample2x, mulawDecode, mulawEncode, parseWavPrefix } from './pcm.js';

const HEADER_MAX = 4096;
const UPLOAD_IDLE_MS = 30_000;

export interface MediaHandlers {
  mixer: Mixer;
  jitterMs(): number;
  /** microphone frames after input gain and mute */
  onInput(fn: (s: Int16Array) => void): () => void;
  micOn(): boolean;
  maxListeners(): number;
  maxUploadBytes(): Promise<number>;
  upload(name: string, filename: string, bytes: Buffer): Promise<{ clip: number; replaced: boolean }>;
  download(clip: number): Promise<{ mime: string; filename: string; bytes: Buffer }>;
  /** a transmit started (for the log and the clip it preempted) */
  log: Logger;
}

/**
 * The media socket: byte streams httpd hands over (and later sipd). A client sends one JSON line
 * (`MediaRequest`), gets one JSON line back (`{"ok":true,…}` or `{"error":{code,message}}`), then
 * bytes flow. Keeping audio off the bus keeps the bus for small messages and gives each stream
 * TCP-like backpressure: a transmit that arrives faster than it plays is paused, not buffered.
 */
export class MediaSocket {
  private server: Server;
  private listeners = 0;
  private sockets = new Set<Socket>();

  constructor(
    private readonly path: string,
    private readonly h: MediaHandlers,
  ) {
    // half-open: a transmit client ends its side when its audio is sent and waits for {done}
    this.server = createServer({ allowHalfOpen: true }, (s) => this.accept(s));
  }

  async listen(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o750 });
    rmSync(this.path, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.path, () => resolve());
    });
    chmodSync(this.path, 0o660);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
    rmSync(this.path, { force: true });
  }

  private accept(sock: Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => undefined);
    let head = Buffer.alloc(0);
    // half-open sockets do not close themselves: a client gone before its request line is closed here
    const onEarlyEnd = () => sock.end();
    sock.once('end', onEarlyEnd);
    const onData = (b: Buffer) => {
      head = Buffer.concat([head, b]);
      const nl = head.indexOf(10);
      if (nl < 0) {
        if (head.length > HEADER_MAX) {
          sock.off('data', onData);
          fail(sock, new BelfryError('bad_request', 'request line too long'));
        }
        return;
      }
      sock.off('data', onData);
      sock.off('end', onEarlyEnd);
      sock.pause();
      const rest = head.subarray(nl + 1);
      let req: MediaRequest;
      try {
        req = JSON.parse(head.subarray(0, nl).toString('utf8')) as MediaRequest;
        if (!req || typeof req !== 'object') throw new Error();
      } catch {
        return fail(sock, new BelfryError('bad_request', 'the request line is not JSON'));
      }
      this.route(sock, req, rest).catch((err) => fail(sock, err));
    };
    sock.on('data', onData);
  }

  private async route(sock: Socket, req: MediaRequest, rest: Buffer): Promise<void> {
    switch (req.op) {
      case 'transmit':
        return this.transmit(sock, req, rest);
      case 'receive':
        return this.receive(sock, req);
      case 'upload':
        return this.upload(sock, req, rest);
      case 'download': {
        if (!Number.isInteger(req.clip)) throw new BelfryError('invalid_argument', 'clip must be an integer');
        const f = await this.h.download(req.clip);
        reply(sock, { ok: true, mime: f.mime, filename: f.filename, bytes: f.bytes.length });
        sock.end(f.bytes);
        return;
      }
      default:
        throw new BelfryError('bad_request', `unknown op ${JSON.stringify((req as { op?: unknown }).op)}`);
    }
  }

  private transmit(sock: Socket, req: Extract<MediaRequest, { op: 'transmit' }>, rest: Buffer): void {
    if (req.codec !== 'mulaw' || (req.rate !== 8000 && req.rate !== 16000)) throw new BelfryError('invalid_argument', 'transmit takes µ-law at 8000 or 16000 Hz');
    this.h.mixer.check('transmit');
    const src = new StreamSource('transmit', this.h.jitterMs());
    let rate: number = req.rate;
    let up = rate === 8000 ? new Upsample2x() : undefined;
    let sniff: Buffer | undefined = Buffer.alloc(0);
    let done = false;
    src.onPressure = (pause) => (pause ? sock.pause() : sock.resume());
    src.onEnded = (reason, detail) => {
      if (done) return;
      done = true;
      if (reason === 'done') {
        reply(sock, { done: true });
        sock.end();
      } else {
        reply(sock, { error: { code: reason === 'preempted' ? 'aborted' : 'internal', message: detail ?? `playback ${reason}` } });
        sock.end();
      }
    };
    const feed = (b: Buffer) => {
      if (sniff) {
        // a leading RIFF/WAV header (ffmpeg -f wav) is skipped; its rate is used when it is µ-law
        sniff = Buffer.concat([sniff, b]);
        const w = parseWavPrefix(sniff);
        if (w === null && sniff.length < 8192) return;
        b = sniff;
        sniff = undefined;
        if (w) {
          if (w.formatTag !== 7 || w.channels !== 1 || (w.rate !== 8000 && w.rate !== 16000)) {
            // the client's mistake, not a playback failure: say what was wrong
            done = true;
            reply(sock, { error: { code: 'invalid_argument', message: `transmit takes mono µ-law at 8000 or 16000 Hz; the WAV header says format ${w.formatTag}, ${w.channels} channel(s), ${w.rate} Hz` } });
            sock.end();
            sock.off('data', feed);
            sock.resume();
            this.h.mixer.stop((s) => s === src, 'error');
            return;
          }
          rate = w.rate;
          up = rate === 8000 ? new Upsample2x() : undefined;
          b = b.subarray(w.headerBytes);
        }
      }
      if (!b.length) return;
      const pcm = mulawDecode(b);
      src.push(up ? up.push(pcm) : pcm);
    };
    this.h.mixer.play(src);
    reply(sock, { ok: true });
    if (rest.length) feed(rest);
    sock.on('data', feed);
    sock.on('end', () => {
      if (sniff?.length) {
        const b = sniff;
        sniff = undefined;
        if (parseWavPrefix(b) === undefined) feed(b);
      }
      src.end();
    });
    sock.on('close', () => {
      if (!done) this.h.mixer.stop((s) => s === src, 'stopped');
    });
    sock.resume();
  }

  private receive(sock: Socket, req: Extract<MediaRequest, { op: 'receive' }>): void {
    if (req.codec !== 'mulaw' || (req.rate !== 8000 && req.rate !== 16000)) throw new BelfryError('invalid_argument', 'receive gives µ-law at 8000 or 16000 Hz');
    if (!this.h.micOn()) throw new BelfryError('unavailable', 'the microphone is switched off');
    if (this.listeners >= this.h.maxListeners()) throw new BelfryError('limit_exceeded', `at most ${this.h.maxListeners()} listeners`);
    this.listeners++;
    const down = req.rate === 8000 ? new Downsample2x() : undefined;
    const off = this.h.onInput((s) => {
      // a listener that cannot keep up loses audio rather than growing audiod's memory
      if (sock.writableLength > 64_000) return;
      sock.write(mulawEncode(down ? down.push(s) : s));
    });
    sock.on('end', () => {
      off();
      sock.end();
    });
    sock.on('close', () => {
      off();
      this.listeners--;
    });
    reply(sock, { ok: true });
    sock.resume();
  }

  private async upload(sock: Socket, req: Extract<MediaRequest, { op: 'upload' }>, rest: Buffer): Promise<void> {
    const max = await this.h.maxUploadBytes();
    if (!Number.isInteger(req.bytes) || req.bytes < 1) throw new BelfryError('invalid_argument', 'the file is empty');
    if (req.bytes > max) throw new BelfryError('limit_exceeded', `the file is larger than the upload limit (${(max / 1e6).toFixed(1)} MB)`);
    if (typeof req.name !== 'string' || typeof req.filename !== 'string') throw new BelfryError('invalid_argument', 'name and filename are required');
    const body = Buffer.alloc(req.bytes);
    let got = Math.min(rest.length, req.bytes);
    rest.copy(body, 0, 0, got);
    await new Promise<void>((resolve, reject) => {
      if (got >= req.bytes) return resolve();
      const timer = setTimeout(() => reject(new BelfryError('timeout', 'upload stalled')), UPLOAD_IDLE_MS);
      sock.on('data', (b: Buffer) => {
        timer.refresh();
        const take = Math.min(b.length, req.bytes - got);
        b.copy(body, got, 0, take);
        got += take;
        if (got >= req.bytes) {
          clearTimeout(timer);
          resolve();
        }
      });
      sock.on('end', () => {
        clearTimeout(timer);
        if (got < req.bytes) reject(new BelfryError('invalid_argument', 'the upload ended early'));
      });
      sock.resume();
    });
    const r = await this.h.upload(req.name, req.filename, body);
    reply(sock, { ok: true, ...r });
    sock.end();
  }
}

function reply(sock: Socket, v: unknown): void {
  if (!sock.destroyed) sock.write(JSON.stringify(v) + '\n');
}
function fail(sock: Socket, err: unknown): void {
  reply(sock, { error: toErrorShape(err) });
  sock.end();
  // whatever the client still sends is dropped, so its end arrives and the half-open socket closes
  sock.resume();
}


import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { ACOUSTIC_FAULTS, type AcousticSettings, type SimDrivers } from './drivers.js';
import { SOUND_CARD_HISTORY_MS, wavFile, type SimSoundCard } from './sound-card.js';

/** Bench requests are tiny JSON objects; anything larger is refused before it is read. */
export const BENCH_MAX_BODY = 4096;
export const BENCH_MAX_HOLD_MS = 60_000;

/** The bench's default ports: below Linux's ephemeral range, so no outgoing connection takes one. */
export const BENCH_PORT_MIN = 20_000;
export const BENCH_PORT_MAX = 31_999;

/** The bench port of a device root: the same at every start, different for most roots side by side. */
export function defaultBenchPort(root: string): number {
  const h = createHash('sha256').update(resolve(root)).digest().readUInt32BE(0);
  return BENCH_PORT_MIN + (h % (BENCH_PORT_MAX - BENCH_PORT_MIN + 1));
}

/** A non-JSON answer (the audio captures). */
class Binary {
  constructor(
    readonly type: string,
    readonly data: Buffer,
  ) {}
}

class BenchError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The simulated board's bench: a small JSON API on 127.0.0.1 to press and hold the control button,
 * flip the microphone switch, read the LEDs, shape the acoustic path and, with a sound card, fetch
 * the last seconds of speaker and microphone audio as WAV. Errors are
 * `{"error":{"code","message"}}` with a 4xx status; a bad request changes nothing.
 */
export class Bench {
  private server: Server;
  private holds = new Set<NodeJS.Timeout>();

  constructor(
    private readonly drivers: SimDrivers,
    private card?: SimSoundCard,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        const e = err instanceof BenchError ? err : new BenchError(500, 'internal', 'internal error');
        send(res, e.status, { error: { code: e.code, message: e.message } });
      });
    });
    this.server.headersTimeout = 5000;
    this.server.requestTimeout = 10000;
    this.server.maxHeadersCount = 50;
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    const { port: p } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${p}`;
  }

  async close(): Promise<void> {
    for (const t of this.holds) clearTimeout(t);
    this.holds.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** the sound card whose audio `/bench/audio/*` serves (it may start after the bench) */
  setCard(card: SimSoundCard | undefined): void {
    this.card = card;
  }

  state() {
    const d = this.drivers;
    const caps = d.capabilities;
    return {
      leds: Object.fromEntries(caps.leds.map((l) => [l.name, d.led(l.name)])),
      buttons: Object.fromEntries(caps.buttons.map((b) => [b, { pressed: d.button(b) }])),
      micSwitch: { on: d.switchOn('mic') },
      acoustic: d.acoustic,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '';
    const qi = url.indexOf('?');
    const path = qi < 0 ? url : url.slice(0, qi);
    const params = new URLSearchParams(qi < 0 ? '' : url.slice(qi + 1));
    const routes: Record<string, { method: string; run: (body: Record<string, unknown>) => unknown }> = {
      '/bench/state': { method: 'GET', run: () => this.state() },
      '/bench/button': { method: 'POST', run: (b) => this.button(b) },
      '/bench/mic-switch': { method: 'POST', run: (b) => this.micSwitch(b) },
      '/bench/acoustic': { method: 'POST', run: (b) => this.acoustic(b) },
      '/bench/audio/speaker': { method: 'GET', run: () => this.audio('speaker', params) },
      '/bench/audio/microphone': { method: 'GET', run: () => this.audio('microphone', params) },
    };
    const route = path !== undefined && Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!route) throw new BenchError(404, 'not_found', `no bench endpoint ${path}`);
    if (req.method !== route.method) {
      res.setHeader('Allow', route.method);
      throw new BenchError(405, 'method_not_allowed', `${path} takes ${route.method}`);
    }
    const body = route.method === 'POST' ? await readJson(req) : {};
    const out = route.run(body);
    if (out instanceof Binary) {
      res.writeHead(200, { 'Content-Type': out.type, 'Content-Length': out.data.length });
      res.end(out.data);
    } else send(res, 200, out);
  }

  private audio(which: 'speaker' | 'microphone', q: URLSearchParams): Binary {
    const raw = q.get('ms');
    const ms = raw === null ? 1000 : /^[0-9]{1,6}$/.test(raw) ? Number(raw) : NaN;
    if (!(ms >= 1 && ms <= SOUND_CARD_HISTORY_MS)) throw new BenchError(400, 'invalid_argument', `"ms" must be an integer 1–${SOUND_CARD_HISTORY_MS}`);
    if (!this.card) throw new BenchError(404, 'not_found', 'this bench has no sound card');
    const samples = which === 'speaker' ? this.card.speakerSamples(ms) : this.card.micSamples(ms);
    return new Binary('audio/wav', wavFile(samples));
  }

  private button(b: Record<string, unknown>) {
    const name = b.name;
    if (typeof name !== 'string' || !this.drivers.capabilities.buttons.includes(name)) {
      throw new BenchError(400, 'invalid_argument', `"name" must be one of ${this.drivers.capabilities.buttons.join(', ')}`);
    }
    const action = b.action;
    if (action === 'press') this.drivers.setButton(name, true);
    else if (action === 'release') this.drivers.setButton(name, false);
    else if (action === 'hold') {
      const ms = b.ms;
      if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 1 || ms > BENCH_MAX_HOLD_MS) {
        throw new BenchError(400, 'invalid_argument', `"ms" must be an integer 1–${BENCH_MAX_HOLD_MS}`);
      }
      this.drivers.setButton(name, true);
      const t = setTimeout(() => {
        this.holds.delete(t);
        this.drivers.setButton(name, false);
      }, ms);
      this.holds.add(t);
    } else throw new BenchError(400, 'invalid_argument', '"action" must be press, release or hold');
    return this.state();
  }

  private micSwitch(b: Record<string, unknown>) {
    if (typeof b.on !== 'boolean') throw new BenchError(400, 'invalid_argument', '"on" must be true or false');
    this.drivers.setSwitch('mic', b.on);
    return this.state();
  }

  private acoustic(b: Record<string, unknown>) {
    const next: AcousticSettings = { ...this.drivers.acoustic };
    const known = new Set(['fault', 'dB', 'cutoffHz', 'noiseDb', 'seed']);
    for (const k of Object.keys(b)) if (!known.has(k)) throw new BenchError(400, 'invalid_argument', `unknown field "${k}"`);
    if (b.fault !== undefined) {
      if (!(ACOUSTIC_FAULTS as readonly unknown[]).includes(b.fault)) throw new BenchError(400, 'invalid_argument', `"fault" must be one of ${ACOUSTIC_FAULTS.join(', ')}`);
      next.fault = b.fault as AcousticSettings['fault'];
    }
    next.dB = num(b.dB, 'dB', 0, 120, next.dB);
    next.cutoffHz = num(b.cutoffHz, 'cutoffHz', 20, 24000, next.cutoffHz);
    next.noiseDb = num(b.noiseDb, 'noiseDb', -150, 0, next.noiseDb);
    next.seed = num(b.seed, 'seed', 0, 2 ** 32 - 1, next.seed, true);
    this.drivers.setAcoustic(next);
    return this.state();
  }
}

function num(v: unknown, name: string, min: number, max: number, dflt: number, integer = false): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new BenchError(400, 'invalid_argument', `"${name}" must be ${integer ? 'an integer' : 'a number'} ${min}–${max}`);
  }
  return v;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const len = Number(req.headers['content-length'] ?? 0);
  if (len > BENCH_MAX_BODY) {
    req.resume();
    throw new BenchError(413, 'limit_exceeded', `body larger than ${BENCH_MAX_BODY} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > BENCH_MAX_BODY) throw new BenchError(413, 'limit_exceeded', `body larger than ${BENCH_MAX_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  let v: unknown;
  try {
    v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BenchError(400, 'bad_request', 'body is not valid JSON');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new BenchError(400, 'bad_request', 'body must be a JSON object');
  return v as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

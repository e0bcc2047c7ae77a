import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { wavFile as pcmWav } from '../wav.js';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { AcousticSettings, SimDrivers } from './drivers.js';
import { SampleHistory, SpeakerQueue } from './card-buffers.js';
import { RoomModel, SIM_AUDIO_RATE, SIM_FRAME } from './room.js';

export const SOUND_CARD_ROLES = ['speaker', 'mic', 'monitor'] as const;
export type SoundCardRole = (typeof SOUND_CARD_ROLES)[number];

const FRAME_NS = BigInt(Math.round((SIM_FRAME / SIM_AUDIO_RATE) * 1e9));
const FRAME_MS = (SIM_FRAME / SIM_AUDIO_RATE) * 1000;
/** after a stall the card plays at most this many frames more than one period at once and skips the rest, as hardware would underrun */
const MAX_CATCH_UP = 5;
const HELLO_MAX = 1024;
/** a mic or monitor reader this far behind is dropped rather than buffered without bound */
const MAX_CLIENT_BACKLOG = 1 << 20;
export const SOUND_CARD_HISTORY_MS = 30_000;
/** a reader's period (hello `periodMs`): whole frames, at most a second */
export const SOUND_CARD_PERIOD_MS = { min: FRAME_MS, max: 1000 } as const;
/** while only idle speakers are attached, the card keeps its history current this often */
const IDLE_SPEAKER_PERIOD_FRAMES = 1000 / FRAME_MS;
/** frames of silence on the speaker before the room counts as still (its tails are long gone) */
const SETTLE_FRAMES = 25;
const ZERO_FRAME = new Int16Array(SIM_FRAME);

/** A mic or monitor client: it gets its samples once per period, as an ALSA period. */
interface Reader {
  sock: Socket;
  periodFrames: number;
  pending: Int16Array;
  filled: number;
}

/**
 * The simulated board's sound card: a Unix socket where audiod plays the speaker and records the
 * microphone, clocked by its own 20 ms grid like a real codec (see daemons/audiod/README.md). The
 * speaker passes through the room model to the microphone; the mic switch off gives digital zeros.
 * It keeps the last 30 s of both for the bench.
 *
 * Like a real ALSA device it only runs while opened: with no client attached the clock stops, and
 * it wakes no more often than its clients need — every frame while a speaker has samples queued
 * (so playback starts on the next frame, as today) or a reader asked for 20 ms periods, else once
 * per the shortest reader period (hello `periodMs`). Frames are always computed for the whole
 * elapsed time on the same grid; a period only batches their delivery. While the speaker has been
 * silent for SETTLE_FRAMES the room is still and the microphone hears its ambient noise loop.
 */
export class SimSoundCard {
  private server: Server;
  private speakers = new Map<Socket, SpeakerQueue>();
  private readers = { mic: new Map<Socket, Reader>(), monitor: new Map<Socket, Reader>() };
  private pending = new Set<Socket>();
  private room: RoomModel;
  private offAcoustic: () => void;
  private timer: NodeJS.Timeout | undefined;
  /** the frame slot the pending timer fires at */
  private timerAt = -1;
  private startNs = 0n;
  private frames = 0;
  /** frame slots not played: after stalls, and while the card was stopped (the grid stays anchored) */
  private skipped = 0;
  private stopped = true;
  private quietFrames = SETTLE_FRAMES;
  private closed = false;
  private speakerHistory = new SampleHistory((SIM_AUDIO_RATE * SOUND_CARD_HISTORY_MS) / 1000);
  private micHistory = new SampleHistory((SIM_AUDIO_RATE * SOUND_CARD_HISTORY_MS) / 1000);
  private mix = new Int32Array(SIM_FRAME);
  private mixFloat = new Float32Array(SIM_FRAME);

  constructor(
    private readonly drivers: SimDrivers,
    readonly socketPath: string,
  ) {
    this.room = new RoomModel(drivers.acoustic);
    this.offAcoustic = drivers.onAcoustic((s: AcousticSettings) => (this.room = new RoomModel(s)));
    this.server = createServer((sock) => this.accept(sock));
  }

  /** frames played since listen() (skipped frames after a stall or while stopped are not counted) */
  get framesPlayed(): number {
    return this.frames;
  }

  /** whether the clock runs (some client is attached) */
  get running(): boolean {
    return !this.stopped;
  }

  async listen(): Promise<void> {
    mkdirSync(dirname(this.socketPath), { recursive: true });
    rmSync(this.socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.socketPath, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    chmodSync(this.socketPath, 0o660);
    this.startNs = process.hrtime.bigint();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.offAcoustic();
    for (const s of [...this.pending, ...this.speakers.keys(), ...this.readers.mic.keys(), ...this.readers.monitor.keys()]) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.socketPath, { force: true });
  }

  /** the last `ms` of what the speaker played (less if the card has not run that long) */
  speakerSamples(ms: number): Int16Array {
    return this.speakerHistory.last(Math.round((ms * SIM_AUDIO_RATE) / 1000));
  }
  /** the last `ms` of what the microphone delivered */
  micSamples(ms: number): Int16Array {
    return this.micHistory.last(Math.round((ms * SIM_AUDIO_RATE) / 1000));
  }

  private accept(sock: Socket): void {
    this.pending.add(sock);
    sock.on('error', () => sock.destroy());
    let hello = Buffer.alloc(0);
    const reject = (error: string) => {
      this.pending.delete(sock);
      sock.removeListener('data', onData);
      sock.end(JSON.stringify({ error }) + '\n');
      // A client that never reads must not hold the socket open.
      setTimeout(() => sock.destroy(), 1000).unref();
    };
    const onData = (chunk: Buffer) => {
      hello = Buffer.concat([hello, chunk]);
      const nl = hello.indexOf(0x0a);
      if (nl < 0) {
        if (hello.length >= HELLO_MAX) reject(`no hello line within ${HELLO_MAX} bytes`);
        return;
      }
      if (nl >= HELLO_MAX) return reject(`no hello line within ${HELLO_MAX} bytes`);
      const h = parseHello(hello.subarray(0, nl));
      if (typeof h === 'string') return reject(h);
      this.pending.delete(sock);
      sock.removeListener('data', onData);
      this.attach(sock, h.role, h.periodMs / FRAME_MS, hello.subarray(nl + 1));
    };
    sock.on('data', onData);
    sock.on('close', () => this.pending.delete(sock));
  }

  private attach(sock: Socket, role: SoundCardRole, periodFrames: number, rest: Buffer): void {
    this.advance();
    if (role === 'speaker') {
      const q = new SpeakerQueue();
      this.speakers.set(sock, q);
      const take = (c: Buffer) => {
        // frames already due are played before these samples arrived: they were not there yet
        this.advance();
        q.write(c);
        this.schedule();
      };
      if (rest.length) q.write(rest);
      sock.on('data', take);
      sock.on('close', () => this.detach(() => this.speakers.delete(sock)));
    } else {
      const set = this.readers[role];
      const r: Reader = { sock, periodFrames, pending: new Int16Array(periodFrames * SIM_FRAME), filled: 0 };
      set.set(sock, r);
      // A reader may change its period later (as ALSA's hw_params can): one `{"periodMs": N}` line each.
      let line = rest;
      const onLine = (chunk: Buffer) => {
        line = line.length ? Buffer.concat([line, chunk]) : chunk;
        for (let nl = line.indexOf(0x0a); nl >= 0 && set.has(sock); nl = line.indexOf(0x0a)) {
          const p = nl < HELLO_MAX ? parsePeriod(line.subarray(0, nl)) : `no line within ${HELLO_MAX} bytes`;
          line = line.subarray(nl + 1);
          if (typeof p === 'string') this.refuseReader(set, r, p);
          else this.repace(r, p / FRAME_MS);
        }
        if (line.length >= HELLO_MAX && set.has(sock)) this.refuseReader(set, r, `no line within ${HELLO_MAX} bytes`);
      };
      onLine(Buffer.alloc(0));
      sock.on('data', onLine);
      sock.on('close', () => this.detach(() => set.delete(sock)));
    }
    this.schedule();
  }

  /** A reader's new period: frames already due go out at the old one; a period already full goes out now. */
  private repace(r: Reader, periodFrames: number): void {
    this.advance();
    if (periodFrames === r.periodFrames) return;
    const pending = new Int16Array(periodFrames * SIM_FRAME);
    if (r.filled >= periodFrames) {
      r.sock.write(Buffer.from(r.pending.buffer, r.pending.byteOffset, r.filled * SIM_FRAME * 2));
      r.filled = 0;
    } else pending.set(r.pending.subarray(0, r.filled * SIM_FRAME));
    r.pending = pending;
    r.periodFrames = periodFrames;
    this.schedule();
  }

  /** A reader's bad line: the error, as for a bad hello, and it is closed; its period is unchanged meanwhile. */
  private refuseReader(set: Map<Socket, Reader>, r: Reader, error: string): void {
    this.detach(() => set.delete(r.sock));
    r.sock.end(JSON.stringify({ error }) + '\n');
    setTimeout(() => r.sock.destroy(), 1000).unref();
  }

  /** each reader's period in ms (tests, and to see what the clients asked for) */
  readerPeriodsMs(role: 'mic' | 'monitor'): number[] {
    return [...this.readers[role].values()].map((r) => r.periodFrames * FRAME_MS);
  }

  private detach(remove: () => void): void {
    this.advance();
    remove();
    this.schedule();
  }

  /** frame slots elapsed since listen() */
  private slotsNow(): number {
    return Number((process.hrtime.bigint() - this.startNs) / FRAME_NS);
  }

  /** Plays every frame due by now (none while stopped: a stopped card records nothing). */
  private advance(): void {
    if (this.stopped || this.closed) return;
    let due = this.slotsNow() - (this.frames + this.skipped);
    const cap = MAX_CATCH_UP + Math.max(1, this.timerAt - (this.frames + this.skipped));
    if (due > cap) {
      this.skipped += due - cap;
      due = cap;
    }
    for (let i = 0; i < due; i++) this.frame();
  }

  /** The next wake-up: the first frame slot at which a client needs something; none without clients. */
  private schedule(): void {
    if (this.closed) return;
    const pos = this.frames + this.skipped;
    let at = Infinity;
    for (const q of this.speakers.values()) if (q.queued) at = pos + 1;
    for (const set of [this.readers.mic, this.readers.monitor]) for (const r of set.values()) at = Math.min(at, pos + r.periodFrames - r.filled);
    if (at === Infinity && this.speakers.size > 0) at = pos + IDLE_SPEAKER_PERIOD_FRAMES;
    if (at === Infinity) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = -1;
      this.stopped = true;
      return;
    }
    if (this.stopped) {
      // starting again: the slots while stopped are skipped, the grid keeps its phase
      this.stopped = false;
      this.skipped = this.slotsNow() - this.frames;
      return this.schedule();
    }
    if (this.timer && this.timerAt === at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    const waitMs = Number(BigInt(at) * FRAME_NS - (process.hrtime.bigint() - this.startNs)) / 1e6;
    this.timer = setTimeout(this.tick, Math.max(0, waitMs));
  }

  private tick = (): void => {
    this.timer = undefined;
    this.advance();
    this.timerAt = -1;
    this.schedule();
  };

  private frame(): void {
    this.frames++;
    let sounding = false;
    for (const q of this.speakers.values()) sounding ||= q.queued;
    if (!sounding && this.quietFrames >= SETTLE_FRAMES) return this.stillFrame();
    this.quietFrames = sounding ? 0 : this.quietFrames + 1;
    const mix = this.mix;
    mix.fill(0);
    for (const q of this.speakers.values()) q.mixInto(mix);
    const played = new Int16Array(SIM_FRAME);
    const f = this.mixFloat;
    for (let i = 0; i < SIM_FRAME; i++) {
      const v = mix[i]! > 32767 ? 32767 : mix[i]! < -32768 ? -32768 : mix[i]!;
      played[i] = v;
      f[i] = v / 32768;
    }
    this.speakerHistory.push(played);
    this.deliver(this.readers.monitor, played);

    // The room keeps running with the switch off: the noise stream and the delay line do not pause.
    const heard = this.room.process(f);
    const mic = new Int16Array(SIM_FRAME);
    if (this.drivers.switchOn('mic')) {
      for (let i = 0; i < SIM_FRAME; i++) {
        const v = Math.round(heard[i]! * 32768);
        mic[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
    }
    if (this.quietFrames === SETTLE_FRAMES) this.room.settle();
    this.micHistory.push(mic);
    this.deliver(this.readers.mic, mic);
  }

  /** A frame with a silent speaker in a still room: zeros played, the ambient noise heard. */
  private stillFrame(): void {
    this.speakerHistory.push(ZERO_FRAME);
    this.deliver(this.readers.monitor, ZERO_FRAME);
    const mic = new Int16Array(SIM_FRAME);
    this.room.ambient(mic);
    if (!this.drivers.switchOn('mic')) mic.fill(0);
    this.micHistory.push(mic);
    this.deliver(this.readers.mic, mic);
  }

  /** Adds a frame to each reader's period; a full period goes out in one write. */
  private deliver(to: Map<Socket, Reader>, frame: Int16Array): void {
    for (const r of to.values()) {
      r.pending.set(frame, r.filled * SIM_FRAME);
      if (++r.filled < r.periodFrames) continue;
      const s = r.sock;
      if (s.writableLength > MAX_CLIENT_BACKLOG) {
        to.delete(s);
        s.destroy();
        continue;
      }
      // Int16Array is host-endian; every platform Node runs on here is little-endian, as S16LE wants.
      s.write(Buffer.from(r.pending.buffer, r.pending.byteOffset, r.pending.byteLength));
      r.pending = new Int16Array(r.periodFrames * SIM_FRAME);
      r.filled = 0;
    }
  }
}

/** The hello line: `{"role": …, "periodMs"?: N}` (periodMs for readers: whole frames, 20–1000). */
function parseHello(line: Buffer): { role: SoundCardRole; periodMs: number } | string {
  let v: unknown;
  try {
    v = JSON.parse(line.toString('utf8'));
  } catch {
    return 'hello is not valid JSON';
  }
  const o = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const role = o.role;
  if (!(SOUND_CARD_ROLES as readonly unknown[]).includes(role)) return `"role" must be one of ${SOUND_CARD_ROLES.join(', ')}`;
  if (role === 'speaker' && o.periodMs !== undefined) return '"periodMs" is for mic and monitor readers';
  const p = checkPeriod(o.periodMs ?? FRAME_MS);
  return typeof p === 'string' ? p : { role: role as SoundCardRole, periodMs: p };
}

/** A reader's later line: `{"periodMs": N}` and nothing else. */
function parsePeriod(line: Buffer): number | string {
  let v: unknown;
  try {
    v = JSON.parse(line.toString('utf8'));
  } catch {
    return 'a reader\'s line is not valid JSON';
  }
  const o = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  if (Object.keys(o).length !== 1 || !('periodMs' in o)) return 'a reader may only send {"periodMs": N} after its hello';
  return checkPeriod(o.periodMs);
}

function checkPeriod(p: unknown): number | string {
  const { min, max } = SOUND_CARD_PERIOD_MS;
  if (typeof p !== 'number' || !Number.isInteger(p / FRAME_MS) || p < min || p > max) return `"periodMs" must be a multiple of ${FRAME_MS} from ${min} to ${max}`;
  return p;
}

/** RIFF/WAVE, PCM 16-bit mono at the card's rate. */
export function wavFile(samples: Int16Array, rate = SIM_AUDIO_RATE): Buffer {
  return pcmWav(samples, rate);
}

import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { wavFile as pcmWav } from '../wav.js';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { AcousticSettings, SimDrivers } from './drivers.js';
import { RoomModel, SIM_AUDIO_RATE, SIM_FRAME } from './room.js';

export const SOUND_CARD_ROLES = ['speaker', 'mic', 'monitor'] as const;
export type SoundCardRole = (typeof SOUND_CARD_ROLES)[number];

const FRAME_NS = BigInt(Math.round((SIM_FRAME / SIM_AUDIO_RATE) * 1e9));
/** after a stall the card plays at most this many frames at once and skips the rest, as hardware would underrun */
const MAX_CATCH_UP = 5;
const HELLO_MAX = 1024;
/** a speaker client may run ahead by this much; older samples are dropped */
const SPEAKER_QUEUE_SAMPLES = SIM_AUDIO_RATE / 2;
/** a mic or monitor reader this far behind is dropped rather than buffered without bound */
const MAX_CLIENT_BACKLOG = 1 << 20;
export const SOUND_CARD_HISTORY_MS = 30_000;

/** A fixed-size ring of the most recent samples. */
class SampleHistory {
  private buf: Int16Array;
  private pos = 0;
  private filled = 0;
  constructor(samples: number) {
    this.buf = new Int16Array(samples);
  }
  push(frame: Int16Array): void {
    for (let i = 0; i < frame.length; i++) {
      this.buf[this.pos] = frame[i]!;
      this.pos = this.pos + 1 === this.buf.length ? 0 : this.pos + 1;
    }
    this.filled = Math.min(this.buf.length, this.filled + frame.length);
  }
  last(n: number): Int16Array {
    n = Math.min(n, this.filled);
    const out = new Int16Array(n);
    let start = this.pos - n;
    if (start < 0) start += this.buf.length;
    for (let i = 0; i < n; i++) out[i] = this.buf[(start + i) % this.buf.length]!;
    return out;
  }
}

/** What one speaker client has written and the card has not played yet. */
class SpeakerQueue {
  private ring = new Int16Array(SPEAKER_QUEUE_SAMPLES);
  private head = 0;
  private count = 0;
  /** low byte of a sample split across two chunks, -1 if none */
  private carry = -1;
  dropped = 0;

  write(chunk: Buffer): void {
    let i = 0;
    if (this.carry >= 0 && chunk.length > 0) {
      this.push((chunk[0]! << 8) | this.carry);
      this.carry = -1;
      i = 1;
    }
    for (; i + 1 < chunk.length; i += 2) this.push(chunk[i]! | (chunk[i + 1]! << 8));
    if (i < chunk.length) this.carry = chunk[i]!;
  }

  private push(u16: number): void {
    const s = (u16 << 16) >> 16;
    if (this.count === this.ring.length) {
      this.head = (this.head + 1) % this.ring.length;
      this.count--;
      this.dropped++;
    }
    this.ring[(this.head + this.count) % this.ring.length] = s;
    this.count++;
  }

  /** adds up to `mix.length` queued samples into `mix`; what is missing is silence */
  mixInto(mix: Int32Array): void {
    const n = Math.min(mix.length, this.count);
    for (let i = 0; i < n; i++) {
      mix[i]! += this.ring[this.head]!;
      this.head = this.head + 1 === this.ring.length ? 0 : this.head + 1;
    }
    this.count -= n;
  }
}

/**
 * The simulated board's sound card: a Unix socket where audiod plays the speaker and records the
 * microphone, clocked by its own 20 ms timer like a real codec (see daemons/audiod/README.md). The
 * speaker passes through the room model to the microphone; the mic switch off gives digital zeros.
 * It keeps the last 30 s of both for the bench.
 */
export class SimSoundCard {
  private server: Server;
  private speakers = new Map<Socket, SpeakerQueue>();
  private readers = { mic: new Set<Socket>(), monitor: new Set<Socket>() };
  private pending = new Set<Socket>();
  private room: RoomModel;
  private offAcoustic: () => void;
  private timer: NodeJS.Timeout | undefined;
  private startNs = 0n;
  private frames = 0;
  /** frames skipped after stalls, so the schedule stays anchored to the start time */
  private skipped = 0;
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

  /** frames played since listen() (skipped frames after a stall are not counted) */
  get framesPlayed(): number {
    return this.frames;
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
    this.schedule();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.offAcoustic();
    for (const s of [...this.pending, ...this.speakers.keys(), ...this.readers.mic, ...this.readers.monitor]) s.destroy();
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
      let role: unknown;
      try {
        const v: unknown = JSON.parse(hello.subarray(0, nl).toString('utf8'));
        role = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>).role : undefined;
      } catch {
        return reject('hello is not valid JSON');
      }
      if (!(SOUND_CARD_ROLES as readonly unknown[]).includes(role)) return reject(`"role" must be one of ${SOUND_CARD_ROLES.join(', ')}`);
      this.pending.delete(sock);
      sock.removeListener('data', onData);
      this.attach(sock, role as SoundCardRole, hello.subarray(nl + 1));
    };
    sock.on('data', onData);
    sock.on('close', () => this.pending.delete(sock));
  }

  private attach(sock: Socket, role: SoundCardRole, rest: Buffer): void {
    if (role === 'speaker') {
      const q = new SpeakerQueue();
      this.speakers.set(sock, q);
      if (rest.length) q.write(rest);
      sock.on('data', (c: Buffer) => q.write(c));
      sock.on('close', () => this.speakers.delete(sock));
    } else {
      const set = this.readers[role];
      set.add(sock);
      // Readers have nothing to say; drain whatever they send so it cannot pile up.
      sock.on('data', () => {});
      sock.on('close', () => set.delete(sock));
    }
  }

  private schedule(): void {
    if (this.closed) return;
    const elapsed = process.hrtime.bigint() - this.startNs;
    const next = BigInt(this.frames + this.skipped + 1) * FRAME_NS;
    const waitMs = Number(next - elapsed) / 1e6;
    this.timer = setTimeout(() => this.tick(), Math.max(0, waitMs));
  }

  private tick(): void {
    const elapsed = process.hrtime.bigint() - this.startNs;
    let due = Number(elapsed / FRAME_NS) - (this.frames + this.skipped);
    if (due > MAX_CATCH_UP) {
      this.skipped += due - MAX_CATCH_UP;
      due = MAX_CATCH_UP;
    }
    for (let i = 0; i < due; i++) this.frame();
    this.schedule();
  }

  private frame(): void {
    this.frames++;
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
    this.send(this.readers.monitor, played);

    // The room keeps running with the switch off: the noise stream and the delay line do not pause.
    const heard = this.room.process(f);
    const mic = new Int16Array(SIM_FRAME);
    if (this.drivers.switchOn('mic')) {
      for (let i = 0; i < SIM_FRAME; i++) {
        const v = Math.round(heard[i]! * 32768);
        mic[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
    }
    this.micHistory.push(mic);
    this.send(this.readers.mic, mic);
  }

  private send(to: Set<Socket>, samples: Int16Array): void {
    if (to.size === 0) return;
    // Int16Array is host-endian; every platform Node runs on here is little-endian, as S16LE wants.
    const buf = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    for (const s of to) {
      if (s.writableLength > MAX_CLIENT_BACKLOG) {
        to.delete(s);
        s.destroy();
        continue;
      }
      s.write(buf);
    }
  }
}

/** RIFF/WAVE, PCM 16-bit mono at the card's rate. */
export function wavFile(samples: Int16Array, rate = SIM_AUDIO_RATE): Buffer {
  return pcmWav(samples, rate);
}

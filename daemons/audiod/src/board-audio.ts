import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { BoardProfile } from '@belfry/board';
import type { Logger } from '@belfry/core';
import type { AudioEngine, PcmSink } from './engine/index.js';
import { s16 } from './pcm.js';

/** The speaker and the microphone as audiod sees them, whatever the board. */
export interface BoardAudio {
  speaker: PcmSink;
  /**
   * microphone samples as they arrive (device format), before any input gain. `realtime` listeners
   * (receive.cgi, the speaker test) get them every 20 ms frame; the others (level detection) in
   * periods of MIC_IDLE_PERIOD_MS, so an idle device wakes up a few times a second, not 50.
   */
  onMic(fn: (s: Int16Array) => void, realtime?: boolean): () => void;
  /**
   * the period of the listeners that can wait, MIC_IDLE_PERIOD_MS or MIC_CALM_PERIOD_MS (level
   * detection asks for the longer one while the room is far below the threshold); a board whose
   * capture period is its pipeline's keeps that one
   */
  setMicPeriod(ms: number): void;
  close(): Promise<void>;
}

/** The microphone's period for listeners that can wait (level detection): about 4 wake-ups a second, whole 20 ms frames. */
export const MIC_IDLE_PERIOD_MS = 240;
/** The same while the room is far below the detection threshold: one wake-up a second (the sound card's longest period). */
export const MIC_CALM_PERIOD_MS = 1000;

export function openBoardAudio(board: BoardProfile, engine: AudioEngine, runDir: string, log: Logger): BoardAudio {
  const dev = board.capabilities.audioDevices;
  const listeners = { slow: new Set<(s: Int16Array) => void>(), fast: new Set<(s: Int16Array) => void>() };
  const fanout = (set: Set<(s: Int16Array) => void>) => (s: Int16Array) => {
    for (const fn of set) fn(s);
  };
  const toSlow = fanout(listeners.slow);
  const toFast = fanout(listeners.fast);
  if (!dev) {
    return { speaker: { write: () => undefined, close: async () => undefined }, onMic: () => () => undefined, setMicPeriod: () => undefined, close: async () => undefined };
  }
  if (dev.speaker === 'sim') {
    const socket = join(runDir, 'sim-audio.sock');
    const speaker = new SimLink(socket, { role: 'speaker' }, log);
    const mic = new SimLink(socket, { role: 'mic', periodMs: MIC_IDLE_PERIOD_MS }, log, toSlow);
    // the 20 ms link is open only while someone listens in real time
    let fast: SimLink | undefined;
    return {
      speaker: { write: (s) => speaker.write(s), close: () => speaker.close() },
      onMic: (fn, realtime = false) => {
        const set = realtime ? listeners.fast : listeners.slow;
        set.add(fn);
        if (realtime) fast ??= new SimLink(socket, { role: 'mic' }, log, toFast);
        return () => {
          set.delete(fn);
          if (!realtime || listeners.fast.size > 0) return;
          void fast?.close();
          fast = undefined;
        };
      },
      setMicPeriod: (ms) => mic.setPeriod(ms),
      close: async () => {
        await speaker.close();
        await mic.close();
        await fast?.close();
      },
    };
  }
  const out = engine.openOutput(dev.speaker);
  // one capture for everyone on a real board (ALSA's period is the pipeline's)
  const input = engine.openInput(dev.microphone, (s) => {
    toSlow(s);
    toFast(s);
  });
  return {
    speaker: out,
    onMic: (fn, realtime = false) => {
      const set = realtime ? listeners.fast : listeners.slow;
      set.add(fn);
      return () => void set.delete(fn);
    },
    setMicPeriod: () => undefined,
    close: async () => {
      await out.close();
      await input.close();
    },
  };
}

/** A sound card unreachable this long after the link last worked (or was made) is warned about. */
const SIM_CARD_QUIET_MS = 10_000;

/**
 * One connection to the simulated board's sound card. boardd may start after audiod or restart:
 * the link reconnects every 500 ms and drops what is written meanwhile, as a sound card that is
 * not there would. At a device's start boardd's card comes up shortly after audiod: only a card
 * still unreachable after SIM_CARD_QUIET_MS is worth a warning.
 */
class SimLink {
  private sock: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private carry: Buffer | undefined;
  private warned = false;
  private refused = false;
  private failingSince = 0;

  constructor(
    private readonly path: string,
    /** the hello of the next connection (a period change updates it) */
    private readonly hello: { role: 'speaker' | 'mic'; periodMs?: number },
    private readonly log: Logger,
    private readonly onSamples?: (s: Int16Array) => void,
  ) {
    this.open();
  }

  private open(): void {
    if (this.closed) return;
    const sock = connect(this.path);
    sock.setNoDelay?.(true);
    sock.once('connect', () => {
      this.warned = false;
      this.failingSince = 0;
      sock.write(JSON.stringify(this.hello) + '\n');
      this.sock = sock;
    });
    let first = true;
    sock.on('data', (b: Buffer) => {
      if (first) {
        first = false;
        const no = refusal(b);
        if (no) {
          // it closes; the link retries every 500 ms, but says so once
          if (!this.refused) this.log.error({ err: no, hello: this.hello }, 'the sound card refused the hello');
          this.refused = true;
          return;
        }
      }
      if (!this.onSamples) return;
      let bytes = this.carry ? Buffer.concat([this.carry, b]) : b;
      this.carry = bytes.length & 1 ? Buffer.from(bytes.subarray(bytes.length - 1)) : undefined;
      if (this.carry) bytes = bytes.subarray(0, bytes.length - 1);
      // a read is its own memory (Node allocates each one): no copy; s16 copies only if it is odd-aligned
      if (bytes.length) this.onSamples(s16(bytes));
    });
    sock.on('error', (err) => {
      this.failingSince ||= Date.now();
      if (this.warned || Date.now() - this.failingSince < SIM_CARD_QUIET_MS) return;
      this.log.warn({ err: err.message, role: this.hello.role }, 'sound card not reachable; retrying');
      this.warned = true;
    });
    sock.on('close', () => {
      if (this.sock === sock) this.sock = undefined;
      this.carry = undefined;
      if (!this.closed) this.timer = setTimeout(() => this.open(), 500);
    });
  }

  /** A reader's new period: told to the card now, and in the hello after a reconnect. */
  setPeriod(ms: number): void {
    if (this.hello.periodMs === ms) return;
    this.hello.periodMs = ms;
    this.sock?.write(JSON.stringify({ periodMs: ms }) + '\n');
  }

  write(s: Int16Array): void {
    const sock = this.sock;
    if (!sock || sock.writableLength > 64_000) return;
    sock.write(Buffer.from(s.buffer, s.byteOffset, s.byteLength));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.sock?.destroy();
  }
}

/** The card's answer to a hello it refuses: one JSON line `{"error": …}`, then it closes. */
function refusal(b: Buffer): string | undefined {
  if (b[0] !== 0x7b || b[b.length - 1] !== 0x0a) return undefined;
  try {
    const v = JSON.parse(b.toString('utf8')) as { error?: unknown };
    return typeof v.error === 'string' ? v.error : undefined;
  } catch {
    return undefined;
  }
}

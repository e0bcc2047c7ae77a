import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { BoardProfile } from '@belfry/board';
import type { Logger } from '@belfry/core';
import type { AudioEngine, PcmSink } from './engine/index.js';
import { s16 } from './pcm.js';

/** The speaker and the microphone as audiod sees them, whatever the board. */
export interface BoardAudio {
  speaker: PcmSink;
  /** microphone samples as they arrive (device format), before any input gain */
  onMic(fn: (s: Int16Array) => void): () => void;
  close(): Promise<void>;
}

export function openBoardAudio(board: BoardProfile, engine: AudioEngine, runDir: string, log: Logger): BoardAudio {
  const dev = board.capabilities.audioDevices;
  const listeners = new Set<(s: Int16Array) => void>();
  const fanout = (s: Int16Array) => {
    for (const fn of listeners) fn(s);
  };
  if (!dev) {
    return { speaker: { write: () => undefined, close: async () => undefined }, onMic: () => () => undefined, close: async () => undefined };
  }
  if (dev.speaker === 'sim') {
    const socket = join(runDir, 'sim-audio.sock');
    const speaker = new SimLink(socket, 'speaker', log);
    const mic = new SimLink(socket, 'mic', log, fanout);
    return {
      speaker: { write: (s) => speaker.write(s), close: () => speaker.close() },
      onMic: (fn) => (listeners.add(fn), () => void listeners.delete(fn)),
      close: async () => {
        await speaker.close();
        await mic.close();
      },
    };
  }
  const out = engine.openOutput(dev.speaker);
  const input = engine.openInput(dev.microphone, fanout);
  return {
    speaker: out,
    onMic: (fn) => (listeners.add(fn), () => void listeners.delete(fn)),
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
  private failingSince = 0;

  constructor(
    private readonly path: string,
    private readonly role: 'speaker' | 'mic',
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
      sock.write(JSON.stringify({ role: this.role }) + '\n');
      this.sock = sock;
    });
    sock.on('data', (b: Buffer) => {
      if (!this.onSamples) return;
      let bytes = this.carry ? Buffer.concat([this.carry, b]) : b;
      this.carry = bytes.length & 1 ? Buffer.from(bytes.subarray(bytes.length - 1)) : undefined;
      if (this.carry) bytes = bytes.subarray(0, bytes.length - 1);
      if (bytes.length) this.onSamples(s16(Buffer.from(bytes)));
    });
    sock.on('error', (err) => {
      this.failingSince ||= Date.now();
      if (this.warned || Date.now() - this.failingSince < SIM_CARD_QUIET_MS) return;
      this.log.warn({ err: err.message, role: this.role }, 'sound card not reachable; retrying');
      this.warned = true;
    });
    sock.on('close', () => {
      if (this.sock === sock) this.sock = undefined;
      this.carry = undefined;
      if (!this.closed) this.timer = setTimeout(() => this.open(), 500);
    });
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

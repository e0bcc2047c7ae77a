import { parseTelephoneEvent } from './packet.js';

/**
 * Turns received RFC 4733 packets into digits, one per event. An event is the run of packets with
 * one RTP timestamp; it is reported at its first end packet (the end is sent three times) or, when
 * every end packet was lost, as soon as the next event starts.
 */
/**
 * At most this many digits a second are reported per call: a person dials about ten (RFC 4733
 * tones last ≥ 40 ms with ≥ 40 ms between them); more is a flood, not dialling, and sipd is spared it.
 */
export const DTMF_MAX_PER_SECOND = 20;

export class DtmfReceiver {
  private current: { timestamp: number; digit: string; duration: number } | undefined;
  private lastReported: number | undefined;
  /** when the last reports went out (performance.now()), for the rate limit */
  private recent: number[] = [];
  dropped = 0;

  constructor(
    private readonly clockRate: number,
    private readonly report: (digit: string, durationMs: number) => void,
  ) {}

  push(timestamp: number, payload: Buffer): void {
    const e = parseTelephoneEvent(payload);
    if (!e || timestamp === this.lastReported) return;
    if (this.current && this.current.timestamp !== timestamp) this.finish();
    this.current = { timestamp, digit: e.digit, duration: Math.max(e.duration, this.current?.duration ?? 0) };
    if (e.end) this.finish();
  }

  private finish(): void {
    const c = this.current!;
    this.current = undefined;
    this.lastReported = c.timestamp;
    const now = performance.now();
    this.recent = this.recent.filter((at) => now - at < 1000);
    if (this.recent.length >= DTMF_MAX_PER_SECOND) {
      this.dropped++;
      return;
    }
    this.recent.push(now);
    this.report(c.digit, Math.round((c.duration * 1000) / this.clockRate));
  }
}

/** RFC 4733 §2.5.1.2: a packet every 50 ms while the tone lasts, then the end packet three times. */
export const DTMF_PACKET_MS = 50;
export const DTMF_END_REPEATS = 3;

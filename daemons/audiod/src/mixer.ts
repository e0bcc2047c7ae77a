import { BelfryError } from '@belfry/core';
import type { PcmSink } from './engine/index.js';
import { FRAME, FRAME_MS, clamp16 } from './pcm.js';
import { SampleQueue } from './sample-queue.js';

export type SourceKind = 'speakertest' | 'call' | 'transmit' | 'clip';
export type EndReason = 'done' | 'stopped' | 'preempted' | 'error';

/** Something that plays through the mixer. */
export interface MixSource {
  readonly kind: SourceKind;
  /** linear gain for this source (volume × loudness normalisation) */
  gain: number;
  /** plays at its own level, ignoring the output gain and mute (the speaker test) */
  readonly bypassOutputGain?: boolean;
  /** fills `out`; returns the samples written (0 = nothing ready yet: silence), or -1 when finished */
  read(out: Int16Array): number;
  /** called once, when the source leaves the mixer */
  ended(reason: EndReason, detail?: string): void;
  /** called when its first frame went to the speaker (performance.now()) */
  started?(at: number): void;
}

/** Frames written ahead of the clock: covers timer jitter on a busy 2-core board. */
const LEAD_FRAMES = 3;
/** After a stall (a long GC, a suspended VM) catch up at most this much, then drop time. */
const MAX_CATCH_UP = 10;

/**
 * The one output mixer. Policy (documented for installers and VMS developers):
 * - Each kind has a priority (params `Audio.Priority.*`, higher wins; the speaker test is above all).
 * - One source is heard at a time. A new source with a priority at least that of the current one
 *   takes over and the current one ends as `preempted` (a clip interrupted by transmit ends its
 *   `Playing` state); a new clip simply replaces the current clip.
 * - A new source below the current one is refused (`failed_precondition`, "busy"), and so is a
 *   second live transmit while one is running (HTTP 503 on transmit.cgi).
 * The mixer runs on its own 20 ms clock only while something plays.
 */
export class Mixer {
  private current: { src: MixSource; priority: number; frames: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private t0 = 0;
  private written = 0;
  private outputGain = 1;
  /** the speaker test owns the output for its whole run, including the gaps between its stimuli */
  private reservedFor: SourceKind | undefined;

  constructor(
    private readonly sink: PcmSink,
    private readonly priorities: () => Record<SourceKind, number>,
  ) {}

  setOutputGain(gain: number): void {
    this.outputGain = gain;
  }

  /** what plays now */
  get active(): MixSource | undefined {
    return this.current?.src;
  }

  /** keeps every other kind out until `release()`, even while nothing plays */
  reserve(kind: SourceKind): void {
    this.reservedFor = kind;
  }
  release(): void {
    this.reservedFor = undefined;
  }

  /** whether `kind` could start now (without preempting anything it may not) */
  check(kind: SourceKind): void {
    const cur = this.current;
    if ((cur?.src.kind === 'speakertest' || this.reservedFor === 'speakertest') && kind !== 'speakertest') throw new BelfryError('failed_precondition', 'busy: the speaker test is running', { details: { busy: 'speakertest' } });
    if (!cur) return;
    const p = this.priorities()[kind];
    if (kind === 'transmit' && cur.src.kind === 'transmit') throw new BelfryError('failed_precondition', 'busy: another client is transmitting audio', { details: { busy: 'transmit' } });
    if (p < cur.priority) throw new BelfryError('failed_precondition', `busy: a ${cur.src.kind === 'call' ? 'call' : cur.src.kind} with a higher priority is playing`, { details: { busy: cur.src.kind } });
  }

  play(src: MixSource): void {
    this.check(src.kind);
    const prev = this.current;
    this.current = { src, priority: this.priorities()[src.kind], frames: 0 };
    if (prev) prev.src.ended(prev.src.kind === src.kind && src.kind === 'clip' ? 'stopped' : 'preempted');
    if (!this.timer) {
      this.t0 = performance.now();
      this.written = 0;
      this.tick();
    }
  }

  /** ends the current source if `match` says so */
  stop(match: (s: MixSource) => boolean, reason: EndReason = 'stopped'): boolean {
    const cur = this.current;
    if (!cur || !match(cur.src)) return false;
    this.current = undefined;
    cur.src.ended(reason);
    return true;
  }

  private tick = (): void => {
    this.timer = undefined;
    const due = Math.floor((performance.now() - this.t0) / FRAME_MS) + LEAD_FRAMES;
    if (due - this.written > MAX_CATCH_UP + LEAD_FRAMES) this.written = due - LEAD_FRAMES;
    while (this.written < due && this.current) {
      this.frame();
      this.written++;
    }
    if (!this.current) return;
    const next = this.t0 + (this.written - LEAD_FRAMES + 1) * FRAME_MS;
    this.timer = setTimeout(this.tick, Math.max(1, next - performance.now()));
  };

  private frame(): void {
    const cur = this.current!;
    const out = new Int16Array(FRAME);
    let n: number;
    try {
      n = cur.src.read(out);
    } catch (err) {
      this.current = undefined;
      cur.src.ended('error', (err as Error).message);
      return;
    }
    if (n < 0) {
      this.current = undefined;
      cur.src.ended('done');
      return;
    }
    const g = cur.src.gain * (cur.src.bypassOutputGain ? 1 : this.outputGain);
    if (g !== 1) for (let i = 0; i < n; i++) out[i] = clamp16(out[i]! * g);
    this.sink.write(out);
    if (cur.frames++ === 0) cur.src.started?.(performance.now());
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const cur = this.current;
    this.current = undefined;
    cur?.src.ended('stopped');
  }
}

/** A source fed from outside (live transmit, later SIP media): a jitter buffer, then the queue. */
export class StreamSource implements MixSource {
  private q = new SampleQueue();
  private finished = false;
  private primed = false;
  gain = 1;
  onEnded: (reason: EndReason, detail?: string) => void = () => undefined;
  /** called with true when more than `maxQueuedMs` waits (the feeder should pause), false when drained */
  onPressure: (pause: boolean) => void = () => undefined;
  private paused = false;

  constructor(
    readonly kind: SourceKind,
    private readonly jitterMs: number,
    private readonly maxQueuedMs = 2000,
  ) {}

  push(s: Int16Array): void {
    this.q.push(s);
    if (!this.paused && this.q.length > (this.maxQueuedMs * FRAME) / FRAME_MS) {
      this.paused = true;
      this.onPressure(true);
    }
  }
  /** no more input: play out what is queued, then end */
  end(): void {
    this.finished = true;
  }
  get queuedMs(): number {
    return (this.q.length * FRAME_MS) / FRAME;
  }

  read(out: Int16Array): number {
    if (!this.primed) {
      if (this.q.length < (this.jitterMs * FRAME) / FRAME_MS && !this.finished) return 0;
      this.primed = true;
    }
    const n = this.q.read(out);
    if (this.paused && this.queuedMs < this.maxQueuedMs / 2) {
      this.paused = false;
      this.onPressure(false);
    }
    if (n === 0 && this.finished) return -1;
    return n;
  }

  ended(reason: EndReason, detail?: string): void {
    this.onEnded(reason, detail);
  }
}

/** Fixed samples (the speaker test's stimulus). */
export class BufferSource implements MixSource {
  private pos = 0;
  readonly bypassOutputGain = true;
  gain = 1;
  onEnded: (reason: EndReason) => void = () => undefined;
  onStarted: (at: number) => void = () => undefined;
  constructor(
    readonly kind: SourceKind,
    private readonly samples: Int16Array,
  ) {}
  read(out: Int16Array): number {
    if (this.pos >= this.samples.length) return -1;
    const take = Math.min(out.length, this.samples.length - this.pos);
    out.set(this.samples.subarray(this.pos, this.pos + take));
    this.pos += take;
    return take;
  }
  started(at: number): void {
    this.onStarted(at);
  }
  ended(reason: EndReason): void {
    this.onEnded(reason);
  }
}

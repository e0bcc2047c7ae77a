import type { AudioEngine, PcmStream } from './engine/index.js';
import type { EndReason, MixSource } from './mixer.js';
import { MIX_RATE } from './pcm.js';
import { SampleQueue } from './sample-queue.js';

/** Decoded audio kept for repeats: short clips repeat from memory, long ones are decoded again. */
const CACHE_MAX_SAMPLES = 30 * MIX_RATE;
/** How far decoding runs ahead of playback. */
const AHEAD_SAMPLES = 2 * MIX_RATE;

/**
 * A clip in the mixer: decoded by the engine ahead of playback, repeated `repeat` more times (-1 =
 * until stopped). `onStart` fires at each repetition's first sample (the CurrentlyPlaying event).
 */
export class ClipSource implements MixSource {
  readonly kind = 'clip';
  private q = new SampleQueue();
  private cache: Int16Array[] | undefined = [];
  private cachedSamples = 0;
  private decoder: PcmStream | undefined;
  private pumping = false;
  private finished = false;
  private stopped = false;
  private passesLeft: number;
  private failure: string | undefined;
  private firstChunk: Promise<void>;
  private resolveFirst!: () => void;
  private rejectFirst!: (e: Error) => void;
  onStart: () => void = () => undefined;
  onEnded: (reason: EndReason, detail?: string) => void = () => undefined;
  onFirstSample: (at: number) => void = () => undefined;

  constructor(
    private readonly engine: AudioEngine,
    private readonly path: string,
    repeat: number,
    public gain: number,
  ) {
    this.passesLeft = repeat < 0 ? Infinity : repeat + 1;
    this.firstChunk = new Promise((res, rej) => {
      this.resolveFirst = res;
      this.rejectFirst = rej;
    });
    this.firstChunk.catch(() => undefined);
  }

  /** starts decoding; resolves when the first samples are ready (so a play request answers only once sound can start) */
  prepare(): Promise<void> {
    this.pump();
    return this.firstChunk;
  }

  private pump(): void {
    if (this.pumping || this.finished || this.stopped) return;
    this.pumping = true;
    void (async () => {
      try {
        while (!this.stopped && this.q.length < AHEAD_SAMPLES) {
          if (!this.decoder) {
            if (this.passesLeft <= 0) {
              this.finished = true;
              break;
            }
            this.passesLeft--;
            this.q.mark(() => this.onStart());
            if (this.cache === undefined || this.cachedSamples === 0 || this.decodedOnce === false) {
              this.decoder = this.engine.decode(this.path);
            } else {
              for (const c of this.cache) this.enqueue(c);
              continue;
            }
          }
          const chunk = await this.decoder.next();
          if (this.stopped) break;
          if (chunk === null) {
            this.decoder.close();
            this.decoder = undefined;
            if (!this.decodedOnce) {
              this.decodedOnce = true;
              if (this.cachedSamples === 0) throw new Error('the clip has no audio');
            }
            continue;
          }
          if (!this.decodedOnce && this.cache) {
            this.cache.push(chunk);
            this.cachedSamples += chunk.length;
            if (this.cachedSamples > CACHE_MAX_SAMPLES) this.cache = undefined;
          }
          this.enqueue(chunk);
          this.resolveFirst();
        }
      } catch (err) {
        this.failure = (err as Error).message;
        this.finished = true;
        this.rejectFirst(err as Error);
      } finally {
        this.pumping = false;
      }
    })();
  }
  private decodedOnce = false;

  private enqueue(c: Int16Array): void {
    this.q.push(c);
  }

  read(out: Int16Array): number {
    const n = this.q.read(out);
    if (this.q.length < AHEAD_SAMPLES / 2) this.pump();
    if (n === 0 && this.finished && this.q.empty) {
      if (this.failure) throw new Error(this.failure);
      return -1;
    }
    return n;
  }

  started(at: number): void {
    this.onFirstSample(at);
  }

  ended(reason: EndReason, detail?: string): void {
    this.stopped = true;
    this.rejectFirst(new Error('stopped before it started'));
    this.decoder?.close();
    this.decoder = undefined;
    this.onEnded(reason, detail);
  }
}

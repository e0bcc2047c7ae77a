import { SIM_AUDIO_RATE } from './room.js';

/** a speaker client may run ahead by this much; older samples are dropped */
const SPEAKER_QUEUE_SAMPLES = SIM_AUDIO_RATE / 2;

/** A fixed-size ring of the most recent samples. Copies go through `set` (native), not per sample. */
export class SampleHistory {
  private buf: Int16Array;
  private pos = 0;
  private filled = 0;
  constructor(samples: number) {
    this.buf = new Int16Array(samples);
  }
  push(frame: Int16Array): void {
    const len = this.buf.length;
    let src = frame.length > len ? frame.subarray(frame.length - len) : frame;
    while (src.length) {
      const n = Math.min(src.length, len - this.pos);
      this.buf.set(src.subarray(0, n), this.pos);
      this.pos = (this.pos + n) % len;
      src = src.subarray(n);
    }
    this.filled = Math.min(len, this.filled + frame.length);
  }
  last(n: number): Int16Array {
    n = Math.min(n, this.filled);
    const out = new Int16Array(n);
    let start = this.pos - n;
    if (start < 0) start += this.buf.length;
    const first = Math.min(n, this.buf.length - start);
    out.set(this.buf.subarray(start, start + first));
    out.set(this.buf.subarray(0, n - first), first);
    return out;
  }
}

/** What one speaker client has written and the card has not played yet. */
export class SpeakerQueue {
  private ring = new Int16Array(SPEAKER_QUEUE_SAMPLES);
  private head = 0;
  private count = 0;
  /** low byte of a sample split across two chunks, -1 if none */
  private carry = -1;
  dropped = 0;

  /** whether samples wait to be played */
  get queued(): boolean {
    return this.count > 0;
  }

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

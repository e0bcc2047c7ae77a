/**
 * Chunks of samples waiting to be played, read out in frames of any size. A mark (a callback) can
 * sit between chunks: it runs when reading reaches it (a clip's repetition starting).
 */
export class SampleQueue {
  private q: (Int16Array | (() => void))[] = [];
  private off = 0;
  /** samples queued (marks not counted) */
  length = 0;

  push(c: Int16Array): void {
    if (!c.length) return;
    this.q.push(c);
    this.length += c.length;
  }

  mark(fn: () => void): void {
    this.q.push(fn);
  }

  /** whether anything (samples or marks) is left */
  get empty(): boolean {
    return this.q.length === 0;
  }

  /** fills `out` from the front; returns how many samples it wrote */
  read(out: Int16Array): number {
    let n = 0;
    while (n < out.length && this.q.length) {
      const head = this.q[0]!;
      if (typeof head === 'function') {
        this.q.shift();
        head();
        continue;
      }
      const take = Math.min(out.length - n, head.length - this.off);
      out.set(head.subarray(this.off, this.off + take), n);
      n += take;
      this.off += take;
      if (this.off === head.length) {
        this.q.shift();
        this.off = 0;
      }
    }
    this.length -= n;
    return n;
  }
}

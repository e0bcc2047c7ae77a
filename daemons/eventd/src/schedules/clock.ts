/**
 * The time source of schedules, pulses and timed virtual inputs. Injected so that tests move time
 * themselves (`ManualClock`) instead of sleeping, e.g. across a DST change.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
};

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that moves only when told to: `advance` runs the timers that fall due, in time order. */
export class ManualClock implements Clock {
  private pending = new Set<Pending>();
  private seq = 0;

  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const p: Pending = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.pending.add(p);
    return p;
  }

  clearTimeout(timer: unknown): void {
    this.pending.delete(timer as Pending);
  }

  /** Moves time forward by `ms`, firing each due timer at its own time (timers it sets included). */
  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.pending) if (p.at <= until && (!next || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
      if (!next) break;
      this.pending.delete(next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = until;
  }

  /** Moves time to `utcMs` (see `advance`). */
  advanceTo(utcMs: number): void {
    this.advance(Math.max(0, utcMs - this.t));
  }

  get timers(): number {
    return this.pending.size;
  }
}

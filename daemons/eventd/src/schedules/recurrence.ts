import * as rrulePkg from 'rrule';
import type { Freq, ParsedIcal } from './ical.js';
import { utcToWall, wallToUtc } from './zone.js';

// rrule ships CommonJS as `main` (what Node and the bundle load) and ESM types: take it either way
const { RRule } = (rrulePkg as unknown as { default?: typeof rrulePkg }).default ?? rrulePkg;
type Rule = InstanceType<typeof RRule>;

const MIN = 60_000;
const HOUR = 60 * MIN;
/** room around "now" for the wall/UTC mapping: no zone shifts its clocks by more than this */
const SLACK = 3 * HOUR;
const FIXED: Partial<Record<Freq, number>> = { MINUTELY: MIN, HOURLY: HOUR, DAILY: 24 * HOUR, WEEKLY: 7 * 24 * HOUR };
/** how far ahead the API looks for the next occurrences, by frequency (bounds rrule's work) */
const HORIZON: Record<Freq | 'ONCE', number> = { MINUTELY: 2 * 24 * HOUR, HOURLY: 31 * 24 * HOUR, DAILY: 800 * 24 * HOUR, WEEKLY: 2000 * 24 * HOUR, MONTHLY: 3700 * 24 * HOUR, YEARLY: 3700 * 24 * HOUR, ONCE: 100 * 365 * 24 * HOUR };

/** One window (or pulse) of a schedule, in UTC epoch ms; a pulse's `end` equals its start. */
export interface Window {
  start: number;
  end: number;
}

/** Where "now" is in a schedule: the latest window that has started, and the next start after now. */
export interface Position {
  latest?: Window;
  next?: number;
}

/**
 * A schedule's occurrences in a time zone. rrule works on wall times (floating, no DST), which are
 * mapped to instants one by one (`wallToUtc`), so an 08:00 schedule stays at 08:00 local across a DST
 * change. rrule iterates from DTSTART on every query; a rule without COUNT is re-based to a start
 * shortly before the time asked about (whole periods, so the occurrences are the same), or a
 * minutely rule from 1970 would walk 29 million minutes each time.
 */
export class Recurrence {
  constructor(
    readonly ical: ParsedIcal,
    readonly zone: string,
  ) {}

  get isPulse(): boolean {
    return this.ical.durationMs === undefined;
  }

  private window(wallStart: number): Window {
    const start = wallToUtc(wallStart, this.zone);
    return { start, end: this.ical.durationMs === undefined ? start : wallToUtc(wallStart + this.ical.durationMs, this.zone) };
  }

  /** The rule with its start moved to the last whole period at or before wall time `near`. */
  private rule(near: number): Rule {
    const { start, rrule, freq } = this.ical;
    if (!rrule || !freq) return new RRule({ freq: RRule.DAILY, count: 1, dtstart: new Date(start) });
    const opts = RRule.parseString(rrule);
    return new RRule({ ...opts, dtstart: new Date(/COUNT=/.test(rrule) ? start : rebase(start, near, freq, opts.interval ?? 1)) });
  }

  /** The latest window started at or before `now` and the next start after it (looking at most `SLACK` past an hour ahead). */
  position(now: number): Position {
    const local = utcToWall(now, this.zone);
    const back = (this.ical.durationMs ?? 0) + SLACK;
    const out: Position = {};
    this.rule(local - back).between(new Date(local - back), new Date(local + HOUR + SLACK), true, (d) => {
      const w = this.window(d.getTime());
      if (w.start <= now) {
        if (!out.latest || w.start > out.latest.start) out.latest = w;
        return true;
      }
      out.next = Math.min(out.next ?? Infinity, w.start);
      return d.getTime() <= local + SLACK * 2;
    });
    return out;
  }

  /** Up to `count` windows that end after `now` (the current one first), within a horizon that bounds the work. */
  upcoming(now: number, count: number): Window[] {
    const local = utcToWall(now, this.zone);
    const back = (this.ical.durationMs ?? 0) + SLACK;
    const out: Window[] = [];
    const horizon = HORIZON[this.ical.freq ?? 'ONCE'];
    this.rule(local - back).between(new Date(local - back), new Date(local + horizon), true, (d) => {
      const w = this.window(d.getTime());
      if (w.end > now || (this.isPulse && w.start > now)) out.push(w);
      return out.length < count;
    });
    return out.sort((a, b) => a.start - b.start).slice(0, count);
  }
}

/** `start` moved forward by whole periods (INTERVAL × FREQ) to the last one at or before `near`. */
function rebase(start: number, near: number, freq: Freq, interval: number): number {
  if (near <= start) return start;
  const fixed = FIXED[freq];
  if (fixed) return start + Math.floor((near - start) / (fixed * interval)) * fixed * interval;
  const step = (freq === 'YEARLY' ? 12 : 1) * interval;
  const s = new Date(start);
  const n = new Date(near);
  const months = (n.getUTCFullYear() - s.getUTCFullYear()) * 12 + n.getUTCMonth() - s.getUTCMonth();
  // a start on the 31st (or 29 February) only moves to a month (year) that has that day
  for (let k = Math.floor(months / step); k > 0 && k > Math.floor(months / step) - 60; k--) {
    const t = Date.UTC(s.getUTCFullYear(), s.getUTCMonth() + k * step, s.getUTCDate(), s.getUTCHours(), s.getUTCMinutes(), s.getUTCSeconds());
    if (new Date(t).getUTCDate() === s.getUTCDate() && t <= near) return t;
  }
  return start;
}

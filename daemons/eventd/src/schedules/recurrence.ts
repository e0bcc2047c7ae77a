import * as rrulePkg from 'rrule';
import { parseIcal, type Freq, type ParsedIcal } from './ical.js';
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

/** The windows of a stretch of time (`Recurrence.scan`), valid for `from` ≤ now < `until`. */
export interface Plan {
  from: number;
  until: number;
  windows: Window[];
}

/** The latest window started at or before `now` in a plan, and the next start after `now`. */
export function positionIn(plan: Plan, now: number): Position {
  const out: Position = {};
  for (const w of plan.windows) {
    if (w.start <= now) out.latest = w;
    else {
      out.next = w.start;
      break;
    }
  }
  return out;
}

/** When a schedule that is active at `now` stops being so: the end of the run of windows that overlap from the one open now. */
export function activeUntil(plan: Plan, now: number): number | undefined {
  let end: number | undefined;
  for (const w of plan.windows) {
    if (end === undefined) {
      if (w.start <= now && w.end > now) end = w.end;
    } else if (w.start <= end) end = Math.max(end, w.end);
    else break;
  }
  return end;
}

/**
 * A schedule's occurrences in a time zone. rrule works on wall times (floating, no DST), which are
 * mapped to instants one by one (`wallToUtc`), so an 08:00 schedule stays at 08:00 local across a DST
 * change. rrule iterates from DTSTART on every query, so the rule is re-based to a start shortly
 * before the time asked about (whole periods, so the occurrences are the same), or a minutely rule
 * from 1970 would walk 29 million minutes each time.
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
    return new RRule({ ...opts, dtstart: new Date(rebase(start, near, freq, opts.interval ?? 1)) });
  }

  /**
   * The windows (pulses) that matter from `now` to `now + aheadMs`: every one starting before the
   * end, back to the earliest that could still be open at `now`, sorted by start. rrule costs tens
   * of microseconds per occurrence, so the scheduler scans once per hour, not at every edge.
   */
  scan(now: number, aheadMs: number): Plan {
    const local = utcToWall(now, this.zone);
    const back = (this.ical.durationMs ?? 0) + SLACK;
    const until = now + aheadMs;
    const windows: Window[] = [];
    this.rule(local - back).between(new Date(local - back), new Date(local + aheadMs + SLACK), true, (d) => {
      const w = this.window(d.getTime());
      if (w.start <= until && (!this.isPulse || w.start > now)) windows.push(w);
      return true;
    });
    windows.sort((a, b) => a.start - b.start);
    return { from: now, until, windows };
  }

  /** Where `now` is (tests and one-off questions; the scheduler keeps its plan). */
  position(now: number): Position {
    return positionIn(this.scan(now, HOUR), now);
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

/** The Gregorian calendar's weekdays and leap years repeat every 28 years between century years. */
const PROBE_FROM = Date.UTC(9971, 0, 1);

/**
 * Whether a rule ever occurs. rrule looks for a match day by day up to the year 9999, so a rule that
 * never matches (30 February, BYSETPOS past the set) would take it a minute per query: such a rule
 * is found here, on its occurrences in 9971–9999 without UNTIL (every weekday and leap-year pattern
 * is in those 28 years; a rule rarer than that is refused too).
 */
function occursEver(p: ParsedIcal): boolean {
  if (!p.rrule || !p.freq) return true;
  const opts = RRule.parseString(p.rrule);
  delete opts.until;
  const probe = new RRule({ ...opts, dtstart: new Date(rebase(p.start, PROBE_FROM, p.freq, opts.interval ?? 1)) });
  return probe.after(new Date(PROBE_FROM - 1), true) !== null || probe.before(new Date(PROBE_FROM), true) !== null;
}

/** A schedule text parsed and checked, or what is wrong with it (a sentence). */
export function compileIcal(ical: string): ParsedIcal | string {
  const p = parseIcal(ical);
  if (typeof p === 'string') return p;
  return occursEver(p) ? p : 'the rule never occurs';
}

/** What is wrong with a schedule text, or undefined (`shared.checkSchedule`). */
export function checkIcal(ical: string): string | undefined {
  const p = compileIcal(ical);
  return typeof p === 'string' ? p : undefined;
}

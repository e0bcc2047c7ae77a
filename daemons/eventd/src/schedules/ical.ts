import { validZone } from './zone.js';

/**
 * The iCalendar text of a schedule (VAPIX `ical1` dialect, what event1's AddScheduledEvent carries):
 * `DTSTART`, an optional `DTEND` (a schedule has one, a pulse has none) and an optional `RRULE`, one
 * per line. Times are floating (the device's time zone), UTC (`…Z`) or `;TZID=<zone>:`. Checked
 * strictly here: rrule itself accepts nonsense (`COUNT=abc`, `BYHOUR=99`).
 */
export interface ParsedIcal {
  /** wall time of the first occurrence (epoch ms with the local fields as UTC fields) */
  start: number;
  /** wall-clock length of each window; undefined for a pulse */
  durationMs?: number;
  /** `UTC` for `…Z` times, the TZID, or undefined = the device's time zone */
  zone?: string;
  /** the RRULE value, checked; undefined = one occurrence */
  rrule?: string;
  freq?: Freq;
}

export type Freq = 'MINUTELY' | 'HOURLY' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

/** Limits of a schedule text (explicit, each tested at the limit). */
export const ICAL_LIMITS = { length: 1024, maxWindowMs: 7 * 86_400_000, maxMinutelyWindowMs: 86_400_000, interval: 1000, count: 1000 } as const;

const DAY_RE = '(MO|TU|WE|TH|FR|SA|SU)';
const list = (item: string) => new RegExp(`^${item}(,${item})*$`);
const range = (lo: number, hi: number, signed = false) => (v: string) =>
  v.split(',').every((x) => {
    if (!(signed ? /^[+-]?\d{1,3}$/ : /^\d{1,3}$/).test(x)) return false;
    const n = Math.abs(Number(x));
    return n >= lo && n <= hi && Number(x) !== 0;
  });
const zeroRange = (hi: number) => (v: string) => v.split(',').every((x) => /^\d{1,2}$/.test(x) && Number(x) <= hi);

/** RRULE parts Belfry takes, each with its value check. BYSECOND and FREQ=SECONDLY are refused: at most one occurrence a minute. */
const PARTS: Record<string, (v: string) => boolean> = {
  FREQ: (v) => /^(MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY)$/.test(v),
  INTERVAL: (v) => /^\d{1,4}$/.test(v) && Number(v) >= 1 && Number(v) <= ICAL_LIMITS.interval,
  COUNT: (v) => /^\d{1,4}$/.test(v) && Number(v) >= 1 && Number(v) <= ICAL_LIMITS.count,
  UNTIL: (v) => /^\d{8}(T\d{6}Z?)?$/.test(v) && dateTime(v) !== undefined,
  BYDAY: (v) => list(`([+-]?\\d{1,2})?${DAY_RE}`).test(v),
  BYMONTHDAY: range(1, 31, true),
  BYMONTH: range(1, 12),
  BYHOUR: zeroRange(23),
  BYMINUTE: zeroRange(59),
  BYSETPOS: range(1, 366, true),
  BYYEARDAY: range(1, 366, true),
  BYWEEKNO: range(1, 53, true),
  WKST: (v) => new RegExp(`^${DAY_RE}$`).test(v),
};

/** `YYYYMMDD[THHMMSS[Z]]` as wall epoch ms (the fields as UTC), or undefined when it is no real date. */
function dateTime(v: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(v);
  if (!m) return undefined;
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1).map((x) => (x === undefined ? undefined : Number(x))) as number[];
  const t = Date.UTC(y!, mo! - 1, d!, h, mi, s);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d || h! > 23 || mi! > 59 || s! > 59) return undefined;
  return t;
}

interface Stamp {
  wall: number;
  zone?: string;
}

/** A `DTSTART`/`DTEND` line's value and parameters. */
function stamp(params: string, value: string): Stamp | string {
  let zone: string | undefined;
  for (const p of params.split(';').filter(Boolean)) {
    const [k, v = ''] = p.split('=');
    if (k?.toUpperCase() === 'TZID' && validZone(v)) zone = v;
    else if (k?.toUpperCase() === 'TZID') return `unknown time zone '${v.slice(0, 64)}'`;
    else if (k?.toUpperCase() === 'VALUE' && /^(DATE|DATE-TIME)$/i.test(v)) continue;
    else return `unsupported parameter '${p.slice(0, 32)}'`;
  }
  if (!/^\d{8}(T\d{6}Z?)?$/.test(value)) return `'${value.slice(0, 32)}' is not an iCalendar date-time (YYYYMMDDTHHMMSS)`;
  const wall = dateTime(value);
  if (wall === undefined) return `'${value}' is not a real date and time`;
  if (value.endsWith('Z')) {
    if (zone) return 'a UTC time (…Z) cannot have a TZID';
    zone = 'UTC';
  }
  return { wall, zone };
}

/** The lines of a schedule text: real line breaks, or the two characters `\n` as some clients send them. */
function lines(ical: string): string[] {
  return ical
    .split(/\r\n|\n|\r|\\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

function checkRrule(v: string): { freq: Freq } | string {
  const seen = new Set<string>();
  for (const part of v.split(';')) {
    const eq = part.indexOf('=');
    const k = (eq < 0 ? part : part.slice(0, eq)).toUpperCase();
    const val = eq < 0 ? '' : part.slice(eq + 1).toUpperCase();
    if (k === 'BYSECOND' || (k === 'FREQ' && val === 'SECONDLY')) return 'occurrences are at most one a minute (no SECONDLY, no BYSECOND)';
    const check = PARTS[k];
    if (!check) return `unsupported RRULE part '${k.slice(0, 32)}'`;
    if (seen.has(k)) return `RRULE part ${k} given twice`;
    seen.add(k);
    if (!check(val)) return `bad RRULE value ${k}=${val.slice(0, 64)}`;
  }
  if (!seen.has('FREQ')) return 'RRULE needs FREQ';
  if (seen.has('COUNT') && seen.has('UNTIL')) return 'RRULE takes COUNT or UNTIL, not both';
  return { freq: /FREQ=([A-Z]+)/i.exec(v)![1]!.toUpperCase() as Freq };
}

/** Parses and checks a schedule text: the parsed form, or what is wrong with it (a sentence). */
export function parseIcal(ical: string): ParsedIcal | string {
  if (typeof ical !== 'string' || !ical.trim()) return 'the schedule is empty';
  if (ical.length > ICAL_LIMITS.length) return `the schedule is longer than ${ICAL_LIMITS.length} characters`;
  const props = new Map<string, { params: string; value: string }>();
  for (const line of lines(ical)) {
    const m = /^([A-Za-z-]+)((?:;[^:;]*)*):(.*)$/.exec(line);
    if (!m) return `'${line.slice(0, 40)}' is not an iCalendar property line`;
    const name = m[1]!.toUpperCase();
    if (!['DTSTART', 'DTEND', 'RRULE'].includes(name)) return `unsupported property '${name.slice(0, 32)}' (DTSTART, DTEND and RRULE are)`;
    if (props.has(name)) return `${name} given twice`;
    props.set(name, { params: m[2]!, value: m[3]!.trim() });
  }
  const ds = props.get('DTSTART');
  if (!ds) return 'the schedule needs DTSTART';
  const start = stamp(ds.params, ds.value);
  if (typeof start === 'string') return `DTSTART: ${start}`;
  const out: ParsedIcal = { start: start.wall, ...(start.zone ? { zone: start.zone } : {}) };
  const rr = props.get('RRULE');
  if (rr) {
    if (rr.params) return 'RRULE takes no parameters';
    const r = checkRrule(rr.value);
    if (typeof r === 'string') return r;
    out.rrule = rr.value.toUpperCase();
    out.freq = r.freq;
  }
  const de = props.get('DTEND');
  if (de) {
    const end = stamp(de.params, de.value);
    if (typeof end === 'string') return `DTEND: ${end}`;
    if (end.zone !== start.zone) return 'DTSTART and DTEND must be in the same time zone';
    const dur = end.wall - start.wall;
    if (dur <= 0) return 'DTEND must be after DTSTART';
    const max = out.freq === 'MINUTELY' ? ICAL_LIMITS.maxMinutelyWindowMs : ICAL_LIMITS.maxWindowMs;
    if (dur > max) return `a window is at most ${max / 3_600_000} hours long${out.freq === 'MINUTELY' ? ' when it recurs by the minute' : ''}`;
    out.durationMs = dur;
  }
  return out;
}

/** What is wrong with a schedule text, or undefined (`shared.checkSchedule`). */
export function checkIcal(ical: string): string | undefined {
  const p = parseIcal(ical);
  return typeof p === 'string' ? p : undefined;
}

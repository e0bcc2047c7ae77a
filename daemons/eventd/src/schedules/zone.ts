/**
 * Wall-clock time in a time zone (IANA name), for schedules: an 08:00 schedule is 08:00 local on both
 * sides of a DST change. "Wall" times are epoch-ms numbers whose UTC fields are the local fields
 * (rrule computes recurrences on those, free of DST).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is a time zone this runtime knows. */
export function validZone(zone: string): boolean {
  if (!/^[A-Za-z0-9_+/-]{1,64}$/.test(zone)) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at the instant `utcMs`, in ms (east positive). */
export function offsetAt(utcMs: number, zone: string): number {
  const whole = Math.floor(utcMs / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(whole))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - whole;
}

export function utcToWall(utcMs: number, zone: string): number {
  return utcMs + offsetAt(utcMs, zone);
}

const DAY = 86_400_000;

/**
 * The instant of a local time, as RFC 5545 §3.3.5 says: a time that occurs twice (the autumn change)
 * is the first of them; a time that does not occur (inside the spring-forward gap, e.g. 02:30 on the
 * day clocks go from 02:00 to 03:00) uses the offset before the gap, so it lands as far after the gap
 * as it was into it (02:30 → 03:30).
 */
export function wallToUtc(wallMs: number, zone: string): number {
  const before = offsetAt(wallMs - DAY, zone);
  const after = offsetAt(wallMs + DAY, zone);
  const fits = [...new Set([before, after])].map((o) => wallMs - o).filter((u) => offsetAt(u, zone) === wallMs - u);
  if (fits.length) return Math.min(...fits);
  return wallMs - before;
}

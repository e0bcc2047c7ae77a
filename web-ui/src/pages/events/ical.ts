// The schedule editor's friendly form and the iCalendar text eventd takes: weekly windows on chosen
// days (from–to, past midnight into the next day), pulses every N minutes or at a time on chosen
// days. Floating times: the device's time zone. 1970-01-05 is a Monday, so day i is 05 + i.
export const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Day = (typeof DAYS)[number];

export type Friendly = { kind: 'window'; days: Day[]; from: string; to: string } | { kind: 'every'; minutes: number } | { kind: 'at'; days: Day[]; at: string };

const stamp = (day: number, hhmm: string) => `197001${String(5 + day).padStart(2, '0')}T${hhmm.replace(':', '')}00`;

export function toIcal(f: Friendly): string {
  if (f.kind === 'every') return `DTSTART:19700101T000000\nRRULE:FREQ=MINUTELY;INTERVAL=${f.minutes}`;
  const byday = `RRULE:FREQ=WEEKLY;BYDAY=${f.days.join(',')}`;
  if (f.kind === 'at') return `DTSTART:${stamp(0, f.at)}\n${byday}`;
  // a window that ends at or before its start ends the next day
  return `DTSTART:${stamp(0, f.from)}\nDTEND:${stamp(f.to <= f.from ? 1 : 0, f.to)}\n${byday}`;
}

/** The editor's form of a text it wrote (undefined for any other text: shown as it is). */
export function fromIcal(ical: string): Friendly | undefined {
  const text = ical.replace(/\\n/g, '\n');
  const every = /^DTSTART:19700101T000000\nRRULE:FREQ=MINUTELY;INTERVAL=(\d+)$/.exec(text);
  if (every) return { kind: 'every', minutes: Number(every[1]) };
  const m = /^DTSTART:19700105T(\d\d)(\d\d)00\n(?:DTEND:1970010([56])T(\d\d)(\d\d)00\n)?RRULE:FREQ=WEEKLY;BYDAY=([A-Z,]+)$/.exec(text);
  if (!m) return undefined;
  const days = m[6]!.split(',') as Day[];
  if (!days.every((d) => DAYS.includes(d))) return undefined;
  if (!m[3]) return { kind: 'at', days, at: `${m[1]}:${m[2]}` };
  return { kind: 'window', days, from: `${m[1]}:${m[2]}`, to: `${m[4]}:${m[5]}` };
}

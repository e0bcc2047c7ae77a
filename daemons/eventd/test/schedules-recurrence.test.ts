import t from 'tap';
import { ICAL_LIMITS, parseIcal, type ParsedIcal } from '../src/schedules/ical.js';
import { Recurrence, checkIcal, compileIcal } from '../src/schedules/recurrence.js';
import { utcToWall, wallToUtc } from '../src/schedules/zone.js';

const iso = (ms: number) => new Date(ms).toISOString().replace('.000', '');
const rec = (ical: string, zone: string) => {
  const p = parseIcal(ical);
  if (typeof p === 'string') throw new Error(p);
  return new Recurrence(p, p.zone ?? zone);
};
const starts = (r: Recurrence, fromUtc: number, n: number) => r.upcoming(fromUtc, n).map((w) => iso(w.start));

t.test('wall time to UTC: a doubled hour is its first pass, a skipped one moves past the gap (RFC 5545)', async (t) => {
  const sthlm = 'Europe/Stockholm';
  t.equal(iso(wallToUtc(Date.UTC(2026, 2, 29, 1, 30), sthlm)), '2026-03-29T00:30:00Z', 'before the spring change: CET');
  t.equal(iso(wallToUtc(Date.UTC(2026, 2, 29, 2, 30), sthlm)), '2026-03-29T01:30:00Z', '02:30 does not exist: 03:30 CEST');
  t.equal(iso(wallToUtc(Date.UTC(2026, 2, 29, 3, 30), sthlm)), '2026-03-29T01:30:00Z', '03:30 CEST');
  t.equal(iso(wallToUtc(Date.UTC(2026, 9, 25, 2, 30), sthlm)), '2026-10-25T00:30:00Z', '02:30 happens twice: the first (CEST)');
  t.equal(iso(wallToUtc(Date.UTC(2026, 9, 25, 3, 30), sthlm)), '2026-10-25T02:30:00Z', 'after the autumn change: CET');
  t.equal(iso(utcToWall(Date.UTC(2026, 9, 25, 1, 30), sthlm)), '2026-10-25T02:30:00Z', 'the second 02:30 reads as 02:30');
  t.equal(iso(wallToUtc(Date.UTC(2026, 2, 8, 2, 30), 'America/New_York')), '2026-03-08T07:30:00Z', 'New York 02:30 on its spring day: 03:30 EDT');
});

t.test('an 08:00–17:00 daily schedule is 08:00 local on both sides of each DST change', async (t) => {
  const r = rec('DTSTART:19700101T080000\nDTEND:19700101T170000\nRRULE:FREQ=DAILY', 'Europe/Stockholm');
  const spring = r.upcoming(Date.UTC(2026, 2, 28, 0), 3).map((w) => [iso(w.start), iso(w.end)]);
  t.same(spring, [
    ['2026-03-28T07:00:00Z', '2026-03-28T16:00:00Z'],
    ['2026-03-29T06:00:00Z', '2026-03-29T15:00:00Z'],
    ['2026-03-30T06:00:00Z', '2026-03-30T15:00:00Z'],
  ]);
  t.same(starts(r, Date.UTC(2026, 9, 24, 0), 3), ['2026-10-24T06:00:00Z', '2026-10-25T07:00:00Z', '2026-10-26T07:00:00Z']);
  const ny = rec('DTSTART:19700101T080000\nDTEND:19700101T170000\nRRULE:FREQ=DAILY', 'America/New_York');
  t.same(starts(ny, Date.UTC(2026, 9, 31, 0), 2), ['2026-10-31T12:00:00Z', '2026-11-01T13:00:00Z'], 'EDT then EST');
});

t.test('a daily 02:30 on the spring-forward day happens at 03:30, once; on the autumn day once, at the first 02:30', async (t) => {
  const r = rec('DTSTART:19700101T023000\nRRULE:FREQ=DAILY', 'Europe/Stockholm');
  t.same(starts(r, Date.UTC(2026, 2, 28, 0), 3), ['2026-03-28T01:30:00Z', '2026-03-29T01:30:00Z', '2026-03-30T00:30:00Z']);
  t.same(starts(r, Date.UTC(2026, 9, 24, 12), 2), ['2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z']);
});

t.test('a window across the spring change keeps its local ends (01:00–04:00 is two real hours that night)', async (t) => {
  const r = rec('DTSTART:19700101T010000\nDTEND:19700101T040000\nRRULE:FREQ=DAILY', 'Europe/Stockholm');
  const w = r.upcoming(Date.UTC(2026, 2, 28, 23, 30), 1)[0]!;
  t.same([iso(w.start), iso(w.end)], ['2026-03-29T00:00:00Z', '2026-03-29T02:00:00Z']);
  t.same(r.position(Date.UTC(2026, 2, 29, 1, 59)).latest, w, 'inside it just before its end');
  const after = r.position(Date.UTC(2026, 2, 29, 2, 0));
  t.ok(after.latest && after.latest.end <= Date.UTC(2026, 2, 29, 2, 0), 'over at 04:00 CEST');
  t.same(r.upcoming(Date.UTC(2026, 2, 29, 2, 0), 1).map((x) => iso(x.start)), ['2026-03-29T23:00:00Z'], 'the next is 01:00 CEST');
});

t.test('UTC and TZID times ignore the device zone; weekly and monthly rules; a rule from 1970 by the minute is cheap', async (t) => {
  t.same(starts(rec('DTSTART:20260101T080000Z\nRRULE:FREQ=DAILY', 'Europe/Stockholm'), Date.UTC(2026, 5, 1), 1), ['2026-06-01T08:00:00Z']);
  t.same(starts(rec('DTSTART;TZID=Asia/Tokyo:20260101T090000\nRRULE:FREQ=DAILY', 'Europe/Stockholm'), Date.UTC(2026, 4, 31, 12), 1), ['2026-06-01T00:00:00Z']);
  const office = rec('DTSTART:19700105T080000\nDTEND:19700105T170000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', 'UTC');
  t.same(starts(office, Date.UTC(2026, 11, 4, 18), 2), ['2026-12-07T08:00:00Z', '2026-12-08T08:00:00Z'], 'Friday evening: next is Monday');
  t.same(starts(rec('DTSTART:19700131T080000\nRRULE:FREQ=MONTHLY', 'UTC'), Date.UTC(2026, 1, 1), 3), ['2026-03-31T08:00:00Z', '2026-05-31T08:00:00Z', '2026-07-31T08:00:00Z'], 'the 31st only in months that have one');
  t.same(starts(rec('DTSTART:19720229T120000\nRRULE:FREQ=YEARLY', 'UTC'), Date.UTC(2026, 0, 1), 1), ['2028-02-29T12:00:00Z']);
  const minutely = rec('DTSTART:19700101T000000\\nRRULE:FREQ=MINUTELY;INTERVAL=1', 'UTC');
  t.same(starts(minutely, Date.UTC(2026, 11, 6, 22, 40, 30), 2), ['2026-12-06T22:41:00Z', '2026-12-06T22:42:00Z'], 'the ical1 text with a literal \\n');
  t.same(starts(rec('DTSTART:19700101T000000\nRRULE:FREQ=MINUTELY;INTERVAL=7', 'UTC'), Date.UTC(2026, 0, 1, 0, 0, 1), 1), [iso(Math.ceil(Date.UTC(2026, 0, 1, 0, 0, 1) / 420_000) * 420_000)], 'the re-based start keeps the interval');
  t.same(starts(rec('DTSTART:20260101T000000\nRRULE:FREQ=DAILY;UNTIL=20260103T000000', 'UTC'), Date.UTC(2026, 0, 1, 12), 5), ['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z']);
  t.same(starts(rec('DTSTART:20260101T000000', 'UTC'), Date.UTC(2025, 0, 1), 5), ['2026-01-01T00:00:00Z'], 'no RRULE: once');
});

t.test('bad schedule texts are refused with the reason', async (t) => {
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['RRULE:FREQ=DAILY', /needs DTSTART/],
    ['DTSTART:19700101T250000', /not a real date/],
    ['DTSTART:19700230T000000', /not a real date/],
    ['DTSTART:1970-01-01 08:00', /not an iCalendar date-time/],
    ['DTSTART:19700101T080000\nDTSTART:19700101T090000', /given twice/],
    ['DTSTART:19700101T080000\nSUMMARY:x', /unsupported property/],
    ['DTSTART;TZID=Mars/Olympus:19700101T080000', /unknown time zone/],
    ['DTSTART:19700101T080000Z\nDTEND:19700101T090000', /same time zone/],
    ['DTSTART:19700101T080000\nDTEND:19700101T080000', /after DTSTART/],
    ['DTSTART:19700101T080000\nRRULE:FREQ=SECONDLY', /one a minute/],
    ['DTSTART:19700101T080000\nRRULE:FREQ=MINUTELY;BYSECOND=1,2', /one a minute/],
    ['DTSTART:19700101T080000\nRRULE:INTERVAL=2', /needs FREQ/],
    ['DTSTART:19700101T080000\nRRULE:FREQ=DAILY;INTERVAL=abc', /INTERVAL=ABC/],
    ['DTSTART:19700101T080000\nRRULE:FREQ=DAILY;COUNT=3', /COUNT is not supported/],
    ['DTSTART:19700101T080000\nRRULE:FREQ=DAILY;BYHOUR=24', /BYHOUR/],
    ['DTSTART:19700101T080000\nRRULE:FREQ=DAILY;FOO=1', /unsupported RRULE part/],
    ['DTSTART:19700101T080000\nRRULE:FREQ=DAILY;FREQ=WEEKLY', /twice/],
    ['DTSTART:19700101T080000\nRRULE:FREQ=DAILY;INTERVAL=0', /INTERVAL/],
    ['garbage', /not an iCalendar property line/],
  ];
  for (const [ical, why] of bad) t.match(parseIcal(ical), why, JSON.stringify(ical));
});

t.test('limits: text length, INTERVAL and window length, each at the limit', async (t) => {
  const base = 'DTSTART:19700101T080000\nRRULE:FREQ=DAILY';
  const pad = (n: number) => base + '\n' + ' '.repeat(n - base.length - 1);
  t.type(parseIcal(pad(ICAL_LIMITS.length)), 'object', 'exactly the longest text');
  t.match(parseIcal(pad(ICAL_LIMITS.length + 1)), /longer than 1024/);
  t.type(parseIcal(`${base};INTERVAL=${ICAL_LIMITS.interval}`), 'object');
  t.match(parseIcal(`${base};INTERVAL=${ICAL_LIMITS.interval + 1}`), /INTERVAL/);
  t.type(parseIcal('DTSTART:19700101T000000\nDTEND:19700108T000000\nRRULE:FREQ=WEEKLY'), 'object', 'a 7-day window');
  t.match(parseIcal('DTSTART:19700101T000000\nDTEND:19700108T000001\nRRULE:FREQ=WEEKLY'), /at most 168 hours/);
  t.type(parseIcal('DTSTART:19700101T000000\nDTEND:19700102T000000\nRRULE:FREQ=MINUTELY;INTERVAL=5'), 'object', 'a minutely rule with a one-day window');
  t.match(parseIcal('DTSTART:19700101T000000\nDTEND:19700102T000100\nRRULE:FREQ=MINUTELY;INTERVAL=5'), /at most 24 hours long when it recurs by the minute/);
  const p = parseIcal('DTSTART:19700101T080000\r\nDTEND:19700101T170000\r\nRRULE:freq=daily') as ParsedIcal;
  t.match(p, { durationMs: 9 * 3_600_000, rrule: 'FREQ=DAILY', freq: 'DAILY' }, 'CRLF and lower case taken');
});

t.test('a rule that never occurs is refused (rrule would search day by day to the year 9999)', async (t) => {
  for (const never of [
    'DTSTART:19700101T000000\nRRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30',
    'DTSTART:19700101T000000\nRRULE:FREQ=HOURLY;BYMONTH=4;BYMONTHDAY=31',
    'DTSTART:19700101T000000\nRRULE:FREQ=DAILY;BYHOUR=1,2;BYSETPOS=3',
    'DTSTART:19700101T000000\nRRULE:FREQ=MONTHLY;BYDAY=6MO',
  ])
    t.equal(checkIcal(never), 'the rule never occurs', never);
  t.equal(checkIcal('DTSTART:19700101T000000\nRRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO'), undefined, 'rare (29 February on a Monday) is fine');
  t.equal(checkIcal('DTSTART:19700101T000000\nRRULE:FREQ=YEARLY;INTERVAL=1000'), undefined, 'once in a thousand years is fine');
  t.equal(checkIcal('DTSTART:19700101T000000\nRRULE:FREQ=DAILY;UNTIL=19710101'), undefined, 'a rule that is over is still a rule');
  t.match(compileIcal('DTSTART:19700101T080000\nDTEND:19700101T170000\nRRULE:FREQ=DAILY'), { durationMs: 9 * 3_600_000 });
  t.same(starts(rec('DTSTART:19700101T000000\nRRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO', 'UTC'), Date.UTC(2026, 0, 1), 1), [], 'none listed: past the look-ahead of a minutely rule (2 days), which bounds the work');
  t.same(starts(rec('DTSTART:19700101T000000\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=TU', 'UTC'), Date.UTC(2026, 0, 1), 1), ['2028-02-29T00:00:00Z'], 'a daily rule looks ahead two years');
});

import t from 'tap';
import { ManualClock } from '../src/schedules/clock.js';
import { REPLAN_MS, Scheduler, type ScheduleOut } from '../src/schedules/scheduler.js';

const iso = (ms: number) => new Date(ms).toISOString().replace('.000', '');

/** A scheduler on a clock the test moves, recording what it says with the (clock) time it said it. */
function setup(startUtc: number, zone = 'Europe/Stockholm') {
  const clock = new ManualClock(startUtc);
  const said: string[] = [];
  const declared: { schedules: string[]; pulses: string[] }[] = [];
  const out: ScheduleOut = {
    setActive: (id, active) => said.push(`${iso(clock.now())} ${id} ${active ? 'active' : 'inactive'}`),
    remove: (id) => said.push(`${iso(clock.now())} ${id} deleted`),
    pulse: (id) => said.push(`${iso(clock.now())} ${id} pulse`),
    declare: (schedules, pulses) => declared.push({ schedules, pulses }),
  };
  const s = new Scheduler(clock, out, zone);
  return { clock, said, declared, s };
}

const DAILY_8_17 = 'DTSTART:19700101T080000\nDTEND:19700101T170000\nRRULE:FREQ=DAILY';

t.test('a daily 08:00–17:00 schedule across the spring DST change: Initialized, then each edge at 08:00 and 17:00 local', async (t) => {
  const { clock, said, s } = setup(Date.UTC(2026, 2, 28, 12));
  t.teardown(() => s.stop());
  s.load([{ id: 1, name: 'day', ical: DAILY_8_17 }]);
  clock.advanceTo(Date.UTC(2026, 2, 30, 12));
  t.same(said, [
    '2026-03-28T12:00:00Z 1 active', // Initialized: inside the window at start
    '2026-03-28T16:00:00Z 1 inactive', // 17:00 CET
    '2026-03-29T06:00:00Z 1 active', // 08:00 CEST (the night was one hour shorter)
    '2026-03-29T15:00:00Z 1 inactive',
    '2026-03-30T06:00:00Z 1 active',
  ]);
});

t.test('across the autumn change too, and with no timer further than the re-plan interval ahead', async (t) => {
  const { clock, said, s } = setup(Date.UTC(2026, 9, 24, 20));
  t.teardown(() => s.stop());
  s.load([{ id: 4, name: 'day', ical: DAILY_8_17 }]);
  t.equal(clock.timers, 1, 'one timer per schedule');
  clock.advanceTo(Date.UTC(2026, 9, 25, 20));
  t.same(said, ['2026-10-24T20:00:00Z 4 inactive', '2026-10-25T07:00:00Z 4 active', '2026-10-25T16:00:00Z 4 inactive']);
  t.ok(REPLAN_MS <= 3_600_000);
});

t.test('a pulse every 15 minutes sends one Pulse at each, none for the time before it was loaded', async (t) => {
  const { clock, said, s, declared } = setup(Date.UTC(2026, 5, 1, 9, 7));
  t.teardown(() => s.stop());
  s.load([{ id: 2, name: 'quarter', ical: 'DTSTART:19700101T000000\nRRULE:FREQ=MINUTELY;INTERVAL=15' }]);
  t.same(declared.at(-1), { schedules: [], pulses: ['2'] });
  clock.advanceTo(Date.UTC(2026, 5, 1, 10, 0));
  t.same(said, ['2026-06-01T09:15:00Z 2 pulse', '2026-06-01T09:30:00Z 2 pulse', '2026-06-01T09:45:00Z 2 pulse', '2026-06-01T10:00:00Z 2 pulse']);
});

t.test('a 02:30 pulse on the spring-forward night comes once, at 03:30 local', async (t) => {
  const { clock, said, s } = setup(Date.UTC(2026, 2, 27, 12));
  t.teardown(() => s.stop());
  s.load([{ id: 3, name: 'night', ical: 'DTSTART:19700101T023000\nRRULE:FREQ=DAILY' }]);
  clock.advanceTo(Date.UTC(2026, 2, 30, 12));
  t.same(said, ['2026-03-28T01:30:00Z 3 pulse', '2026-03-29T01:30:00Z 3 pulse', '2026-03-30T00:30:00Z 3 pulse']);
});

t.test('a schedule removed stops its events: its instance is deleted, no timer is left', async (t) => {
  const { clock, said, s, declared } = setup(Date.UTC(2026, 5, 1, 9));
  t.teardown(() => s.stop());
  const pulse = { id: 6, name: 'p', ical: 'DTSTART:19700101T000000\nRRULE:FREQ=HOURLY' };
  s.load([{ id: 5, name: 'day', ical: DAILY_8_17 }, pulse]);
  s.load([]);
  t.same(said, ['2026-06-01T09:00:00Z 5 active', '2026-06-01T09:00:00Z 5 deleted']);
  t.same(declared.at(-1), { schedules: [], pulses: [] });
  t.equal(clock.timers, 0);
  clock.advance(3 * 86_400_000);
  t.equal(said.length, 2, 'nothing after its removal');
});

t.test('a changed schedule re-plans on the same instance; schedule ↔ pulse changes the topic', async (t) => {
  const { clock, said, s } = setup(Date.UTC(2026, 5, 1, 9));
  t.teardown(() => s.stop());
  s.load([{ id: 7, name: 'day', ical: DAILY_8_17 }]);
  s.load([{ id: 7, name: 'renamed', ical: DAILY_8_17 }]);
  s.load([{ id: 7, name: 'later', ical: 'DTSTART:19700101T120000\nDTEND:19700101T170000\nRRULE:FREQ=DAILY' }]);
  clock.advanceTo(Date.UTC(2026, 5, 1, 10, 30));
  s.load([{ id: 7, name: 'pulse now', ical: 'DTSTART:19700101T000000\nRRULE:FREQ=HOURLY' }]);
  clock.advanceTo(Date.UTC(2026, 5, 1, 11, 0));
  t.same(said, [
    '2026-06-01T09:00:00Z 7 active', // 11:00 CEST, inside 08–17
    '2026-06-01T09:00:00Z 7 inactive', // now 12:00–17:00 local: not yet (a rename alone said nothing)
    '2026-06-01T10:00:00Z 7 active',
    '2026-06-01T10:30:00Z 7 deleted', // a pulse now: the Interval instance goes
    '2026-06-01T11:00:00Z 7 pulse',
  ]);
});

t.test('a time zone change re-plans every schedule', async (t) => {
  const { said, s } = setup(Date.UTC(2026, 5, 1, 7), 'UTC');
  t.teardown(() => s.stop());
  s.load([{ id: 8, name: 'day', ical: DAILY_8_17 }]);
  s.setZone('Asia/Tokyo'); // 16:00 in Tokyo: inside
  s.setZone('America/New_York'); // 03:00 in New York: outside
  t.same(said, ['2026-06-01T07:00:00Z 8 inactive', '2026-06-01T07:00:00Z 8 active', '2026-06-01T07:00:00Z 8 inactive']);
});

t.test('a stored text that is not valid is skipped, the others run', async (t) => {
  const { said, s, declared } = setup(Date.UTC(2026, 5, 1, 9));
  t.teardown(() => s.stop());
  s.load([{ id: 9, name: 'bad', ical: 'DTSTART:nonsense' }, { id: 10, name: 'ok', ical: DAILY_8_17 }]);
  t.same(said, ['2026-06-01T09:00:00Z 10 active']);
  t.same(declared.at(-1), { schedules: ['10'], pulses: [] });
  t.same(s.upcoming(9, 3), { windows: [] });
  t.match(s.upcoming(10, 2), { active: true, windows: [{ start: Date.UTC(2026, 5, 1, 6) }, { start: Date.UTC(2026, 5, 2, 6) }] });
});

t.test('overlapping windows are one active stretch; after the clock is set back the window still comes, once', async (t) => {
  const { clock, said, s } = setup(Date.UTC(2026, 5, 1, 8, 59), 'UTC');
  t.teardown(() => s.stop());
  // 90-minute windows every hour from 09:00 until 12:00 (UNTIL): active 09:00–13:30 without a gap
  s.load([{ id: 11, name: 'overlap', ical: 'DTSTART:20260601T090000\nDTEND:20260601T103000\nRRULE:FREQ=HOURLY;UNTIL=20260601T120000' }]);
  clock.advanceTo(Date.UTC(2026, 5, 1, 15));
  t.same(said, ['2026-06-01T08:59:00Z 11 inactive', '2026-06-01T09:00:00Z 11 active', '2026-06-01T13:30:00Z 11 inactive']);
  said.length = 0;
  const back = new ManualClock(Date.UTC(2026, 5, 1, 15));
  const b = new Scheduler(back, { setActive: (id, a) => said.push(`${id} ${a}`), remove: () => undefined, pulse: (id) => said.push(`${id} pulse`), declare: () => undefined }, 'UTC');
  t.teardown(() => b.stop());
  b.load([{ id: 12, name: 'daily', ical: 'DTSTART:19700101T160000\nDTEND:19700101T170000\nRRULE:FREQ=DAILY' }]);
  back.advance(30 * 60_000);
  back.jump(-5.5 * 3_600_000); // NTP sets the clock back to 10:00; the timer set for 16:00 fires at 10:30
  back.advance(7 * 3_600_000);
  t.same(said, ['12 false', '12 true', '12 false'], 'the window at 16:00 still comes, once');
});

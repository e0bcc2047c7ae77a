import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routeServer } from '@belfry/core/http';
import { forwardedAs } from '@belfry/core/testing';
import { SCHEDULES_ROUTES } from '../src/contract/schedules.js';
import { LIMITS } from '../src/model.js';
import { scheduleHandlers } from '../src/schedules/api.js';
import { ManualClock } from '../src/schedules/clock.js';
import { DEFAULT_SCHEDULES, seedSchedules } from '../src/schedules/defaults.js';
import { Scheduler } from '../src/schedules/scheduler.js';
import { EventdStore } from '../src/store.js';

/** The schedules API in process over a real store (seeded as a new device is) and a scheduler on a manual clock. */
async function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'eventd-schedules-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = new EventdStore(dir);
  store.load(seedSchedules);
  // Friday 4 December 2026, 12:00 in Stockholm
  const clock = new ManualClock(Date.UTC(2026, 11, 4, 11));
  const events: string[] = [];
  const scheduler = new Scheduler(clock, { setActive: (id, a) => events.push(`${id} ${a}`), remove: (id) => events.push(`${id} deleted`), pulse: (id) => events.push(`${id} pulse`), declare: () => undefined }, 'Europe/Stockholm');
  scheduler.load(store.list('schedules'));
  const off = store.onChange((table) => table === 'schedules' && scheduler.load(store.list('schedules')));
  const app = forwardedAs(routeServer(SCHEDULES_ROUTES, scheduleHandlers(store, scheduler, () => 'Europe/Stockholm')));
  await app.ready();
  t.teardown(async () => {
    off();
    scheduler.stop();
    await app.close();
  });
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) => {
    const r = await app.inject({ method, url, ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    return { status: r.statusCode, json: JSON.parse(r.body) as any };
  };
  return { dir, store, clock, events, call };
}

t.test('a new device has the default schedules, each with its state and next windows in local time', async (t) => {
  const { call, events } = await setup(t);
  const r = await call('GET', '/api/v1/events/schedules?next=2');
  t.equal(r.status, 200);
  t.equal(r.json.timeZone, 'Europe/Stockholm');
  t.same(r.json.schedules.map((s: { name: string }) => s.name), DEFAULT_SCHEDULES.map((s) => s.name));
  const [office, after, weekdays, weekends] = r.json.schedules;
  t.match(office, { kind: 'schedule', active: true, next: [{ start: '2026-12-04T07:00:00.000Z', end: '2026-12-04T16:00:00.000Z' }, { start: '2026-12-07T07:00:00.000Z' }] });
  t.match(after, { active: false, next: [{ start: '2026-12-04T17:00:00.000Z', end: '2026-12-05T07:00:00.000Z' }] });
  t.match(weekdays, { active: true, next: [{ start: '2026-11-29T23:00:00.000Z', end: '2026-12-04T23:00:00.000Z' }] });
  t.match(weekends, { active: false, next: [{ start: '2026-12-04T23:00:00.000Z', end: '2026-12-06T23:00:00.000Z' }] });
  t.same(events.sort(), ['1 true', '2 false', '3 true', '4 false']);
});

t.test('create, read, change and remove; the scheduler follows each change', async (t) => {
  const { call, events, clock } = await setup(t);
  events.length = 0;
  const made = await call('POST', '/api/v1/events/schedules', { name: 'Every 10 minutes', ical: 'DTSTART:19700101T000000\nRRULE:FREQ=MINUTELY;INTERVAL=10' });
  t.equal(made.status, 201);
  t.match(made.json, { id: 5, name: 'Every 10 minutes', kind: 'pulse', next: [{ start: '2026-12-04T11:10:00.000Z' }] });
  t.notOk('active' in made.json, 'a pulse has no state');
  t.notOk('end' in made.json.next[0]);
  clock.advance(10 * 60_000);
  t.same(events, ['5 pulse']);
  t.match((await call('GET', '/api/v1/events/schedules/5')).json, { id: 5, name: 'Every 10 minutes' });
  const changed = await call('PUT', '/api/v1/events/schedules/5', { name: 'Lunch', ical: 'DTSTART:19700101T120000\nDTEND:19700101T130000\nRRULE:FREQ=DAILY' });
  t.equal(changed.status, 200);
  t.match(changed.json, { id: 5, name: 'Lunch', kind: 'schedule', active: true });
  t.same(events, ['5 pulse', '5 true']);
  t.same((await call('DELETE', '/api/v1/events/schedules/5')).json, {});
  t.same(events, ['5 pulse', '5 true', '5 deleted']);
  clock.advance(86_400_000);
  // Friday 12:10 to Saturday 12:10: office hours end, after hours come and go, the weekend starts
  t.same(events.slice(3).sort(), ['1 false', '2 false', '2 true', '3 false', '4 true'], 'the others go on, the removed one says nothing more');
  t.equal((await call('GET', '/api/v1/events/schedules/5')).status, 404);
  t.equal((await call('DELETE', '/api/v1/events/schedules/5')).status, 404);
  t.equal((await call('PUT', '/api/v1/events/schedules/5', { name: 'x', ical: 'DTSTART:19700101T000000' })).status, 404);
});

t.test('bad input is a 400 (or 404, 409) in the JSON API shape, and nothing is stored', async (t) => {
  const { call, store } = await setup(t);
  const before = store.list('schedules').length;
  const bad: [unknown, RegExp][] = [
    [{ name: 'x', ical: 'DTSTART:19700101T250000' }, /ical: DTSTART/],
    [{ name: 'x', ical: 'DTSTART:19700101T000000\nRRULE:FREQ=SECONDLY' }, /one a minute/],
    [{ name: 'x' }, /ical is required/],
    [{ ical: 'DTSTART:19700101T000000' }, /name is required/],
    [{ name: '', ical: 'DTSTART:19700101T000000' }, /name/],
    [{ name: 'a\u0007b', ical: 'DTSTART:19700101T000000' }, /control character/],
    [{ name: 'x'.repeat(256), ical: 'DTSTART:19700101T000000' }, /name/],
    [{ name: 'x', ical: 'DTSTART:19700101T000000', extra: 1 }, /unknown field extra/],
    ['{not json', /not valid JSON/],
  ];
  for (const [body, why] of bad) {
    const r = await call('POST', '/api/v1/events/schedules', body);
    t.equal(r.status, 400, JSON.stringify(body));
    t.match(r.json, { error: { code: /invalid_argument|bad_request/, message: why } });
  }
  t.equal((await call('PUT', '/api/v1/events/schedules/1', { name: 'x', ical: 'nonsense' })).status, 400);
  t.equal((await call('GET', '/api/v1/events/schedules/abc')).status, 400);
  t.equal((await call('GET', '/api/v1/events/schedules?next=21')).status, 400, 'at most 20 next occurrences');
  t.equal((await call('GET', '/api/v1/events/schedules?next=20')).json.schedules[0].next.length, 20);
  t.equal(store.list('schedules').length, before);
  t.equal(store.get('schedules', 1)!.name, 'Office hours', 'the refused change changed nothing');
});

t.test(`the ${LIMITS.schedules}th schedule is taken, the next one is refused with 409`, async (t) => {
  const { call, store, dir } = await setup(t);
  for (let i = store.list('schedules').length; i < LIMITS.schedules; i++) t.equal((await call('POST', '/api/v1/events/schedules', { name: `s${i}`, ical: 'DTSTART:19700101T000000\nRRULE:FREQ=HOURLY' })).status, 201);
  const over = await call('POST', '/api/v1/events/schedules', { name: 'one too many', ical: 'DTSTART:19700101T000000' });
  t.equal(over.status, 409);
  t.match(over.json, { error: { code: 'limit_exceeded' } });
  const again = new EventdStore(dir);
  again.load();
  t.equal(again.list('schedules').length, LIMITS.schedules, 'what was taken survives a restart, the refused one is not there');
});

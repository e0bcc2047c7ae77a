import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICES, T, instanceLevel, subscribeEvents, type BelfryEvent } from '@belfry/core';
import { startTestBus } from '@belfry/core/testing';
import { daemon as paramd } from '@belfry/paramd';
import { Catalogue } from '../src/catalogue.js';
import { ManualClock } from '../src/schedules/clock.js';
import { seedSchedules } from '../src/schedules/defaults.js';
import { INTERVAL } from '../src/schedules/events.js';
import { schedulesPart } from '../src/schedules/part.js';
import { EventdStore } from '../src/store.js';

/** The schedules part on a real broker and paramd: what it leaves retained is what the store has. */
t.test('an Interval instance left retained for a schedule that is gone is Deleted at start; current ones are Initialized', async (t) => {
  const tb = await startTestBus([...SERVICES.map((s) => s.name), 'tester']);
  t.teardown(() => tb.stop());
  const dir = mkdtempSync(join(tmpdir(), 'eventd-stale-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await tb.run(paramd);

  // an earlier run's retained state: schedule 77 (gone now) and 1 (still there)
  const earlier = await tb.connect('eventd');
  for (const id of ['77', '1']) {
    const ev: BelfryEvent = { topic: INTERVAL, utcTime: new Date().toISOString(), source: { id }, key: {}, data: { active: true }, op: 'Changed' };
    await earlier.publishAck(`${T.event('eventd', INTERVAL)}/${instanceLevel({ id })}`, JSON.stringify(ev), { retain: true });
  }
  await earlier.close(200);

  const tester = await tb.connect('tester');
  const seen: BelfryEvent[] = [];
  await subscribeEvents(tester, INTERVAL, (ev) => seen.push(ev), 'eventd');
  const until = async (what: string, cond: () => boolean) => {
    for (let i = 0; !cond(); i++) {
      if (i > 400) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(seen)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  await until('the earlier retained states', () => seen.length === 2);

  let stopPart: (() => unknown) | undefined;
  await tb.run({
    name: 'eventd',
    async start(ctx) {
      const store = new EventdStore(dir);
      store.load(seedSchedules);
      // Saturday noon UTC: only "Weekends" is active
      const part = await schedulesPart(new ManualClock(Date.UTC(2026, 11, 5, 12)))({ ctx, store, catalogue: new Catalogue(), shared: { localActions: new Map() } });
      stopPart = () => part.stop();
      return { stop: async () => void (await stopPart?.()) };
    },
  });
  await until('77 Deleted', () => seen.some((e) => e.source.id === '77' && e.op === 'Deleted'));
  await until('the four defaults', () => ['1', '2', '3', '4'].every((id) => seen.some((e) => e.source.id === id && e.op !== 'Deleted' && e.producer === 'eventd' && seen.indexOf(e) >= 2)));
  t.notOk(seen.some((e) => e.source.id === '1' && e.op === 'Deleted'), 'a current schedule is kept');

  // what a new subscriber gets now: exactly the store's schedules, with their current state
  const fresh = await tb.connect('tester');
  const now: BelfryEvent[] = [];
  await subscribeEvents(fresh, INTERVAL, (ev) => now.push(ev), 'eventd');
  for (let i = 0; now.length < 4 && i < 400; i++) await new Promise((r) => setTimeout(r, 25));
  t.same(now.map((e) => [e.op, e.source.id, e.data.active]).sort(), [['Initialized', '1', false], ['Initialized', '2', false], ['Initialized', '3', false], ['Initialized', '4', true]]);
});

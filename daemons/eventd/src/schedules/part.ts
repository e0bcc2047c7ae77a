import type { StartPart } from '../part.js';
import { scheduleHandlers } from './api.js';
import { systemClock, type Clock } from './clock.js';
import { INTERVAL, PULSE, scheduleDecls } from './events.js';
import { checkIcal } from './ical.js';
import { Scheduler } from './scheduler.js';
import { validZone } from './zone.js';

const TZ_PARAM = 'Time.TimeZone';

/**
 * The schedules part: runs the store's schedules and pulses in the device's time zone
 * (`Time.TimeZone`, followed as it changes), re-plans when the store's `schedules` table changes
 * (this part's JSON API and the SOAP part's Add/RemoveScheduledEvent both write there), and offers
 * `shared.checkSchedule`. `clock` is for tests.
 */
export function schedulesPart(clock: Clock = systemClock): StartPart {
  return async ({ ctx, store, shared }) => {
    const zoneOf = (v: string | null | undefined) => (v && validZone(v) ? v : 'UTC');
    let zone = zoneOf(await ctx.params.get(TZ_PARAM));
    const scheduler = new Scheduler(
      clock,
      {
        setActive: (id, active) => ctx.events.setState(INTERVAL, { id }, { active }),
        remove: (id) => ctx.events.deleteState(INTERVAL, { id }),
        pulse: (id) => ctx.events.emit(PULSE, { source: { id }, data: {} }),
        declare: (schedules, pulses) => ctx.events.declare(scheduleDecls(schedules, pulses)),
      },
      zone,
      ctx.log,
    );
    ctx.events.declare(scheduleDecls([], []));
    scheduler.load(store.list('schedules'));
    const offStore = store.onChange((table) => {
      if (table === 'schedules') scheduler.load(store.list('schedules'));
    });
    const offZone = ctx.params.onChange(TZ_PARAM, (c) => {
      if (!(TZ_PARAM in c)) return;
      zone = zoneOf(c[TZ_PARAM]);
      ctx.log.info({ zone }, 'time zone changed: schedules re-planned');
      scheduler.setZone(zone);
    });
    shared.checkSchedule = checkIcal;
    return {
      handlers: scheduleHandlers(store, scheduler, () => zone),
      stop() {
        offStore();
        offZone();
        scheduler.stop();
      },
    };
  };
}

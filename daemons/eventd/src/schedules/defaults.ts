import type { EventdStore } from '../store.js';

/**
 * The schedules a new device has, as the devices we match ship them (floating times: the device's
 * time zone). 5 January 1970 was a Monday: "Weekdays" is one window from Monday 00:00 to Saturday
 * 00:00 each week, "Weekends" from Saturday 00:00 to Monday 00:00. "After hours" is every evening at
 * 18:00 to 08:00 the next morning (one recurrence cannot also cover weekend days; combine it with
 * "Weekends" in a second rule for that).
 */
export const DEFAULT_SCHEDULES: readonly { name: string; ical: string }[] = [
  { name: 'Office hours', ical: 'DTSTART:19700105T080000\nDTEND:19700105T170000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR' },
  { name: 'After hours', ical: 'DTSTART:19700101T180000\nDTEND:19700102T080000\nRRULE:FREQ=DAILY' },
  { name: 'Weekdays', ical: 'DTSTART:19700105T000000\nDTEND:19700110T000000\nRRULE:FREQ=WEEKLY' },
  { name: 'Weekends', ical: 'DTSTART:19700103T000000\nDTEND:19700105T000000\nRRULE:FREQ=WEEKLY' },
];

/** Seeds a device that has no configuration (store.load's `seed`, with the preconfigured rules). */
export function seedSchedules(store: EventdStore): void {
  for (const s of DEFAULT_SCHEDULES) store.add('schedules', { ...s });
}

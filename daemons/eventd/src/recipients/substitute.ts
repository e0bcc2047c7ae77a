import type { BelfryEvent } from '@belfry/core';
import { utcToWall } from '../schedules/zone.js';

/** What a message's modifiers are replaced with, besides the event itself. */
export interface SubstituteContext {
  /** IANA time zone of the device (`Time.TimeZone`); dates and times are local to it */
  zone: string;
  serial: string;
  hostname: string;
  /** when the event carries no time (a test, a manual run) */
  now?: Date;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * Event data substitution in a notification's text (message, subject, query, body, file name), in
 * the style of Axis's `#` modifiers:
 *
 * | modifier | becomes |
 * |---|---|
 * | `#D` | date of the event, `YYYY-MM-DD` (device time zone) |
 * | `#T` | time of the event, `HH:MM:SS` (device time zone) |
 * | `#U` | the event's UTC time, ISO 8601 |
 * | `#E` | the event's topic (`tns1:Device/tnsaxis:IO/VirtualInput`) |
 * | `#O` | the property operation of a stateful event (`Initialized`, `Changed`, `Deleted`) or empty |
 * | `#S` | the device's serial number |
 * | `#H` | the device's host name |
 * | `#{name}` | the value of the event's source, key or data item `name` (in that order), empty when absent |
 * | `##` | a `#` |
 *
 * Anything else after `#` is left as it is. A substituted value is never substituted again; in a
 * query string (`encode`) it is URL-encoded, the text around it is taken as written.
 */
export function substitute(text: string, ev: BelfryEvent | undefined, c: SubstituteContext, encode: (v: string) => string = (v) => v): string {
  const at = ev ? new Date(ev.utcTime) : (c.now ?? new Date());
  const utc = Number.isNaN(at.getTime()) ? (c.now ?? new Date()) : at;
  const wall = new Date(utcToWall(utc.getTime(), c.zone));
  const item = (name: string) => {
    for (const items of [ev?.source, ev?.key, ev?.data]) if (items && Object.hasOwn(items, name)) return String(items[name]);
    return '';
  };
  const fixed: Record<string, () => string> = {
    D: () => `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}`,
    T: () => `${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}`,
    U: () => utc.toISOString(),
    E: () => ev?.topic ?? '',
    O: () => ev?.op ?? '',
    S: () => c.serial,
    H: () => c.hostname,
    '#': () => '#',
  };
  return text.replace(/#(?:\{([^{}]{1,64})\}|([DTUEOSH#]))/g, (_m, name: string | undefined, code: string | undefined) => (code === '#' ? '#' : encode(name !== undefined ? item(name) : fixed[code!]!())));
}

import { Type } from 'typebox';
import type { RouteSchema, RouteSpec } from '@belfry/core/contract';

// ---- the web UI's schedules API (System > Events > Schedules); records live in eventd's store
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const ById = Type.Object({ id: Id }, { additionalProperties: false });
const Name = Type.String({ minLength: 1, maxLength: 255, description: 'shown in the rule editor; no control characters' });
const Ical = Type.String({
  minLength: 1,
  maxLength: 1024,
  description: 'iCalendar lines DTSTART, DTEND (a schedule; none for a pulse) and RRULE, e.g. "DTSTART:19700105T080000\\nDTEND:19700105T170000\\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"; floating times are in the device time zone (Time.TimeZone)',
});
const Body = Type.Object({ name: Name, ical: Ical }, { additionalProperties: false });
const Next = Type.Object({ next: Type.Optional(Type.Integer({ minimum: 0, maximum: 20, description: 'how many upcoming occurrences to show (default 5)' })) }, { additionalProperties: false });
const Occurrence = Type.Object({ start: Type.String({ description: 'UTC, ISO 8601' }), end: Type.Optional(Type.String({ description: 'UTC, ISO 8601 (schedules only)' })) });
export const ScheduleView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  ical: Type.String(),
  kind: Type.Union([Type.Literal('schedule'), Type.Literal('pulse')], { description: 'a schedule has windows (stateful Interval event), a pulse has instants (stateless Pulse event)' }),
  active: Type.Optional(Type.Boolean({ description: 'schedules: inside a window now' })),
  next: Type.Array(Occurrence, { description: 'the current window, if any, and the next ones, in the device time zone at the time of asking' }),
});
export const SCHEDULES_SCHEMAS = {
  list: {
    GET: { summary: 'the schedules and pulses, with their next occurrences', querystring: Next, response: { 200: Type.Object({ schedules: Type.Array(ScheduleView), timeZone: Type.String() }) } },
    POST: { summary: 'create a schedule (with DTEND) or a pulse (without)', querystring: Next, body: Body, response: { 201: ScheduleView } },
  },
  one: {
    GET: { summary: 'one schedule', params: ById, querystring: Next, response: { 200: ScheduleView } },
    PUT: { summary: 'change the name and text of a schedule', params: ById, querystring: Next, body: Body, response: { 200: ScheduleView } },
    DELETE: { summary: 'remove a schedule (its Interval instance is Deleted; rules that use it no longer fire on it)', params: ById, response: { 200: Type.Object({}, { additionalProperties: false }) } },
  },
} satisfies Record<string, Record<string, RouteSchema>>;

const json = 'application/json';

export const SCHEDULES_ROUTES: readonly RouteSpec[] = [
  { path: '/api/v1/events/schedules', methods: ['GET', 'POST'], access: 'admin', errors: 'json-api', summary: 'schedules and pulses (System > Events > Schedules)', schema: SCHEDULES_SCHEMAS.list, probe: { method: 'GET', url: '/api/v1/events/schedules', needs: 'admin' } },
  { path: '/api/v1/events/schedules/:id', methods: ['GET', 'PUT', 'DELETE'], access: 'admin', errors: 'json-api', summary: 'one schedule or pulse', schema: SCHEDULES_SCHEMAS.one, probe: { method: 'PUT', url: '/api/v1/events/schedules/99999', needs: 'admin', body: '{"name":"x","ical":"DTSTART:19700101T000000"}', contentType: json } },
];

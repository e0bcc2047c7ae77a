import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import { errorAnswer, sendAnswer, type RouteHandlers } from '@belfry/core/http';
import type { ScheduledEvent } from '../model.js';
import type { EventdStore } from '../store.js';
import { checkIcal, parseIcal } from './ical.js';
import type { Scheduler } from './scheduler.js';

const json = (reply: FastifyReply, status: number, body: unknown) => reply.code(status).type('application/json').send(JSON.stringify(body));
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** What the API shows of a schedule: the record, its kind, whether it is active, its next occurrences. */
export function scheduleView(s: ScheduledEvent, scheduler: Scheduler, count: number) {
  const p = parseIcal(s.ical);
  const pulse = typeof p !== 'string' && p.durationMs === undefined;
  const { windows, active } = scheduler.upcoming(s.id, count);
  const iso = (t: number) => new Date(t).toISOString();
  return {
    id: s.id,
    name: s.name,
    ical: s.ical,
    kind: pulse ? 'pulse' : 'schedule',
    ...(active === undefined ? {} : { active }),
    next: windows.map((w) => (pulse ? { start: iso(w.start) } : { start: iso(w.start), end: iso(w.end) })),
  };
}

/** A schedule as given (the schema has checked the shape): refused with the reason, nothing stored. */
function checked(body: { name: string; ical: string }): { name: string; ical: string } {
  if (CONTROL.test(body.name)) throw new BelfryError('invalid_argument', 'name contains a control character', { name: 'name' });
  const problem = checkIcal(body.ical);
  if (problem) throw new BelfryError('invalid_argument', `ical: ${problem}`, { name: 'ical' });
  return { name: body.name, ical: body.ical };
}

/** The schedules JSON API (`SCHEDULES_ROUTES`); the store is the one owner, the scheduler re-plans on its change. */
export function scheduleHandlers(store: EventdStore, scheduler: Scheduler, timeZone: () => string): RouteHandlers {
  const count = (req: FastifyRequest) => (req.query as { next?: number }).next ?? 5;
  const find = (id: number) => {
    const s = store.get('schedules', id);
    if (!s) throw new BelfryError('not_found', `no schedule ${id}`);
    return s;
  };
  const guarded = (fn: (req: FastifyRequest, reply: FastifyReply) => unknown) => async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      return await fn(req, reply);
    } catch (err) {
      return sendAnswer(reply, errorAnswer('json-api', err));
    }
  };
  return {
    '/api/v1/events/schedules': guarded((req, reply) => {
      if (req.method === 'POST') {
        const rec = store.add('schedules', checked(req.body as { name: string; ical: string }));
        return json(reply, 201, scheduleView(rec, scheduler, count(req)));
      }
      return json(reply, 200, { schedules: store.list('schedules').map((s) => scheduleView(s, scheduler, count(req))), timeZone: timeZone() });
    }),
    '/api/v1/events/schedules/:id': guarded((req, reply) => {
      const id = (req.params as { id: number }).id;
      const cur = find(id);
      if (req.method === 'DELETE') {
        store.remove('schedules', id);
        return json(reply, 200, {});
      }
      if (req.method === 'PUT') {
        const rec = { ...cur, ...checked(req.body as { name: string; ical: string }) };
        store.replace('schedules', rec);
        return json(reply, 200, scheduleView(rec, scheduler, count(req)));
      }
      return json(reply, 200, scheduleView(cur, scheduler, count(req)));
    }),
  };
}

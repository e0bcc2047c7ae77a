import type { Logger } from '@belfry/core';
import type { ScheduledEvent } from '../model.js';
import type { Clock } from './clock.js';
import { parseIcal } from './ical.js';
import { Recurrence, type Window } from './recurrence.js';

/** What the scheduler says: the Interval state of a schedule, its removal, a pulse, the current ids. */
export interface ScheduleOut {
  setActive(id: string, active: boolean): void;
  remove(id: string): void;
  pulse(id: string): void;
  declare(schedules: string[], pulses: string[]): void;
}

interface Entry {
  rec: ScheduledEvent;
  recurrence?: Recurrence;
  active?: boolean;
  timer?: unknown;
  /** the pulse the timer is set for, and the last one sent */
  due?: number;
  lastPulse: number;
}

/** At most this long between two looks at a schedule (a clock set by NTP or a zone change is caught up). */
export const REPLAN_MS = 3_600_000;

/**
 * Turns the store's schedules into events: a schedule (with DTEND) is the stateful
 * `…/Recurring/Interval` instance of its id, active inside each window; a pulse (no DTEND) is one
 * stateless `…/Recurring/Pulse` at each occurrence. One timer per schedule, set for its next change
 * (at most `REPLAN_MS` ahead); pulses missed while the device was off or busy are not sent late.
 */
export class Scheduler {
  private entries = new Map<number, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly out: ScheduleOut,
    private zone: string,
    private readonly log?: Logger,
  ) {}

  /** Makes the running set the store's list: new ones start, changed ones re-plan, removed ones stop (and their state is deleted). */
  load(list: readonly ScheduledEvent[]): void {
    const ids = new Set(list.map((s) => s.id));
    for (const [id, e] of this.entries) if (!ids.has(id)) this.drop(id, e);
    for (const s of list) {
      const e = this.entries.get(s.id);
      if (e && e.rec.ical === s.ical) {
        e.rec = s;
        continue;
      }
      const recurrence = this.compile(s);
      // a schedule that stays a schedule keeps its instance (a change of state is `Changed`, not a new one)
      const stays = !!e?.recurrence && !e.recurrence.isPulse && !!recurrence && !recurrence.isPulse;
      if (e) this.drop(s.id, e, stays);
      const entry: Entry = { rec: s, recurrence, lastPulse: this.clock.now(), ...(stays ? { active: e!.active } : {}) };
      this.entries.set(s.id, entry);
      this.plan(entry);
    }
    this.declare();
  }

  /** The device's time zone changed: every schedule in it is looked at again. */
  setZone(zone: string): void {
    if (zone === this.zone) return;
    this.zone = zone;
    for (const e of this.entries.values()) {
      e.recurrence = this.compile(e.rec);
      this.plan(e);
    }
  }

  /** The next windows of a schedule (the current one first), for the API. */
  upcoming(id: number, count: number): { windows: Window[]; active?: boolean } {
    const e = this.entries.get(id);
    if (!e?.recurrence) return { windows: [] };
    return { windows: e.recurrence.upcoming(this.clock.now(), count), ...(e.recurrence.isPulse ? {} : { active: e.active ?? false }) };
  }

  stop(): void {
    for (const e of this.entries.values()) this.clock.clearTimeout(e.timer);
    this.entries.clear();
  }

  private compile(s: ScheduledEvent): Recurrence | undefined {
    const p = parseIcal(s.ical);
    if (typeof p === 'string') {
      this.log?.warn({ schedule: s.id, problem: p }, 'schedule not run: its text is not valid');
      return undefined;
    }
    return new Recurrence(p, p.zone ?? this.zone);
  }

  private drop(id: number, e: Entry, keepState = false): void {
    this.clock.clearTimeout(e.timer);
    this.entries.delete(id);
    if (!keepState && e.recurrence && !e.recurrence.isPulse) this.out.remove(String(id));
  }

  private declare(): void {
    const of = (pulse: boolean) => [...this.entries.values()].filter((e) => e.recurrence && e.recurrence.isPulse === pulse).map((e) => String(e.rec.id));
    this.out.declare(of(false), of(true));
  }

  private plan(e: Entry): void {
    this.clock.clearTimeout(e.timer);
    e.timer = undefined;
    if (!e.recurrence) return;
    const now = this.clock.now();
    const pos = e.recurrence.position(now);
    let wake: number | undefined;
    if (e.recurrence.isPulse) {
      e.due = pos.next;
      wake = pos.next;
    } else {
      const active = !!pos.latest && pos.latest.end > now;
      if (active !== e.active) {
        e.active = active;
        this.out.setActive(String(e.rec.id), active);
      }
      wake = active ? pos.latest!.end : pos.next;
    }
    const at = Math.min(wake ?? Infinity, now + REPLAN_MS);
    e.timer = this.clock.setTimeout(() => this.fire(e), Math.max(0, at - now));
  }

  private fire(e: Entry): void {
    if (this.entries.get(e.rec.id) !== e) return;
    e.timer = undefined;
    const now = this.clock.now();
    if (e.recurrence?.isPulse && e.due !== undefined && e.due <= now && e.due > e.lastPulse) {
      e.lastPulse = e.due;
      this.out.pulse(String(e.rec.id));
    }
    this.plan(e);
  }
}

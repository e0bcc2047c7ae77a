import { BelfryError, DurableFile, type AuditLog } from '@belfry/core';
import { LIMITS, type ActionConfig, type ActionRule, type EventdConfig, type RecipientConfig, type ScheduledEvent, type Table } from './model.js';

type RecordOf<T extends Table> = EventdConfig[T][number];
type Listener = (table: Table) => void;

const EMPTY = (): EventdConfig => ({ actions: [], rules: [], recipients: [], schedules: [], next: { actions: 1, rules: 1, recipients: 1, schedules: 1 } });

function checkBody(b: unknown): string | undefined {
  const c = b as Partial<EventdConfig> | null;
  if (!c || typeof c !== 'object') return 'not an object';
  for (const t of ['actions', 'rules', 'recipients', 'schedules'] as const) if (!Array.isArray(c[t])) return `${t} is not a list`;
  return c.next && typeof c.next === 'object' ? undefined : 'no id counters';
}

/**
 * The one owner of eventd's configuration (action configurations, rules, recipients, schedules).
 * Every change is validated by the caller first, then saved durably (two copies, see DurableFile)
 * before it is acknowledged; listeners (the engine, the scheduler) are told after the save.
 */
export class EventdStore {
  private cfg: EventdConfig = EMPTY();
  private readonly file: DurableFile<EventdConfig>;
  private readonly listeners = new Set<Listener>();

  constructor(
    stateDir: string,
    private readonly audit?: AuditLog,
  ) {
    this.file = new DurableFile<EventdConfig>(stateDir, 'config', 'belfry-eventd-1', checkBody);
  }

  /** Loads the saved configuration; `seed` fills a device that has none (the preconfigured rules). */
  load(seed?: (store: EventdStore) => void): void {
    const r = this.file.load();
    for (const f of r.damaged) this.file.quarantine(f);
    if (r.problems.length) this.audit?.write('eventd.config.damaged', { fallback: r.fallback, problems: r.problems }, 'warn');
    this.cfg = r.value ?? EMPTY();
    if (!r.value && seed) seed(this);
    else if (!r.clean) this.file.save(this.cfg);
  }

  list<T extends Table>(table: T): readonly RecordOf<T>[] {
    return this.cfg[table] as RecordOf<T>[];
  }

  get<T extends Table>(table: T, id: number): RecordOf<T> | undefined {
    return (this.cfg[table] as RecordOf<T>[]).find((r) => r.id === id);
  }

  /** Adds a record (its id is given here) and saves; refuses past the table's limit. */
  add<T extends Table>(table: T, rec: Omit<RecordOf<T>, 'id'>): RecordOf<T> {
    const rows = this.cfg[table] as RecordOf<T>[];
    if (rows.length >= LIMITS[table]) throw new BelfryError('limit_exceeded', `at most ${LIMITS[table]} ${table}`);
    const full = { ...rec, id: this.cfg.next[table] } as RecordOf<T>;
    this.commit(table, () => {
      rows.push(full);
      this.cfg.next[table]++;
    });
    return full;
  }

  /** Replaces a record with the same id and saves. */
  replace<T extends Table>(table: T, rec: RecordOf<T>): void {
    const rows = this.cfg[table] as RecordOf<T>[];
    const i = rows.findIndex((r) => r.id === rec.id);
    if (i < 0) throw new BelfryError('not_found', `no ${table.slice(0, -1)} ${rec.id}`);
    this.commit(table, () => void (rows[i] = rec));
  }

  remove(table: Table, id: number): void {
    const rows = this.cfg[table] as { id: number }[];
    const i = rows.findIndex((r) => r.id === id);
    if (i < 0) throw new BelfryError('not_found', `no ${table.slice(0, -1)} ${id}`);
    this.commit(table, () => void rows.splice(i, 1));
  }

  onChange(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Applies `change` to a copy, saves it, and only then makes it current (a failed save changes nothing). */
  private commit(table: Table, change: () => void): void {
    const before = structuredClone(this.cfg);
    try {
      change();
      this.file.save(this.cfg);
    } catch (e) {
      this.cfg = before;
      throw e;
    }
    for (const fn of this.listeners) fn(table);
  }
}

export type { ActionConfig, ActionRule, RecipientConfig, ScheduledEvent };

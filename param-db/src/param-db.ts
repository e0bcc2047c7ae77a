import { BelfryError, type Level, type ParamDefinitionEntry, type ParamValues } from '@belfry/core';
import { compareNames, normalizeName, patternMatcher } from './names.js';
import { levelAtLeast, securityDigits, type Registry } from './registry.js';
import { MIGRATIONS, SCHEMA_VERSION, migrate, type Migration } from './migrations.js';
import { StoreFile } from './store-file.js';
import type { Fallback } from '@belfry/core';
import { checkValue } from './values.js';
import type { TemplateDef } from './types.js';

/** Most changes in one batch. */
export const MAX_BATCH = 1000;
/** Most names or groups in one list/get/remove. */
export const MAX_NAMES = 1000;

/** `warn` marks what an operator must notice (damaged or lost state) */
export type AuditFn = (action: string, fields: Record<string, unknown>, level?: 'warn') => void;

/** How the last `open` found the store: what it fell back to and why (empty when all was well). */
export interface StorageReport {
  fallback: Fallback;
  problems: string[];
}

export interface ParamDbOptions {
  registry: Registry;
  dir: string;
  audit?: AuditFn;
  schemaVersion?: number;
  migrations?: Migration[];
}

/** What a write changed; `null` = removed. Secret params are reported by name only. */
export interface ChangeSet {
  rev: number;
  changes: Record<string, string | null>;
  secret: string[];
}

/**
 * The parameter store: definitions, current values and their durable file. Every operation is
 * synchronous and all-or-nothing: it computes the complete next state, saves it durably, and only
 * then makes it current, so an error or a crash leaves the previous state whole.
 */
export class ParamDb {
  private values = new Map<string, string>();
  private _rev = 0;
  readonly file: StoreFile;
  private readonly reg: Registry;
  private readonly audit: AuditFn;
  private readonly schemaVersion: number;
  private readonly migrations: Migration[];
  private _storage: StorageReport = { fallback: 'none', problems: [] };

  constructor(opts: ParamDbOptions) {
    this.reg = opts.registry;
    this.file = new StoreFile(opts.dir);
    this.audit = opts.audit ?? (() => undefined);
    this.schemaVersion = opts.schemaVersion ?? SCHEMA_VERSION;
    this.migrations = opts.migrations ?? MIGRATIONS;
  }

  get rev(): number {
    return this._rev;
  }
  get registry(): Registry {
    return this.reg;
  }
  /** what the last `open` had to fall back to */
  get storage(): StorageReport {
    return this._storage;
  }

  /**
   * Loads the store: the newest valid copy, else (old layout) the previous file, else defaults, each
   * fallback with a warning audit line and in `storage`. Damaged files are moved aside and both
   * copies rewritten at once. Never throws for damaged files, so a bad store can never cause a crash loop.
   */
  open(): void {
    const r = this.file.load();
    for (const p of r.problems) this.audit('params.file_rejected', { problem: p }, 'warn');
    let state = r.state;
    // what loading changed (migrated, dropped, reset) is saved at once, so it is done and audited once
    let changed = false;
    const problems = [...r.problems];
    if (state) {
      try {
        const m = migrate(state.values, state.schemaVersion, this.schemaVersion, this.migrations);
        for (const a of m.applied) this.audit('params.migrated', { migration: a });
        if (m.applied.length) changed = true;
        state = { ...state, values: m.values, schemaVersion: this.schemaVersion };
      } catch (err) {
        this.audit('params.migration_failed', { error: (err as Error).message }, 'warn');
        problems.push(`migration: ${(err as Error).message}`);
        state = undefined;
      }
    }
    const next = this.reg.defaults();
    if (state) {
      // drop what this firmware no longer defines; keep only valid values; keep every instance seen
      for (const n of [...next.keys()]) if (this.reg.instanceOf(n)) next.delete(n);
      const seenInstances = new Set<string>();
      for (const [n, v] of Object.entries(state.values)) {
        const res = this.reg.resolve(n);
        if (!res || res.def.const) {
          this.audit('params.dropped', { name: n, reason: 'not defined by this firmware' });
          changed = true;
          continue;
        }
        if (res.instance && res.template && !seenInstances.has(res.instance)) {
          seenInstances.add(res.instance);
          const num = Number(res.instance.slice(res.template.group.length + res.template.prefix.length + 1));
          for (const [k, dv] of this.reg.instanceDefaults(res.template, num)) if (!next.has(k)) next.set(k, dv);
        }
        const c = checkValue(res.def, v);
        if (c.ok) next.set(n, c.value);
        else {
          this.audit('params.reset', { name: n, reason: c.reason });
          changed = true;
        }
      }
      this._rev = state.rev;
    }
    let fallback = r.fallback;
    if (!state && problems.length) fallback = 'defaults'; // also a state that could not be migrated
    this._storage = { fallback, problems };
    if (fallback !== 'none') this.audit('params.recovered', { from: RECOVERED_FROM[fallback] }, 'warn');
    if (r.legacy) this.audit('params.layout_converted', { to: 'two copies' });
    for (const f of r.damaged) this.file.quarantine(f);
    this.values = next;
    if (!r.clean || changed) this.commit(next);
  }

  private commit(next: Map<string, string>): number {
    const rev = this._rev + 1;
    this.file.save({ schemaVersion: this.schemaVersion, rev, values: Object.fromEntries(next) });
    this.values = next;
    this._rev = rev;
    return rev;
  }

  /** Every current name with its value, const ones included, in natural order. */
  private allNames(): string[] {
    // sorted once per state: sorting with a collator on every list was a fifth of paramd's CPU
    if (this.sortedFor !== this.values) {
      this.sorted = [...this.reg.constValues.keys(), ...this.values.keys()].sort(compareNames);
      this.sortedFor = this.values;
    }
    return this.sorted;
  }
  private sorted: string[] = [];
  private sortedFor: Map<string, string> | undefined;

  private valueOf(name: string): string | undefined {
    return this.reg.constValues.get(name) ?? this.values.get(name);
  }

  private readable(name: string, level: Level): boolean {
    const r = this.reg.resolve(name);
    return !!r && !r.def.secret && levelAtLeast(level, r.def.read);
  }

  /**
   * Values under each group pattern, in the order the groups were asked, each group in natural
   * order. A pattern that matches nothing and names no group is `not_found` (VAPIX answers
   * `# Error: Error -1 getting param in group '<g>'`).
   */
  list(groups: string[] | undefined, level: Level): ParamValues {
    const names = this.allNames();
    const out: ParamValues = {};
    if (!groups || groups.length === 0) {
      for (const n of names) if (this.readable(n, level)) out[n] = this.valueOf(n)!;
      return out;
    }
    if (groups.length > MAX_NAMES) throw new BelfryError('limit_exceeded', `more than ${MAX_NAMES} groups`);
    for (const g of groups) {
      const pattern = normalizeName(g.trim());
      const match = patternMatcher(g.trim()); // it strips `root.` itself: once, so `root.root.X` matches nothing
      const hits = names.filter(match);
      if (!hits.length && (pattern.includes('*') || !this.reg.isGroup(pattern, names))) {
        throw new BelfryError('not_found', `no group '${g}'`, { name: g });
      }
      for (const n of hits) if (this.readable(n, level) && !(n in out)) out[n] = this.valueOf(n)!;
    }
    return out;
  }

  /** Named params. A secret is returned only when `owner` is its owning daemon. */
  get(names: string[], level: Level, opts: { missingOk?: boolean; caller?: string } = {}): ParamValues {
    if (names.length > MAX_NAMES) throw new BelfryError('limit_exceeded', `more than ${MAX_NAMES} names`);
    const out: ParamValues = {};
    for (const raw of names) {
      const n = normalizeName(raw);
      const v = this.valueOf(n);
      const r = this.reg.resolve(n);
      const ownSecret = r?.def.secret && level === 'internal' && opts.caller === r.def.owner;
      if (v === undefined || !r || (r.def.secret && !ownSecret) || !levelAtLeast(level, r.def.read)) {
        if (opts.missingOk) continue;
        throw new BelfryError('not_found', `no parameter '${raw}'`, { name: raw });
      }
      out[n] = v;
    }
    return out;
  }

  /**
   * `caller` is the daemon asking (paramd passes the bus-authenticated name): a readonly param may be
   * written only by its owning daemon. Without a caller (in-process use) internal level suffices.
   */
  private checkWrite(name: string, raw: unknown, level: Level, next: Map<string, string>, caller?: string): string {
    const n = normalizeName(name);
    const r = this.reg.resolve(n);
    if (!r || (!r.def.const && !next.has(n))) throw new BelfryError('not_found', `no parameter '${name}'`, { name });
    const def = r.def;
    const owner = level === 'internal' && (caller === undefined || caller === def.owner);
    if (def.const || (def.readonly && !owner)) throw new BelfryError('failed_precondition', `'${name}' is read-only`, { name });
    if (!levelAtLeast(level, def.write)) throw new BelfryError('permission_denied', `not allowed to change '${name}'`, { name });
    const c = checkValue(def, raw);
    if (!c.ok) throw new BelfryError('invalid_argument', `invalid value for '${name}': ${c.reason}`, { name });
    return c.value;
  }

  /** Validates a batch without storing it: the complete next state and what it changes. */
  prepareUpdate(changes: Record<string, unknown>, level: Level, caller?: string): { next: Map<string, string>; changed: Record<string, string | null> } {
    const entries = Object.entries(changes);
    if (entries.length === 0) throw new BelfryError('invalid_argument', 'no parameters to update');
    if (entries.length > MAX_BATCH) throw new BelfryError('limit_exceeded', `more than ${MAX_BATCH} changes in one batch`);
    const next = new Map(this.values);
    const changed: Record<string, string | null> = {};
    for (const [name, raw] of entries) {
      const v = this.checkWrite(name, raw, level, next, caller);
      const n = normalizeName(name);
      // against the stored value, not `next`: a name given twice (`X` and `root.X`) counts once
      if (this.values.get(n) !== v) changed[n] = v;
      else delete changed[n];
      next.set(n, v);
    }
    return { next, changed };
  }

  update(changes: Record<string, unknown>, level: Level): ChangeSet {
    const { next, changed } = this.prepareUpdate(changes, level);
    return this.apply(next, changed);
  }

  /** Stores a prepared next state (after the owners had their say). */
  apply(next: Map<string, string>, changed: Record<string, string | null>): ChangeSet {
    const rev = this.commit(next);
    return this.changeSet(rev, changed);
  }

  private changeSet(rev: number, changed: Record<string, string | null>): ChangeSet {
    const changes: Record<string, string | null> = {};
    const secret: string[] = [];
    for (const [n, v] of Object.entries(changed)) {
      if (this.reg.resolve(n)?.def.secret) secret.push(n);
      else changes[n] = v;
    }
    return { rev, changes, secret };
  }

  private instanceCount(t: TemplateDef, values: Map<string, string>): Set<number> {
    const nums = new Set<number>();
    for (const n of values.keys()) {
      const i = this.reg.instanceOf(n);
      if (i && i.template === t) nums.add(i.n);
    }
    return nums;
  }

  prepareAdd(group: string, template: string, values: Record<string, unknown>, level: Level, caller?: string) {
    const g = normalizeName(group);
    const t = this.reg.template(template);
    if (!t || t.group !== g) throw new BelfryError('not_found', `no template '${template}' in group '${group}'`, { name: group });
    if (!levelAtLeast(level, t.create)) throw new BelfryError('permission_denied', `not allowed to add to '${group}'`, { name: group });
    const used = this.instanceCount(t, this.values);
    if (used.size >= t.max) throw new BelfryError('limit_exceeded', `'${group}' already has ${t.max} entries`, { name: group });
    let n = t.first;
    while (used.has(n)) n++;
    const inst = `${t.prefix}${n}`;
    const next = new Map(this.values);
    const changed: Record<string, string | null> = {};
    for (const [k, v] of this.reg.instanceDefaults(t, n)) {
      next.set(k, v);
      changed[k] = v;
    }
    for (const [rawName, raw] of Object.entries(values)) {
      // values may be named by leaf (`Name`), by template path (`MediaClip.M.Name`) or in full
      const leaf = rawName.replace(/^root\./, '').replace(new RegExp(`^${escape(g)}\\.${t.prefix}(\\d*)\\.`), '');
      if (!Object.hasOwn(t.params, leaf)) throw new BelfryError('not_found', `no parameter '${rawName}' in template '${template}'`, { name: rawName });
      const full = `${g}.${inst}.${leaf}`;
      const v = this.checkWrite(full, raw, level, next, caller);
      next.set(full, v);
      changed[full] = v;
    }
    return { next, changed, instance: inst };
  }

  /** Removes instances; all-or-nothing. */
  prepareRemove(groups: string[], level: Level) {
    if (groups.length === 0) throw new BelfryError('invalid_argument', 'no group to remove');
    if (groups.length > MAX_NAMES) throw new BelfryError('limit_exceeded', `more than ${MAX_NAMES} groups`);
    const next = new Map(this.values);
    const changed: Record<string, string | null> = {};
    for (const raw of groups) {
      const g = normalizeName(raw.trim());
      const i = this.reg.instanceOf(g);
      if (!i || i.path !== g) throw new BelfryError('not_found', `no group '${raw}'`, { name: raw });
      if (!levelAtLeast(level, i.template.delete)) throw new BelfryError('permission_denied', `not allowed to remove '${raw}'`, { name: raw });
      let found = false;
      for (const n of [...next.keys()]) {
        if (n.startsWith(g + '.')) {
          next.delete(n);
          changed[n] = null;
          found = true;
        }
      }
      if (!found) throw new BelfryError('not_found', `no group '${raw}'`, { name: raw });
    }
    return { next, changed };
  }

  /** Defaults everywhere; with `keep`, params flagged keepOnRestore keep their value. */
  prepareReset(keep: boolean) {
    const next = this.reg.defaults();
    if (keep) {
      for (const [n, v] of this.values) {
        const r = this.reg.resolve(n);
        if (r?.def.keepOnRestore && (next.has(n) || !r.template)) next.set(n, v);
      }
    }
    const changed: Record<string, string | null> = {};
    for (const [n, v] of next) if (this.values.get(n) !== v) changed[n] = v;
    for (const n of this.values.keys()) if (!next.has(n)) changed[n] = null;
    return { next, changed };
  }

  definitions(groups: string[] | undefined, level: Level): ParamDefinitionEntry[] {
    const names = Object.keys(this.list(groups, level));
    return names.map((n) => {
      const r = this.reg.resolve(n)!;
      const d = r.def;
      const e: ParamDefinitionEntry = {
        name: n,
        value: this.valueOf(n),
        type: d.type,
        securityLevel: securityDigits(d, r.template),
        readonly: !!d.readonly,
        const: !!d.const,
        secret: !!d.secret,
      };
      if (d.niceName) e.niceName = d.niceName;
      if (d.min !== undefined) e.min = d.min;
      if (d.max !== undefined) e.max = d.max;
      if (d.maxLength !== undefined) e.maxLength = d.maxLength;
      if (d.values) e.values = d.values;
      return e;
    });
  }

  add(group: string, template: string, values: Record<string, unknown>, level: Level): ChangeSet & { instance: string } {
    const p = this.prepareAdd(group, template, values, level);
    return { ...this.apply(p.next, p.changed), instance: p.instance };
  }

  remove(groups: string[], level: Level): ChangeSet {
    const p = this.prepareRemove(groups, level);
    return this.apply(p.next, p.changed);
  }

  /** restore (keep = true) or factory default (keep = false) */
  reset(keep: boolean): ChangeSet {
    const p = this.prepareReset(keep);
    return this.apply(p.next, p.changed);
  }

  /** Owners of the params in a change (for vetoes). */
  ownersOf(names: string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const n of names) {
      const o = this.reg.resolve(n)?.def.owner;
      if (!o) continue;
      out.set(o, [...(out.get(o) ?? []), n]);
    }
    return out;
  }
}

const RECOVERED_FROM: Record<Fallback, string> = { none: '', copy: 'the other copy', previous: 'previous file', defaults: 'defaults' };

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

import { LEVEL_DIGIT, type Level } from '@belfry/core';
import type { DefsFile, InstanceDef, ParamDef, TemplateDef } from './types.js';
import { checkValue, expand } from './values.js';
import { compareNames } from './names.js';

const INSTANCE_RE = /^(\d{1,5})$/;

/**
 * All parameter definitions of this firmware, resolved: file-level defaults applied, `${…}` defaults
 * filled from the board and firmware, and checked for the mistakes a schema cannot see (a name that is
 * both a leaf and a group, a default that fails its own definition, an unknown template).
 */
export class Registry {
  readonly statics = new Map<string, ParamDef>();
  readonly templates = new Map<string, TemplateDef>();
  readonly instances: InstanceDef[] = [];
  private readonly groups = new Set<string>();
  /** const params' values, computed once */
  readonly constValues = new Map<string, string>();

  constructor(
    files: DefsFile[],
    readonly vars: Record<string, string>,
  ) {
    for (const f of files) this.addFile(f);
    this.check();
  }

  private addFile(f: DefsFile): void {
    const base = { read: f.defaults?.read ?? 'admin', write: f.defaults?.write ?? 'admin', owner: f.owner, default: '' };
    for (const g of f.groups ?? []) this.groups.add(g);
    for (const [name, p] of Object.entries(f.params ?? {})) {
      if (this.statics.has(name)) throw new Error(`param ${name} defined twice`);
      const def = normalizeDef({ ...base, ...p } as ParamDef);
      if (def.const) def.default = expand(def.default, this.vars);
      this.statics.set(name, def);
    }
    for (const [tname, t] of Object.entries(f.templates ?? {})) {
      if (this.templates.has(tname)) throw new Error(`template ${tname} defined twice`);
      const params: Record<string, ParamDef> = {};
      for (const [leaf, p] of Object.entries(t.params)) {
        const def = normalizeDef({ ...base, ...p } as ParamDef);
        if (def.const) throw new Error(`template ${tname}: ${leaf} cannot be const`);
        params[leaf] = def;
      }
      this.templates.set(tname, {
        name: tname,
        group: t.group,
        prefix: t.prefix,
        first: t.first ?? 0,
        max: t.max,
        create: t.create ?? base.write,
        delete: t.delete ?? base.write,
        params,
      });
    }
    this.instances.push(...(f.instances ?? []));
  }

  private check(): void {
    const names = [...this.statics.keys()];
    const set = new Set(names);
    for (const n of names) {
      const parts = n.split('.');
      for (let i = 1; i < parts.length; i++) {
        const g = parts.slice(0, i).join('.');
        if (set.has(g)) throw new Error(`${g} is both a parameter and a group`);
      }
      const def = this.statics.get(n)!;
      const c = checkValue(def, def.const ? def.default : this.safeExpand(def.default, {}));
      if (!c.ok) throw new Error(`default of ${n} is invalid: ${c.reason}`);
      if (def.const) this.constValues.set(n, c.value);
    }
    for (const t of this.templates.values()) {
      if (set.has(t.group)) throw new Error(`template ${t.name}: group ${t.group} is a parameter`);
      for (const [leaf, def] of Object.entries(t.params)) {
        const c = checkValue(def, this.safeExpand(def.default, { n: String(t.first) }));
        if (!c.ok) throw new Error(`template ${t.name}: default of ${leaf} is invalid: ${c.reason}`);
      }
    }
    for (const i of this.instances) {
      const t = this.templates.get(i.template);
      if (!t) throw new Error(`instance of unknown template ${i.template}`);
      for (const [leaf, v] of Object.entries(i.values ?? {})) {
        const def = Object.hasOwn(t.params, leaf) ? t.params[leaf] : undefined;
        if (!def) throw new Error(`instance ${t.group}.${t.prefix}${i.n}: unknown param ${leaf}`);
        const c = checkValue(def, v);
        if (!c.ok) throw new Error(`instance ${t.group}.${t.prefix}${i.n}.${leaf}: ${c.reason}`);
      }
    }
  }

  private safeExpand(s: string, extra: Record<string, string>): string {
    return expand(s, { ...this.vars, ...extra });
  }

  /** The definition behind a name, static or an instance of a template. */
  resolve(name: string): { def: ParamDef; template?: TemplateDef; instance?: string } | undefined {
    const s = this.statics.get(name);
    if (s) return { def: s };
    const inst = this.instanceOf(name);
    if (!inst) return undefined;
    const leaf = name.slice(inst.path.length + 1);
    // own keys only: `MediaClip.M3.constructor` must not resolve to Object's constructor
    const def = Object.hasOwn(inst.template.params, leaf) ? inst.template.params[leaf] : undefined;
    return def ? { def, template: inst.template, instance: inst.path } : undefined;
  }

  /** `MediaClip.M3.Name` → the template and `MediaClip.M3`; undefined when not an instance name. */
  instanceOf(name: string): { template: TemplateDef; path: string; n: number } | undefined {
    for (const t of this.templates.values()) {
      const head = `${t.group}.${t.prefix}`;
      if (!name.startsWith(head)) continue;
      const rest = name.slice(head.length);
      const dot = rest.indexOf('.');
      const num = dot < 0 ? rest : rest.slice(0, dot);
      if (!INSTANCE_RE.test(num)) continue;
      const n = Number(num);
      if (n < t.first || String(n) !== num) continue;
      return { template: t, path: `${head}${num}`, n };
    }
    return undefined;
  }

  /** Default values of one template instance. */
  instanceDefaults(t: TemplateDef, n: number, values: Record<string, string> = {}): Map<string, string> {
    const out = new Map<string, string>();
    for (const leaf of Object.keys(t.params).sort(compareNames)) {
      const def = t.params[leaf]!;
      out.set(`${t.group}.${t.prefix}${n}.${leaf}`, canonical(def, values[leaf] ?? this.safeExpand(def.default, { n: String(n) })));
    }
    return out;
  }

  /** Every stored (non-const) value at factory default: static defaults and the default instances. */
  defaults(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [n, def] of this.statics) if (!def.const) out.set(n, canonical(def, this.safeExpand(def.default, {})));
    for (const i of this.instances) {
      const t = this.templates.get(i.template)!;
      for (const [k, v] of this.instanceDefaults(t, i.n, i.values)) out.set(k, v);
    }
    return out;
  }

  /** Whether `path` names a group: a declared one, a prefix of a param, or a template's group. */
  isGroup(path: string, names: Iterable<string>): boolean {
    for (const g of this.groups) if (g === path || g.startsWith(path + '.')) return true;
    for (const t of this.templates.values()) if (t.group === path || t.group.startsWith(path + '.')) return true;
    for (const n of names) if (n.startsWith(path + '.')) return true;
    return false;
  }

  template(name: string): TemplateDef | undefined {
    return this.templates.get(name);
  }
}

/**
 * The stored form of a default (`TRUE` → `yes`, `007` → `7`), as a write of the same value would
 * store it; defaults were checked when the registry was built.
 */
function canonical(def: ParamDef, v: string): string {
  const c = checkValue(def, v);
  return c.ok ? c.value : v;
}

function normalizeDef(d: ParamDef): ParamDef {
  const def = { ...d };
  if (def.type === 'bool') def.values = ['yes', 'no'];
  if (def.const) def.readonly = true;
  return def;
}

export function levelAtLeast(have: Level, need: Level): boolean {
  return LEVEL_DIGIT[have] >= LEVEL_DIGIT[need];
}

/** Axis four-digit security level: create, delete, read, write. */
export function securityDigits(def: ParamDef, t?: TemplateDef): string {
  const w = def.readonly || def.const ? 7 : LEVEL_DIGIT[def.write];
  const c = t ? LEVEL_DIGIT[t.create] : 7;
  const del = t ? LEVEL_DIGIT[t.delete] : 7;
  return `${c}${del}${LEVEL_DIGIT[def.read]}${w}`;
}

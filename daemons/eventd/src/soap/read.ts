import { LIMITS } from '../model.js';
import { sender, TER } from './fault.js';
import { attrOf, type XmlEl } from './xml.js';

/**
 * Reading an operation's parameters strictly: every child must be one the operation knows (in the
 * service's namespace, or unqualified as sloppy clients send them), each at most once unless a list,
 * every required one present. Anything else is a Sender fault naming the element.
 */
export class Fields {
  private readonly byName = new Map<string, XmlEl[]>();

  constructor(
    readonly el: XmlEl,
    ns: string,
    known: { required?: readonly string[]; optional?: readonly string[]; lists?: readonly string[] },
  ) {
    const allowed = new Set([...(known.required ?? []), ...(known.optional ?? []), ...(known.lists ?? [])]);
    for (const c of el.children) {
      if ((c.ns !== ns && c.ns !== '') || !allowed.has(c.name)) throw sender(TER.extraArg, `${el.name} has no parameter ${c.name}`);
      const list = this.byName.get(c.name) ?? [];
      if (list.length && !known.lists?.includes(c.name)) throw sender(TER.extraArg, `${el.name}: ${c.name} is given twice`);
      list.push(c);
      this.byName.set(c.name, list);
    }
    for (const r of known.required ?? []) if (!this.byName.has(r)) throw sender(TER.missingArg, `${el.name}: ${r} is missing`);
    if (el.text.trim()) throw sender(TER.invalidArg, `${el.name} holds text`);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  child(name: string): XmlEl | undefined {
    return this.byName.get(name)?.[0];
  }

  all(name: string): XmlEl[] {
    return this.byName.get(name) ?? [];
  }

  /** A text parameter (no child elements), at most `max` characters. */
  text(name: string, max: number = LIMITS.paramLength): string | undefined {
    const c = this.child(name);
    if (!c) return undefined;
    if (c.children.length) throw sender(TER.invalidArg, `${this.el.name}: ${name} must be text`);
    if (c.text.length > max) throw sender(TER.tooLarge, `${this.el.name}: ${name} is longer than ${max} characters`);
    return c.text;
  }

  /** A required id (a positive integer). */
  id(name: string): number {
    const s = (this.text(name, 12) ?? '').trim();
    if (!/^[1-9][0-9]{0,9}$/.test(s)) throw sender(TER.invalidArg, `${this.el.name}: ${name} is not an id: '${s}'`);
    return Number(s);
  }

  /** An xsd:boolean. */
  bool(name: string): boolean | undefined {
    const s = this.text(name, 32)?.trim();
    if (s === undefined) return undefined;
    if (s === 'true' || s === '1') return true;
    if (s === 'false' || s === '0') return false;
    throw sender(TER.invalidArg, `${this.el.name}: ${name} is not a boolean: '${s}'`);
  }
}

/** A record's name: text of at most LIMITS.nameLength characters. */
export function nameOf(f: Fields): string {
  const n = f.text('Name', LIMITS.nameLength) ?? '';
  return n;
}

/**
 * `<…:Parameters><…:Parameter Name="…" Value="…"/>…` as a map. A parameter given twice, or one
 * without a Name, is a fault; at most `max` of them.
 */
export function parametersOf(f: Fields, ns: string, max = 64): Record<string, string> {
  const wrapper = f.child('Parameters');
  const out: Record<string, string> = {};
  if (!wrapper) return out;
  const p = new Fields(wrapper, ns, { lists: ['Parameter'] });
  const list = p.all('Parameter');
  if (list.length > max) throw sender(TER.tooLarge, `more than ${max} parameters`);
  for (const e of list) {
    if (e.children.length || e.text.trim()) throw sender(TER.invalidArg, 'a Parameter carries its value in the Value attribute');
    const name = attrOf(e, 'Name');
    const value = attrOf(e, 'Value') ?? '';
    if (!name) throw sender(TER.missingArg, 'a Parameter without a Name');
    if (name in out) throw sender(TER.invalidArg, `the parameter ${name} is given twice`);
    if (value.length > 8192) throw sender(TER.tooLarge, `the parameter ${name} is longer than 8192 characters`);
    out[name] = value;
  }
  return out;
}

/** `PT1H2M3S` (xsd:duration without dates) or plain seconds as milliseconds; at most `maxMs`. */
export function durationMs(s: string, maxMs: number): number {
  const t = s.trim();
  const m = /^P(?:T(?:(\d{1,5})H)?(?:(\d{1,5})M)?(?:(\d{1,5}(?:\.\d{1,3})?)S)?)?$/.exec(t);
  const ms = m && t !== 'P' && t !== 'PT' ? ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000 : /^\d{1,5}$/.test(t) ? Number(t) * 1000 : NaN;
  if (!Number.isFinite(ms) || ms > maxMs) throw sender(TER.invalidArg, `ActivationTimeout is not a duration of at most ${durationText(maxMs)}: '${t.slice(0, 32)}'`);
  return Math.round(ms);
}

/** Milliseconds as xsd:duration (`PT1H2M3S`). */
export function durationText(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s % 60 || (!h && !m) ? `${s % 60}S` : ''}`;
}

/** Every template parameter given ("unused ones as empty strings"), none it does not have. */
export function exactParams(template: string, declared: readonly string[], given: Record<string, string>): void {
  const missing = declared.filter((n) => !(n in given));
  if (missing.length) throw sender(TER.missingArg, `${template} needs every parameter (unused ones empty): ${missing.join(', ')} missing`);
  const extra = Object.keys(given).filter((n) => !declared.includes(n));
  if (extra.length) throw sender(TER.extraArg, `${template} has no parameter ${extra.join(', ')}`);
}

import type { ActionDecl } from '@belfry/core';
import type { ActionRule } from '../model.js';

/**
 * The SOAP services' own checks, used only while the part that owns a check has not offered it in
 * `Shared` (engine/: checkAction, checkRule; schedules/: checkSchedule). They are deliberately
 * shallow; the owners' checks replace them.
 */

const TERM = /boolean\(\s*\/\/(?:tt:)?SimpleItem\[\s*@Name\s*=\s*(?:"[^"]*"|'[^']*')\s*(?:and\s+@Value\s*=\s*(?:"[^"]*"|'[^']*')\s*)?\]\s*\)/g;

/** What is wrong with an ONVIF ItemFilter expression (terms joined with and/or/not and parentheses). */
export function contentProblem(expr: string): string | undefined {
  const rest = expr.replace(TERM, ' T ');
  if (!/^(\s|T|and|or|not|\(|\))*$/.test(rest)) return `not an ItemFilter expression: '${expr.slice(0, 64)}'`;
  let depth = 0;
  for (const c of rest) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (depth < 0) break;
  }
  if (depth !== 0) return `unbalanced parentheses in '${expr.slice(0, 64)}'`;
  if (!rest.includes('T')) return `no SimpleItem term in '${expr.slice(0, 64)}'`;
  return undefined;
}

export function ruleProblem(rule: Omit<ActionRule, 'id'>): string | undefined {
  for (const f of [...(rule.startEvent ? [rule.startEvent] : []), ...rule.conditions]) {
    const p = f.content ? contentProblem(f.content) : undefined;
    if (p) return p;
  }
  return undefined;
}

/** What is wrong with a parameter's value for its declaration. */
export function actionProblem(decl: ActionDecl, params: Record<string, string>): string | undefined {
  for (const p of decl.params) {
    const v = params[p.name] ?? '';
    if (v === '') continue;
    if (p.type === 'int') {
      const n = Number(v);
      if (!/^-?\d+$/.test(v) || (p.min !== undefined && n < p.min) || (p.max !== undefined && n > p.max)) return `${p.name}: '${v}' is not an integer in ${p.min ?? '…'}–${p.max ?? '…'}`;
    }
    if (p.type === 'bool' && !['true', 'false', '0', '1', 'yes', 'no'].includes(v)) return `${p.name}: '${v}' is not a boolean`;
    if (p.type === 'enum' && p.values && !p.values.includes(v)) return `${p.name}: '${v}' is not one of ${p.values.join(', ')}`;
  }
  return undefined;
}

/** What is wrong with an iCalendar text (DTSTART, optional DTEND, optional RRULE lines). */
export function scheduleProblem(ical: string): string | undefined {
  const lines = ical.split('\n').map((l) => l.trim()).filter(Boolean);
  if (!lines.some((l) => /^DTSTART(;TZID=[^:]+)?:\d{8}T\d{6}Z?$/.test(l))) return 'no DTSTART:yyyymmddThhmmss line';
  for (const l of lines) if (!/^(DTSTART|DTEND)(;TZID=[^:]+)?:\d{8}T\d{6}Z?$/.test(l) && !/^RRULE:FREQ=[A-Z]+(;[A-Z]+=[A-Za-z0-9,+-]+)*$/.test(l)) return `not an iCalendar line: '${l.slice(0, 64)}'`;
  return undefined;
}

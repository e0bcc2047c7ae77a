import type { ActionDecl, ActionParamDecl } from '@belfry/core';
import { LIMITS } from '../model.js';

const BOOL: Record<string, boolean> = { '1': true, true: true, yes: true, '0': false, false: false, no: false };

/** A "while the rule is active" action: started when the rule becomes active, stopped when it stops holding. */
export function isUnlimited(template: string): boolean {
  return template.startsWith('com.axis.action.unlimited.');
}

function checkValue(p: ActionParamDecl, v: string): string | undefined {
  if (v === '') return p.optional ? undefined : `parameter '${p.name}' must not be empty`;
  if (v.length > LIMITS.paramLength) return `parameter '${p.name}' is longer than ${LIMITS.paramLength} characters`;
  if (p.type === 'bool' && BOOL[v.toLowerCase()] === undefined) return `parameter '${p.name}' must be true or false, not '${v.slice(0, 40)}'`;
  if (p.type === 'enum' && !(p.values ?? []).includes(v)) return `parameter '${p.name}' must be one of ${(p.values ?? []).join(', ')}`;
  if (p.type === 'int') {
    if (!/^-?\d{1,15}$/.test(v)) return `parameter '${p.name}' must be an integer, not '${v.slice(0, 40)}'`;
    const n = Number(v);
    if ((p.min !== undefined && n < p.min) || (p.max !== undefined && n > p.max)) return `parameter '${p.name}' must be within ${p.min ?? '…'}–${p.max ?? '…'}`;
  }
  return undefined;
}

/**
 * What is wrong with an action configuration's parameters for its template, or undefined. As action1
 * says, all parameters must be specified (unused ones as empty strings), none extra.
 */
export function checkParams(decl: ActionDecl, params: Record<string, string>): string | undefined {
  if (!params || typeof params !== 'object' || Array.isArray(params)) return 'parameters must be an object of strings';
  for (const [k, v] of Object.entries(params)) {
    if (typeof v !== 'string') return `parameter '${k}' must be a string`;
    if (!decl.params.some((p) => p.name === k)) return `template ${decl.id} has no parameter '${k}'`;
  }
  for (const p of decl.params) {
    const v = params[p.name];
    if (v === undefined) return `parameter '${p.name}' is missing (all parameters must be given; unused ones as empty strings)`;
    const why = checkValue(p, v);
    if (why) return why;
  }
  return undefined;
}

/** The RPC params of an action from its string parameters, by their declared types; empty ones are left out. */
export function convertParams(decl: ActionDecl, params: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of decl.params) {
    const v = params[p.name];
    if (v === undefined || v === '') continue;
    out[p.name] = p.type === 'int' ? Number(v) : p.type === 'bool' ? BOOL[v.toLowerCase()] : v;
  }
  return out;
}

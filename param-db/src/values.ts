import { isIP } from 'node:net';
import type { ParamDef } from './types.js';

/** Hard cap on any stored value, whatever a definition says. */
export const MAX_VALUE_LENGTH = 65536;
/** Default length limit of string and list values without their own `maxLength`. */
export const DEFAULT_MAX_LENGTH = 1024;

const TRUE = new Set(['yes', 'true', '1', 'on']);
const FALSE = new Set(['no', 'false', '0', 'off']);
const INT_RE = /^[+-]?\d{1,16}$/;
const FLOAT_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

export type Checked = { ok: true; value: string } | { ok: false; reason: string };

/**
 * Checks a value against its definition and returns its canonical form (booleans `yes`/`no`, integers
 * without sign or leading zeros). No control characters are stored: VAPIX lists values raw, one per
 * line, so a newline in a value would forge another parameter in every client's parse.
 */
export function checkValue(def: ParamDef, raw: unknown): Checked {
  if (typeof raw !== 'string') return { ok: false, reason: 'value must be a string' };
  if (raw.length > MAX_VALUE_LENGTH) return { ok: false, reason: `longer than ${MAX_VALUE_LENGTH} characters` };
  // C1 controls (NEL) and U+2028/U+2029 too: Python's str.splitlines() (the axis library's
  // params_to_dict) breaks lines at them as well
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/.test(raw)) return { ok: false, reason: 'control characters are not allowed' };
  switch (def.type) {
    case 'string': {
      const max = def.maxLength ?? DEFAULT_MAX_LENGTH;
      if (raw.length > max) return { ok: false, reason: `longer than ${max} characters` };
      if (def.pattern && !new RegExp(`^(?:${def.pattern})$`).test(raw)) return { ok: false, reason: 'does not match the required format' };
      return { ok: true, value: raw };
    }
    case 'int': {
      if (!INT_RE.test(raw)) return { ok: false, reason: 'not an integer' };
      const n = Number(raw);
      if (!Number.isSafeInteger(n)) return { ok: false, reason: 'integer out of range' };
      return inRange(def, n) ?? { ok: true, value: String(n) };
    }
    case 'float': {
      if (!FLOAT_RE.test(raw)) return { ok: false, reason: 'not a number' };
      const n = Number(raw);
      return inRange(def, n) ?? { ok: true, value: raw.replace(/^\+/, '') };
    }
    case 'bool': {
      const v = raw.toLowerCase();
      if (TRUE.has(v)) return { ok: true, value: 'yes' };
      if (FALSE.has(v)) return { ok: true, value: 'no' };
      return { ok: false, reason: 'must be yes or no' };
    }
    case 'enum':
      if (!def.values?.includes(raw)) return { ok: false, reason: `must be one of ${def.values?.join(', ')}` };
      return { ok: true, value: raw };
    case 'list': {
      const max = def.maxLength ?? DEFAULT_MAX_LENGTH;
      if (raw.length > max) return { ok: false, reason: `longer than ${max} characters` };
      if (raw === '') return { ok: true, value: raw };
      const items = raw.split(',');
      if (def.values) {
        const bad = items.find((i) => !def.values!.includes(i));
        if (bad !== undefined) return { ok: false, reason: `'${bad}' is not one of ${def.values.join(', ')}` };
      }
      return { ok: true, value: items.join(',') };
    }
    case 'ip':
      if (raw === '' || isIP(raw)) return { ok: true, value: raw };
      return { ok: false, reason: 'not an IP address' };
  }
}

function inRange(def: ParamDef, n: number): Checked | undefined {
  if (def.min !== undefined && n < def.min) return { ok: false, reason: `below ${def.min}` };
  if (def.max !== undefined && n > def.max) return { ok: false, reason: `above ${def.max}` };
  return undefined;
}

/** Fills `${key}` placeholders; an unknown key is a definitions bug and fails loudly. */
export function expand(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{([A-Za-z0-9_.]+)\}/g, (_m, k: string) => {
    if (!Object.hasOwn(vars, k)) throw new Error(`unknown placeholder \${${k}}`);
    return vars[k]!;
  });
}

import { BelfryError } from '@belfry/core';

/** The `data` of a `{"data": …}` request body (core's, shared with every config-rest API). */
export { configRestData as dataOf } from '@belfry/core/http';

/** `data` as an object with only `allowed` keys. */
export function objectOf(data: unknown, allowed: readonly string[]): Record<string, unknown> {
  const d = data ?? {};
  if (typeof d !== 'object' || Array.isArray(d)) throw new BelfryError('invalid_argument', 'data must be an object');
  for (const k of Object.keys(d)) if (!allowed.includes(k)) throw new BelfryError('invalid_argument', `unknown field ${JSON.stringify(k.slice(0, 64))}`);
  return d as Record<string, unknown>;
}

export function str(d: Record<string, unknown>, name: string, required: true): string;
export function str(d: Record<string, unknown>, name: string, required?: false): string | undefined;
export function str(d: Record<string, unknown>, name: string, required = false): string | undefined {
  const v = d[name];
  if (v === undefined || v === null) {
    if (required) throw new BelfryError('invalid_argument', `${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new BelfryError('invalid_argument', `${name} must be a string`);
  return v;
}

export function strList(d: Record<string, unknown>, name: string): string[] | undefined {
  const v = d[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new BelfryError('invalid_argument', `${name} must be a list of strings`);
  return v as string[];
}

/** Unix seconds; 0 is "absent" (KF sends 0 for both validity bounds). */
export function seconds(d: Record<string, unknown>, name: string): number | undefined {
  const v = d[name];
  if (v === undefined || v === null || v === 0) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 253402300799) throw new BelfryError('invalid_argument', `${name} must be Unix seconds`);
  return v;
}

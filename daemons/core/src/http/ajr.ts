/**
 * The AJR JSON envelope (§1.4): every answer echoes apiVersion, context ("" when absent) and method,
 * errors included, with HTTP 200.
 */
export interface AjrRequest {
  apiVersion?: string;
  context?: string;
  method?: string;
  params?: Record<string, unknown>;
}


import type { AjrEcho } from './errors.js';
export { AJR_OLD as OLD, AJR_NEW as NEW } from './errors.js';

export type AjrError = { code: number; message: string };

/** Parses a body into a request, or an error to answer with. */
export function parseAjr(body: Buffer | string | undefined): { req: AjrRequest } | { bad: 'json' } {
  const text = body === undefined ? '' : typeof body === 'string' ? body : body.toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { bad: 'json' };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { bad: 'json' };
  return { req: v as AjrRequest };
}

export function echo(req: AjrRequest | undefined, fallbackVersion: string): AjrEcho {
  return {
    apiVersion: typeof req?.apiVersion === 'string' ? req.apiVersion : fallbackVersion,
    context: typeof req?.context === 'string' ? req.context : '',
    method: typeof req?.method === 'string' ? req.method : '',
  };
}

export function ajrData(e: AjrEcho, data: unknown): string {
  return JSON.stringify({ ...e, data });
}


/** A requested apiVersion is acceptable when its major is 1 and its minor at most `maxMinor`. */
export function versionOk(v: string | undefined, maxMinor: number): boolean {
  if (v === undefined) return true;
  const m = /^1(?:\.(\d{1,3}))?$/.exec(v);
  return !!m && Number(m[1] ?? 0) <= maxMinor;
}

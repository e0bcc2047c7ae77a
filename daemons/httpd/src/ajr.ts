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

export interface AjrEcho {
  apiVersion: string;
  context: string;
  method: string;
}

/** Older APIs (API discovery, basic device information) use these codes. */
export const OLD = {
  invalidValue: { code: 1000, message: 'Invalid parameter value specified' },
  forbidden: { code: 2001, message: 'Access forbidden' },
  postOnly: { code: 2002, message: 'HTTP request type not supported. Only POST is supported' },
  version: { code: 2003, message: 'Requested API version is not supported' },
  method: { code: 2004, message: 'Method not supported' },
  json: { code: 4000, message: 'Invalid JSON' },
  missing: { code: 4002, message: 'Required parameter missing or invalid' },
  internal: { code: 8000, message: 'Internal error' },
} as const;

/** Current APIs use these. */
export const NEW = {
  internal: { code: 1100, message: 'Internal error' },
  version: { code: 2100, message: 'API version not supported' },
  json: { code: 2101, message: 'Invalid JSON' },
  method: { code: 2102, message: 'Method not supported' },
  missing: { code: 2103, message: 'Required parameter missing' },
  invalidValue: { code: 2104, message: 'Invalid parameter value specified' },
  authorization: { code: 2105, message: 'Authorization failed' },
  authentication: { code: 2106, message: 'Authentication failed' },
  tooLarge: { code: 2107, message: 'Request too large' },
} as const;

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

export function ajrError(e: AjrEcho, err: AjrError): string {
  return JSON.stringify({ ...e, error: { code: err.code, message: err.message } });
}

/** A requested apiVersion is acceptable when its major is 1 and its minor at most `maxMinor`. */
export function versionOk(v: string | undefined, maxMinor: number): boolean {
  if (v === undefined) return true;
  const m = /^1(?:\.(\d{1,3}))?$/.exec(v);
  return !!m && Number(m[1] ?? 0) <= maxMinor;
}

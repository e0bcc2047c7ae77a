// The one place requests are made: same-origin, the session's CSRF token on every request, errors
// turned into ApiError with the device's own message. Pages call api/client.ts and api/vapix.ts.

/** A refused or failed request: `message` is the device's text (or ours when it sent none). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = '',
    /** the field the device named (JSON API `name`, param.cgi's parameter) */
    readonly field?: string,
  ) {
    super(message);
  }
}

let csrf: string | undefined;
let onUnauthenticated: () => void = () => undefined;

export function setCsrf(token: string | undefined): void {
  csrf = token;
}
/** Called when the device answers 401 to a logged-in request: the session ended (idle, restart). */
export function whenUnauthenticated(fn: () => void): void {
  onUnauthenticated = fn;
}

export interface Options {
  json?: unknown;
  form?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  /** parse as: JSON (default), text, or a Blob (downloads) */
  as?: 'json' | 'text' | 'blob';
}

export function url(path: string, query?: Options['query']): string {
  const q = Object.entries(query ?? {}).filter(([, v]) => v !== undefined);
  return q.length ? `${path}?${new URLSearchParams(q.map(([k, v]) => [k, String(v)])).toString()}` : path;
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return { ...(csrf ? { 'X-CSRF-Token': csrf } : {}), ...extra };
}

async function failure(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const e = (JSON.parse(text) as { error?: { code?: string; message?: string; name?: string } }).error;
    if (e?.message) return new ApiError(res.status, e.message, e.code, e.name);
  } catch {
    /* not JSON: a CGI's text */
  }
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return new ApiError(res.status, plain || `${res.status} ${res.statusText}`);
}

export async function request<T>(method: string, path: string, o: Options = {}): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: headers() };
  if (o.json !== undefined) init.headers = headers({ 'Content-Type': 'application/json' });
  if (o.json !== undefined) init.body = JSON.stringify(o.json);
  if (o.form) init.headers = headers({ 'Content-Type': 'application/x-www-form-urlencoded' });
  if (o.form) init.body = new URLSearchParams(o.form).toString();
  let res: Response;
  try {
    res = await fetch(url(path, o.query), init);
  } catch {
    throw new ApiError(0, 'The device did not answer: check the network connection.');
  }
  if (!res.ok) {
    const err = await failure(res);
    if (res.status === 401 && csrf) onUnauthenticated();
    throw err;
  }
  if (o.as === 'blob') return (await res.blob()) as T;
  if (o.as === 'text') return (await res.text()) as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : {}) as T;
}

/** An upload with progress (fetch reports none): `onProgress` gets 0–1. */
export function upload<T>(path: string, query: Options['query'], file: Blob, onProgress: (f: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', url(path, query));
    if (csrf) x.setRequestHeader('X-CSRF-Token', csrf);
    x.setRequestHeader('Content-Type', 'application/octet-stream');
    x.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    x.onerror = () => reject(new ApiError(0, 'The upload was cut off: check the network connection and try again.'));
    x.onload = () => {
      if (x.status >= 200 && x.status < 300) return resolve(JSON.parse(x.responseText || '{}') as T);
      void failure(new Response(x.responseText, { status: x.status, statusText: x.statusText })).then(reject);
    };
    x.send(file);
  });
}

/** Saves a blob as a file (downloads need the CSRF header, so no plain link). */
export function save(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

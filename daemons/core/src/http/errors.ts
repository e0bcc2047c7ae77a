import { STATUS_CODES } from 'node:http';
import { BelfryError, type ErrorCode } from '../errors.js';
import type { WireFormat } from '../contract.js';

/**
 * One error table per wire format (issue 8 item 3). A `BelfryError` code means one HTTP status
 * everywhere, and each wire format has one way to say it. httpd's own CGIs, every daemon's routes
 * and the front door's answers (401, 403, 404, 405, 413, 503, 504) all come from here.
 *
 * Why these statuses: `limit_exceeded` is a count or quota (101st account, clip storage full) — the
 * request conflicts with the device's state, 409; `too_large` is a body or file over its size limit,
 * 413. `timeout` is 504 (the owner did not answer in time, nothing was applied), `unavailable` 503.
 */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_argument: 400,
  bad_request: 400,
  not_found: 404,
  unknown_method: 404,
  permission_denied: 403,
  already_exists: 409,
  failed_precondition: 409,
  limit_exceeded: 409,
  vetoed: 409,
  too_large: 413,
  unavailable: 503,
  timeout: 504,
  internal: 500,
};

/** What to send: status, Content-Type, body, extra headers. */
export interface WireAnswer {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

/** The AJR envelope's echo (§1.4): errors repeat apiVersion, context and method. */
export interface AjrEcho {
  apiVersion: string;
  context: string;
  method: string;
}

export interface AjrCode {
  code: number;
  message: string;
}

/** Older AJR APIs (API discovery, basic device information) use these codes. */
export const AJR_OLD = {
  invalidValue: { code: 1000, message: 'Invalid parameter value specified' },
  forbidden: { code: 2001, message: 'Access forbidden' },
  postOnly: { code: 2002, message: 'HTTP request type not supported. Only POST is supported' },
  version: { code: 2003, message: 'Requested API version is not supported' },
  method: { code: 2004, message: 'Method not supported' },
  json: { code: 4000, message: 'Invalid JSON' },
  missing: { code: 4002, message: 'Required parameter missing or invalid' },
  internal: { code: 8000, message: 'Internal error' },
} as const;

/** Current AJR APIs use these. */
export const AJR_NEW = {
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

/** A BelfryError code as a current-generation AJR error code (the message is the error's own). */
const AJR_OF: Record<ErrorCode, number> = {
  invalid_argument: 2104,
  not_found: 2104,
  bad_request: 2101,
  unknown_method: 2102,
  permission_denied: 2105,
  too_large: 2107,
  already_exists: 2104,
  failed_precondition: 2104,
  limit_exceeded: 2104,
  vetoed: 2104,
  unavailable: 1100,
  timeout: 1100,
  internal: 1100,
};

const HTML_401 = (path: string) => `<HTML><HEAD><TITLE>401 Unauthorized</TITLE></HEAD><BODY><H1>401 Unauthorized</H1>Your client does not have permission to get URL ${escapeHtml(path)} from this server.</BODY></HTML>\n`;
const HTML_403 = '<HTML><HEAD><TITLE>403 Forbidden</TITLE></HEAD><BODY><H1>403 Forbidden</H1>Your client does not have permission to get this URL.</BODY></HTML>\n';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The reason phrase VAPIX text uses for a status (`413 Request body too large`, otherwise Node's). */
function phrase(status: number): string {
  return status === 413 ? 'Request body too large' : (STATUS_CODES[status] ?? 'Error');
}

/** `<status> <phrase>\n` and the reason on a second line, when there is one (§2.9). */
export function vapixText(status: number, reason?: string): WireAnswer {
  return { status, type: 'text/plain', body: `${status} ${phrase(status)}\n${reason ? reason + '\n' : ''}` };
}

/**
 * A VAPIX text CGI's answer to an error: a client's mistake is 400 with the reason whatever the code
 * (a file over the upload limit too, as Axis devices answer); the daemon missing is 503. The front
 * door's own 413 (a body over the route's limit, before any handler) is `frontDoorAnswer`.
 */
export function vapixTextError(err: BelfryError): WireAnswer {
  const status = HTTP_STATUS[err.code];
  if (status === 503 || status === 504) return vapixText(503);
  if (status === 500) return vapixText(500, err.message);
  return vapixText(400, err.message);
}

/** The JSON API of the web UI: `{error:{code,message[,name]}}` with the table's status. */
export function jsonApiError(err: BelfryError): WireAnswer {
  const body = { error: { code: err.code, message: err.code === 'internal' ? 'internal error' : err.message, ...(err.target ? { name: err.target } : {}) } };
  return { status: HTTP_STATUS[err.code], type: 'application/json', body: JSON.stringify(body) };
}

export function ajrBody(e: AjrEcho, code: AjrCode): string {
  return JSON.stringify({ ...e, error: { code: code.code, message: code.message } });
}

/** An AJR answer to an error: HTTP 200 with `error` (§1.4); the daemon missing is a 503. */
export function ajrError(e: AjrEcho, err: BelfryError): WireAnswer {
  const status = HTTP_STATUS[err.code];
  if (status === 503 || status === 504) return vapixText(503);
  const code = AJR_OF[err.code];
  return { status: 200, type: 'application/json', body: ajrBody(e, { code, message: code === 1100 ? AJR_NEW.internal.message : err.message }) };
}

/**
 * The Device Configuration REST framework's error (`/config/rest/…`): a real HTTP status and
 * `{"status":"error","error":{"code":N,"message":…}}`. Code 1 is "Resource not found", 5 a validation
 * error (both as AXIS OS 12 reports them); the others are our choice. An owner with API-specific codes
 * (the firewall's 100–104) passes `details: { restCode: N }`, and its message is sent as it is.
 */
export const CONFIG_REST_CODE: Record<ErrorCode, number> = {
  not_found: 1,
  unknown_method: 1,
  bad_request: 2,
  permission_denied: 3,
  internal: 4,
  unavailable: 4,
  timeout: 4,
  invalid_argument: 5,
  already_exists: 6,
  failed_precondition: 7,
  vetoed: 7,
  limit_exceeded: 8,
  too_large: 9,
};

export function configRestBody(code: number, message: string): string {
  return JSON.stringify({ status: 'error', error: { code, message } });
}

export function configRestError(err: BelfryError): WireAnswer {
  const own = (err.details as { restCode?: unknown } | undefined)?.restCode;
  if (typeof own === 'number') return { status: HTTP_STATUS[err.code], type: 'application/json', body: configRestBody(own, err.message) };
  const code = CONFIG_REST_CODE[err.code];
  const message = err.code === 'internal' ? 'Internal error' : err.code === 'not_found' ? `Resource not found: ${err.message}` : err.code === 'invalid_argument' ? `Validation error: ${err.message}` : err.message;
  return { status: HTTP_STATUS[err.code], type: 'application/json', body: configRestBody(code, message) };
}

/** A SOAP fault's subcode: a QName and the namespace of its prefix (`{ value: 'ter:InvalidArgVal', ns: { ter: '…' } }`). */
export interface SoapSubcode {
  value: string;
  ns: Record<string, string>;
}

/**
 * SOAP 1.2 fault (the VAPIX services on `/vapix/services`, ONVIF later): `Sender` for the client's
 * mistakes, `Receiver` otherwise, an optional subcode, the reason. The envelope's prefix is
 * `SOAP-ENV`, as VAPIX answers spell it (clients match the prefixes of their XPath literally).
 */
export function soapFault(status: number, reason: string, subcode?: SoapSubcode, who: 'Sender' | 'Receiver' = status < 500 ? 'Sender' : 'Receiver'): WireAnswer {
  const xmlns = Object.entries(subcode?.ns ?? {})
    .map(([p, uri]) => ` xmlns:${p}="${escapeHtml(uri)}"`)
    .join('');
  const sub = subcode ? `<SOAP-ENV:Subcode><SOAP-ENV:Value>${escapeHtml(subcode.value)}</SOAP-ENV:Value></SOAP-ENV:Subcode>` : '';
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"${xmlns}><SOAP-ENV:Body><SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:${who}</SOAP-ENV:Value>${sub}</SOAP-ENV:Code><SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">${escapeHtml(reason)}</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>\n`;
  return { status, type: 'application/soap+xml; charset=utf-8', body };
}

/**
 * The front door's own answers (and an owner's refusals that do not come from a handler), in a
 * route's wire format: 401 (the caller adds the challenge header), 403, 404, 405 (with `Allow`),
 * 413, 503, 504. `path` is the request path (401 pages name it).
 */
export function frontDoorAnswer(format: WireFormat, status: number, opts: { path?: string; allow?: readonly string[]; reason?: string } = {}): WireAnswer {
  const allow = status === 405 && opts.allow ? { Allow: opts.allow.join(', ') } : undefined;
  const withAllow = (a: WireAnswer): WireAnswer => (allow ? { ...a, headers: { ...a.headers, ...allow } } : a);
  if (format === 'json-api') {
    const code: Record<number, string> = { 400: 'bad_request', 401: 'unauthenticated', 403: 'permission_denied', 404: 'not_found', 405: 'method_not_allowed', 408: 'request_timeout', 413: 'too_large', 415: 'bad_request', 431: 'headers_too_large', 503: 'unavailable', 504: 'timeout' };
    const message: Record<number, string> = { 400: 'the request is malformed', 401: 'log in first', 403: 'not allowed for this account', 404: 'no such resource', 405: `use ${opts.allow?.join(', ') ?? 'another method'}`, 408: 'the request did not arrive in time', 413: 'the request body is too large', 415: 'unsupported Content-Type', 431: 'the request headers are too large', 503: 'the service is not available', 504: 'the service did not answer in time' };
    return withAllow({ status, type: 'application/json', body: JSON.stringify({ error: { code: code[status] ?? 'internal', message: opts.reason ?? message[status] ?? phrase(status) } }) });
  }
  if (format === 'soap') return withAllow(soapFault(status, opts.reason ?? phrase(status)));
  if (format === 'config-rest') {
    const code: Record<number, number> = { 400: 2, 401: 3, 403: 3, 404: 1, 405: 1, 413: 9, 503: 4, 504: 4 };
    const reason = opts.reason ?? (status === 404 ? `Resource not found: ${opts.path ?? ''}` : phrase(status));
    return withAllow({ status, type: 'application/json', body: configRestBody(code[status] ?? 4, reason) });
  }
  // VAPIX text and AJR: the device's HTML pages for 401/403, text otherwise (an AJR client is
  // refused before its envelope is read, so there is nothing to echo)
  if (status === 401) return { status, type: 'text/html', body: HTML_401(opts.path ?? '/') };
  if (status === 403) return { status, type: 'text/html', body: HTML_403 };
  if (status === 504) return vapixText(503); // VAPIX clients know 503 "try again", not gateway errors
  return withAllow(vapixText(status, opts.reason));
}

/** An error from a handler in a route's wire format. AJR needs the request's echo. */
export function errorAnswer(format: WireFormat, err: unknown, echo?: AjrEcho): WireAnswer {
  const e = err instanceof BelfryError ? err : new BelfryError('internal', 'internal error');
  if (format === 'json-api') return jsonApiError(e);
  if (format === 'ajr') return ajrError(echo ?? { apiVersion: '1.0', context: '', method: '' }, e);
  if (format === 'soap') return soapFault(HTTP_STATUS[e.code], e.message);
  if (format === 'config-rest') return configRestError(e);
  return vapixTextError(e);
}

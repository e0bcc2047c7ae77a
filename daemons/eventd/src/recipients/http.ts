import http from 'node:http';
import https from 'node:https';
import { BelfryError } from '@belfry/core';
import { basicAuthorization, digestAuthorization, parseChallenges } from './digest.js';
import { cutBytes, SEND_LIMITS, sendError, TEST_TEXT, totalSignal, type Message, type Sender, type SendLimits, type Target } from './kind.js';
import { paramValue } from './templates.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
}

interface Request {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string;
  validateCert: boolean;
}

/** One request; the answer's body is read up to the limit and dropped. Connect and total limits hold. */
function request(r: Request, signal: AbortSignal, lim: SendLimits): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const mod = r.url.protocol === 'https:' ? https : http;
    const body = Buffer.from(r.body, 'utf8');
    const headers = { ...r.headers, ...(body.length || r.method !== 'GET' ? { 'content-length': String(body.length) } : {}) };
    const req = mod.request(r.url, { method: r.method, headers, signal, agent: false, rejectUnauthorized: r.validateCert });
    const connect = setTimeout(() => req.destroy(new BelfryError('timeout', `no connection within ${lim.connectMs} ms`)), lim.connectMs);
    req.on('socket', (s) => s.once(r.url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connect)));
    req.on('error', (e) => (clearTimeout(connect), reject(e)));
    req.on('response', (res) => {
      clearTimeout(connect);
      let read = 0;
      res.on('data', (c: Buffer) => {
        read += c.length;
        if (read > lim.responseBytes) res.destroy();
      });
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.on('end', done);
      res.on('close', done);
      res.on('error', () => done());
    });
    req.end(body);
  });
}

/** Header lines `Name: value` (one a line); a bad line is refused rather than sent half. */
export function parseHeaderLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!m || /[\r\n\0]/.test(m[2]!)) throw new BelfryError('invalid_argument', `not an HTTP header line: '${line.slice(0, 80)}'`);
    const name = m[1]!.toLowerCase();
    if (['authorization', 'host', 'content-length', 'transfer-encoding', 'connection'].includes(name)) throw new BelfryError('invalid_argument', `header '${m[1]}' is set by the device`);
    out[name] = m[2]!;
  }
  return out;
}

function buildRequest(t: Target, msg: Message): Request {
  const url = new URL(t.params.upload_url ?? '');
  const query = msg.http?.query?.replace(/^[?&]+/, '');
  if (query) url.search = url.search ? `${url.search}&${query}` : `?${query}`;
  const method = (msg.http?.method || 'GET').toUpperCase();
  if (!['GET', 'POST', 'PUT'].includes(method)) throw new BelfryError('invalid_argument', `HTTP method '${method}' is not GET, POST or PUT`);
  const headers: Record<string, string> = { 'user-agent': 'Belfry', ...parseHeaderLines(msg.http?.headers ?? '') };
  const body = method === 'GET' ? '' : cutBytes(msg.http?.body || msg.text);
  if (body && !headers['content-type']) headers['content-type'] = 'text/plain; charset=utf-8';
  const validateCert = url.protocol !== 'https:' || paramValue(t.template, t.params, 'validate_server_cert') !== 'no';
  return { url, method, headers, body, validateCert };
}

/**
 * Sends without credentials first; on a 401 answers the server's challenge — Digest (MD5, qop=auth)
 * when offered, Basic otherwise — so a password is never sent to a server that did not ask for it.
 */
async function exchange(t: Target, r: Request, signal: AbortSignal, lim: SendLimits): Promise<Answer> {
  const first = await request(r, signal, lim);
  const login = t.params.login ?? '';
  if (first.status !== 401 || !login) return first;
  const challenges = parseChallenges(String(first.headers['www-authenticate'] ?? ''));
  const uri = r.url.pathname + r.url.search;
  const digest = challenges.find((c) => c.scheme === 'digest');
  let auth: string | undefined;
  if (digest) auth = digestAuthorization(digest, login, t.password ?? '', r.method, uri);
  else if (challenges.some((c) => c.scheme === 'basic')) auth = basicAuthorization(login, t.password ?? '');
  if (!auth) throw new BelfryError('failed_precondition', 'the server asks for an authentication scheme the device does not speak');
  return request({ ...r, headers: { ...r.headers, authorization: auth } }, signal, lim);
}

async function sendHttp(t: Target, msg: Message, signal: AbortSignal, lim = SEND_LIMITS): Promise<void> {
  const s = totalSignal(signal, lim);
  let r: Request;
  try {
    r = buildRequest(t, msg);
  } catch (e) {
    throw e instanceof BelfryError ? e : new BelfryError('invalid_argument', `bad URL: ${(e as Error).message}`);
  }
  let a: Answer;
  try {
    a = await exchange(t, r, s, lim);
  } catch (e) {
    throw sendError(`${r.url.protocol.slice(0, -1).toUpperCase()} ${r.url.host}`, e, s);
  }
  if (a.status < 200 || a.status > 299) throw new BelfryError('unavailable', `${r.url.host} answered ${a.status}`);
}

export const httpSender: Sender = {
  send: sendHttp,
  test: (t, signal, lim) => sendHttp(t, { text: TEST_TEXT, http: { method: 'POST' } }, signal, lim),
};

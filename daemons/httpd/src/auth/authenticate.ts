import type { FastifyReply, FastifyRequest } from 'fastify';
import { frontDoorAnswer, type WireAnswer } from '@belfry/core/http';
import { ROLE_RANK, type Accounts, type Role } from '../accounts.js';
import type { Access, Caller } from '../context.js';
import type { HttpConfig } from '../config.js';
import type { BruteForce } from './brute-force.js';
import { digestChallenge, parseDigest, verifyDigest, MAX_AUTH_HEADER, type Nonces } from './digest.js';
import { CSRF_HEADER, SESSION_COOKIE, cookieValue, type Sessions } from './sessions.js';

export interface AuthDeps {
  accounts: Accounts;
  sessions: Sessions;
  nonces: Nonces;
  bruteForce: BruteForce;
  config: () => HttpConfig;
  realm: string;
  audit: (action: string, fields: Record<string, unknown>) => void;
}

const ANONYMOUS: Caller = { name: '', role: 'anonymous', ptz: false, via: 'anonymous' };

export function isHttps(req: FastifyRequest): boolean {
  return !!(req.raw.socket as { encrypted?: boolean }).encrypted;
}

/** The path without the query, for brute-force "page" accounting and 401 bodies. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return (q < 0 ? url : url.slice(0, q)).slice(0, 256);
}

function isApi(req: FastifyRequest): boolean {
  return req.url.startsWith('/api/');
}

/** The wire format of the front door's own answers by path: the JSON API, the Device Configuration REST API (§9.1), else VAPIX. */
export function pathFormat(url: string): 'json-api' | 'config-rest' | 'vapix-text' {
  return url.startsWith('/api/') ? 'json-api' : url.startsWith('/config/') ? 'config-rest' : 'vapix-text';
}

/**
 * 401 with the one Digest challenge (A1–A3, A6); JSON API routes get a JSON body and no challenge, so
 * a browser never pops up its own login dialog over the web UI.
 */
export function unauthorized(req: FastifyRequest, reply: FastifyReply, deps: AuthDeps, stale = false): FastifyReply {
  return send(reply, challengeAnswer(req, deps, stale));
}

/** The 401 as a wire answer (the proxy sends it on a hijacked reply). */
export function challengeAnswer(req: FastifyRequest, deps: AuthDeps, stale = false): WireAnswer {
  // a REST client gets the config-rest body with the challenge (KF: Basic on HTTPS, Digest on HTTP)
  const a = frontDoorAnswer(pathFormat(req.url), 401, { path: pathOf(req.url) });
  if (isApi(req)) return a;
  const policy = deps.config().auth;
  return { ...a, headers: { 'WWW-Authenticate': policy === 'basic' ? `Basic realm="${deps.realm}"` : digestChallenge(deps.realm, deps.nonces.issue(), stale) } };
}

/** A session request's CSRF token missing or wrong: 403 saying so, not "not allowed for this account". */
const CSRF_REFUSALS = {
  csrf_token_missing: { message: 'the X-CSRF-Token header is missing: send the csrfToken of the login answer', html: 'The CSRF token is missing: send the X-CSRF-Token header with the session cookie.' },
  csrf_token_invalid: { message: 'the X-CSRF-Token header does not match this session', html: 'The CSRF token does not match this session.' },
} as const;
export type Refusal = 'permission_denied' | keyof typeof CSRF_REFUSALS;

export function forbidden(req: FastifyRequest, reply: FastifyReply, why: Refusal = 'permission_denied'): FastifyReply {
  if (why === 'permission_denied') return send(reply, frontDoorAnswer(pathFormat(req.url), 403));
  const r = CSRF_REFUSALS[why];
  if (isApi(req)) return send(reply, { status: 403, type: 'application/json', body: JSON.stringify({ error: { code: why, message: r.message } }) });
  return send(reply, { status: 403, type: 'text/html', body: `<HTML><HEAD><TITLE>403 Forbidden</TITLE></HEAD><BODY><H1>403 Forbidden</H1>${r.html}</BODY></HTML>\n` });
}

/** Sends a wire answer from core's error table. */
export function send(reply: FastifyReply, a: WireAnswer): FastifyReply {
  if (a.headers) reply.headers(a.headers);
  return reply.code(a.status).type(a.type).send(a.body);
}

/** Whether Basic is acceptable on this connection (A9; Basic over plain HTTP only if the policy says so). */
function basicAllowed(policy: HttpConfig['auth'], https: boolean): boolean {
  if (policy === 'digest') return false;
  if (policy === 'basic' || policy === 'basic_digest') return true;
  return https; // recommended: Digest on HTTP, Basic on HTTPS
}

export function rankOf(role: Role | 'anonymous'): number {
  return ROLE_RANK[role];
}

/**
 * The onRequest hook: fast 403 for a blocked client, then who is asking (Digest, Basic, session
 * cookie + CSRF token, or anonymous), then whether the route allows it. Every failed login is
 * counted for brute-force protection and written to the audit log. Returns the reply when it answered.
 */
export async function authenticate(req: FastifyRequest, reply: FastifyReply, deps: AuthDeps, access: Access, anonymousOk?: (req: FastifyRequest) => boolean): Promise<FastifyReply | undefined> {
  const addr = req.socket.remoteAddress ?? '?';
  if (deps.bruteForce.blocked(addr)) return forbidden(req, reply);
  const cfg = deps.config();
  const https = isHttps(req);
  req.caller = ANONYMOUS;

  const fail = (user: string | undefined, how: string, reason: string, stale = false) => {
    deps.audit('auth.failed', { addr, user: user ?? '', method: how, reason, path: pathOf(req.url) });
    if (deps.bruteForce.fail(addr, pathOf(req.url))) deps.audit('auth.blocked', { addr, seconds: cfg.bruteForce.blockingPeriodS });
    return unauthorized(req, reply, deps, stale);
  };

  const header = req.headers.authorization;
  if (header !== undefined) {
    if (header.length > MAX_AUTH_HEADER) return fail(undefined, 'unknown', 'header too long');
    if (/^Digest\s/i.test(header) && cfg.auth !== 'basic') {
      const p = parseDigest(header);
      if (!p) return fail(undefined, 'digest', 'malformed');
      const r = verifyDigest(p, { method: req.method, rawUri: req.raw.url ?? '' }, deps.realm, deps.nonces, (u, alg) => deps.accounts.find(u)?.ha1[alg]);
      if (!r.ok) {
        // an expired nonce with the right password is no failure: the client just asks again (A6)
        if (r.reason === 'stale') return unauthorized(req, reply, deps, true);
        return fail(r.user, 'digest', r.reason);
      }
      const a = deps.accounts.find(r.user)!;
      req.caller = { name: a.name, role: a.role, ptz: a.ptz, via: 'digest' };
    } else if (/^Basic\s/i.test(header)) {
      // refused by policy on this connection: challenge again, not a failed login
      if (!basicAllowed(cfg.auth, https)) return unauthorized(req, reply, deps);
      let decoded = '';
      try {
        decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('latin1');
      } catch {
        decoded = '';
      }
      const colon = decoded.indexOf(':');
      if (colon < 0) return fail(undefined, 'basic', 'malformed');
      const user = decoded.slice(0, colon);
      const a = await deps.accounts.verifyPassword(user, decoded.slice(colon + 1));
      if (!a) return fail(user, 'basic', 'bad password or unknown user');
      req.caller = { name: a.name, role: a.role, ptz: a.ptz, via: 'basic' };
    } else {
      return fail(undefined, 'unknown', 'unsupported scheme');
    }
  } else {
    const sid = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const s = sid ? deps.sessions.touch(sid) : undefined;
    const a = s ? deps.accounts.find(s.user) : undefined;
    if (s && a) {
      // the session cookie alone proves nothing: a page of another site can make the browser send it
      const csrfFree = req.method === 'GET' && pathOf(req.url) === '/api/v1/session';
      const token = req.headers[CSRF_HEADER] as string | undefined;
      if (!csrfFree && !deps.sessions.csrfOk(s, token)) return forbidden(req, reply, token ? 'csrf_token_invalid' : 'csrf_token_missing');
      req.caller = { name: a.name, role: a.role, ptz: a.ptz, via: 'session' };
    } else if (cfg.anonymousViewer && !deps.accounts.needsSetup) {
      req.caller = { ...ANONYMOUS, role: 'viewer' };
    }
  }

  if (access === 'anonymous') return undefined;
  // `self`: the handler decides from the body, but an anonymous request it could not serve is
  // challenged here, before the body is read (curl's Digest probe has none)
  if (access === 'self') return req.caller.via === 'anonymous' && !anonymousOk?.(req) ? unauthorized(req, reply, deps) : undefined;
  const need: Role = access === 'setup' ? (deps.accounts.needsSetup ? 'viewer' : 'admin') : access;
  if (access === 'setup' && deps.accounts.needsSetup) return undefined;
  if (rankOf(req.caller.role) >= rankOf(need)) return undefined;
  return req.caller.via === 'anonymous' ? unauthorized(req, reply, deps) : forbidden(req, reply);
}

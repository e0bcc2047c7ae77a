import type { IncomingHttpHeaders } from 'node:http';
import type { Role } from '../contract.js';

/**
 * The headers the front door (httpd) sets on a request it forwards to a route's owner. The owner
 * trusts them because only httpd can reach its socket (see README: threat model); httpd removes any
 * `x-belfry-*` header a client sent before it sets its own.
 */
export const FORWARD = {
  user: 'x-belfry-user',
  role: 'x-belfry-role',
  via: 'x-belfry-via',
  ptz: 'x-belfry-ptz',
  /** `http` or `https`: what the client used (links the owner builds) */
  proto: 'x-belfry-proto',
  /** the client's address (for the owner's audit log) */
  addr: 'x-belfry-addr',
  /** epoch ms after which httpd has answered 503/504: the owner must not start the work */
  deadline: 'x-belfry-deadline',
} as const;

export const FORWARD_PREFIX = 'x-belfry-';

/** Who asked, as the front door authenticated them. */
export interface ForwardedCaller {
  user: string;
  role: Role | 'anonymous';
  via: 'digest' | 'basic' | 'session' | 'anonymous';
  ptz: boolean;
  proto: 'http' | 'https';
  addr: string;
}

const ROLES = new Set(['viewer', 'operator', 'admin']);
const VIA = new Set(['digest', 'basic', 'session']);

function one(h: IncomingHttpHeaders, name: string): string {
  const v = h[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

/** The caller of a forwarded request; anything missing or unknown reads as anonymous. */
export function callerOf(req: { headers: IncomingHttpHeaders }): ForwardedCaller {
  const h = req.headers;
  const role = one(h, FORWARD.role);
  const via = one(h, FORWARD.via);
  return {
    user: one(h, FORWARD.user),
    role: ROLES.has(role) ? (role as Role) : 'anonymous',
    via: VIA.has(via) ? (via as ForwardedCaller['via']) : 'anonymous',
    ptz: one(h, FORWARD.ptz) === '1',
    proto: one(h, FORWARD.proto) === 'https' ? 'https' : 'http',
    addr: one(h, FORWARD.addr),
  };
}

/** The headers that state `c` (the front door's side of `callerOf`). */
export function callerHeaders(c: ForwardedCaller): Record<string, string> {
  return { [FORWARD.user]: c.user, [FORWARD.role]: c.role, [FORWARD.via]: c.via, [FORWARD.ptz]: c.ptz ? '1' : '0', [FORWARD.proto]: c.proto, [FORWARD.addr]: c.addr };
}

export const RANK: Record<Role | 'anonymous', number> = { anonymous: 0, viewer: 1, operator: 2, admin: 3 };

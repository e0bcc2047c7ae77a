import type { Static } from 'typebox';
import type { VerifyDigestResult } from '../contract.js';
import type { AuthDeps } from './authenticate.js';
import { MAX_AUTH_HEADER, parseDigest, rtspDigestChallenge, verifyDigest2069 } from './digest.js';

type Answer = Static<typeof VerifyDigestResult>;

/** The brute-force "page" of RTSP logins (one page: the metadata stream). */
const RTSP_PAGE = 'rtsp';

/**
 * `verifyDigest` for eventd's RTSP server: the same accounts, nonces and brute-force blocking as
 * HTTP Digest, RTSP's flavour of challenge and answer. Failures are counted and audited as on HTTP.
 */
export function verifyRtspDigest(deps: AuthDeps, p: { method: string; authorization: string; addr: string }): Answer {
  const challenge = (stale = false) => rtspDigestChallenge(deps.realm, deps.nonces.issue(), stale);
  if (deps.bruteForce.blocked(p.addr)) return { ok: false, reason: 'blocked', challenge: '' };
  if (!p.authorization) return { ok: false, reason: 'challenge', challenge: challenge() };
  const fail = (user: string | undefined, reason: string): Answer => {
    deps.audit('auth.failed', { addr: p.addr, user: user ?? '', method: 'rtsp-digest', reason, path: RTSP_PAGE });
    if (deps.bruteForce.fail(p.addr, RTSP_PAGE)) deps.audit('auth.blocked', { addr: p.addr, seconds: deps.config().bruteForce.blockingPeriodS });
    return { ok: false, reason: 'failed', challenge: challenge() };
  };
  const parsed = p.authorization.length <= MAX_AUTH_HEADER ? parseDigest(p.authorization) : undefined;
  if (!parsed) return fail(undefined, /^Digest\s/i.test(p.authorization) ? 'malformed' : 'unsupported scheme');
  const r = verifyDigest2069(parsed, p.method, deps.realm, deps.nonces, (u, alg) => deps.accounts.find(u)?.ha1[alg]);
  if (!r.ok) return r.reason === 'stale' ? { ok: false, reason: 'stale', challenge: challenge(true) } : fail(r.user, r.reason);
  const a = deps.accounts.find(r.user)!;
  return { ok: true, user: a.name, role: a.role };
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Static } from 'typebox';
import type { VerifyUsernameTokenResult } from '../contract.js';
import type { AuthDeps } from './authenticate.js';

type Answer = Static<typeof VerifyUsernameTokenResult>;

/**
 * WS-Security limits: `Created` within ±5 minutes of the device clock (ONVIF clients correct their
 * clock from GetSystemDateAndTime first), nonces remembered for that window, at most `nonces` of
 * them (see NonceCache), nonces of 8–64 bytes.
 */
export const WSSE_LIMITS = { skewMs: 5 * 60_000, nonces: 50_000, minNonceBytes: 8, maxNonceBytes: 64 } as const;

/** The brute-force "page" of ONVIF logins. */
const ONVIF_PAGE = '/onvif';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The nonces seen within the window, oldest first. When full, the oldest goes and `floor` rises to
 * its Created: a token created at or before the floor is refused as expired, since its nonce may be
 * one that was forgotten — so a replay is never accepted, however many logins a busy window holds.
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  private floor = -Infinity;

  constructor(private readonly max: number = WSSE_LIMITS.nonces) {}

  /** Remembers a nonce; false when it was seen (a replay) or is older than what is remembered. */
  admit(nonce: string, createdMs: number, now: number): 'ok' | 'replayed' | 'expired' {
    if (createdMs <= this.floor) return 'expired';
    if (this.seen.has(nonce)) return 'replayed';
    for (const [n, c] of this.seen) {
      if (c >= now - WSSE_LIMITS.skewMs && this.seen.size < this.max) break;
      this.seen.delete(n);
      if (c >= now - WSSE_LIMITS.skewMs) this.floor = Math.max(this.floor, c);
    }
    this.seen.set(nonce, createdMs);
    return 'ok';
  }

  get size(): number {
    return this.seen.size;
  }
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `verifyUsernameToken` for onvifd: httpd's accounts, its brute-force blocking (failures counted and
 * audited as HTTP logins are), the skew window and the replay cache. PasswordDigest needs the sealed
 * password (`sealed-password.ts`); PasswordText is checked against the slow hash.
 */
export async function verifyUsernameToken(deps: AuthDeps, nonces: NonceCache, p: { user: string; password: string; type: 'digest' | 'text'; nonce: string; created: string; addr: string }, now = Date.now()): Promise<Answer> {
  if (deps.bruteForce.blocked(p.addr)) return { ok: false, reason: 'blocked' };
  const fail = (reason: string, answer: Extract<Answer, { ok: false }>['reason'] = 'failed'): Answer => {
    deps.audit('auth.failed', { addr: p.addr, user: p.user.slice(0, 64), method: `wsse-${p.type}`, reason, path: ONVIF_PAGE });
    if (deps.bruteForce.fail(p.addr, ONVIF_PAGE)) deps.audit('auth.blocked', { addr: p.addr, seconds: deps.config().bruteForce.blockingPeriodS });
    return { ok: false, reason: answer };
  };
  const hasTime = p.type === 'digest' || p.created !== '';
  const createdMs = ISO.test(p.created) ? Date.parse(p.created) : NaN;
  if (hasTime && !Number.isFinite(createdMs)) return fail('malformed Created');
  if (hasTime && Math.abs(now - createdMs) > WSSE_LIMITS.skewMs) return fail('Created outside the window', 'expired');
  const nonce = p.nonce && BASE64.test(p.nonce) ? Buffer.from(p.nonce, 'base64') : undefined;
  if ((p.type === 'digest' || p.nonce) && (!nonce || nonce.length < WSSE_LIMITS.minNonceBytes || nonce.length > WSSE_LIMITS.maxNonceBytes)) return fail('malformed Nonce');
  const a = deps.accounts.find(p.user);
  if (p.type === 'digest') {
    const password = a ? deps.accounts.sealer.open(a.wsse) : undefined;
    // an unknown user or an account without a sealed password costs the same hash
    const want = createHash('sha1').update(Buffer.concat([nonce!, Buffer.from(p.created, 'utf8'), Buffer.from(password ?? '\u0000', 'utf8')])).digest();
    const got = BASE64.test(p.password) ? Buffer.from(p.password, 'base64') : Buffer.alloc(0);
    if (!a || password === undefined || !sameBytes(got, want)) return fail(a && password === undefined ? 'no WS-Security secret (set the password again)' : 'bad password or unknown user');
  } else if (!(await deps.accounts.verifyPassword(p.user, p.password))) {
    return fail('bad password or unknown user');
  }
  if (nonce) {
    const r = nonces.admit(p.nonce, createdMs, now);
    if (r !== 'ok') return fail(r === 'replayed' ? 'nonce replayed' : 'Created before the remembered window', r);
  }
  return { ok: true, user: a!.name, role: a!.role };
}

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Longest Authorization header we parse; longer ones are refused outright. */
export const MAX_AUTH_HEADER = 4096;
/** A nonce is good for five minutes; clients reuse it with increasing `nc` meanwhile (A5). */
export const NONCE_LIFETIME_MS = 5 * 60_000;
/** `nc` values remembered per nonce (replay detection); a nonce used more often is made stale. */
export const MAX_NC_PER_NONCE = 4096;
/** Nonces whose `nc` values are tracked at once (oldest forgotten first). */
export const MAX_TRACKED_NONCES = 10_000;

export type DigestParams = Record<string, string>;

/**
 * Parses `Digest k=v, k="v", …` (RFC 7616 auth-param list): tokens or quoted strings with `\`
 * escapes, any spacing, any order. Returns undefined for anything malformed; never throws.
 */
export function parseDigest(header: string): DigestParams | undefined {
  if (header.length > MAX_AUTH_HEADER) return undefined;
  const m = /^Digest[ \t]+/i.exec(header);
  if (!m) return undefined;
  const out: DigestParams = Object.create(null);
  let i = m[0].length;
  const n = header.length;
  const skipWs = () => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  for (;;) {
    skipWs();
    const keyStart = i;
    while (i < n && /[A-Za-z0-9_-]/.test(header[i]!)) i++;
    if (i === keyStart) return undefined;
    const key = header.slice(keyStart, i).toLowerCase();
    skipWs();
    if (header[i] !== '=') return undefined;
    i++;
    skipWs();
    let value = '';
    if (header[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = header[i]!;
        if (c === '\\' && i + 1 < n) {
          value += header[i + 1];
          i += 2;
        } else if (c === '"') {
          i++;
          closed = true;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) return undefined;
    } else {
      const s = i;
      while (i < n && header[i] !== ',' && header[i] !== ' ' && header[i] !== '\t') i++;
      value = header.slice(s, i);
      if (!value) return undefined;
    }
    if (key in out) return undefined; // a repeated parameter is ambiguous
    out[key] = value;
    skipWs();
    if (i >= n) return out;
    if (header[i] !== ',') return undefined;
    i++;
    skipWs();
    if (i >= n) return out; // tolerate a trailing comma
  }
}

const HASH = { md5: 'md5', sha256: 'sha256' } as const;
type Alg = keyof typeof HASH;

/** `MD5` (also when absent) or `SHA-256`/`SHA256` (A4); `-sess` variants are not offered. */
export function digestAlgorithm(v: string | undefined): Alg | undefined {
  if (v === undefined) return 'md5';
  const a = v.toUpperCase();
  if (a === 'MD5') return 'md5';
  if (a === 'SHA-256' || a === 'SHA256') return 'sha256';
  return undefined;
}

function h(alg: Alg, s: string): string {
  return createHash(HASH[alg]).update(s).digest('hex');
}

export type NonceCheck = 'ok' | 'stale' | 'invalid';

/**
 * Stateless signed nonces: `<base64url of issue time and randomness>.<HMAC>`. Any nonce this
 * process issued can be checked without storing it; a restart (new key) makes old ones stale, so
 * clients re-authenticate silently. Seen `nc` values are kept per nonce, in a bounded map, to refuse
 * exact replays while accepting out-of-order use (K60's concurrent requests).
 */
export class Nonces {
  private readonly key = randomBytes(32);
  private seen = new Map<string, Set<number>>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(): string {
    const body = Buffer.alloc(16);
    body.writeBigUInt64BE(BigInt(this.now()));
    randomBytes(8).copy(body, 8);
    const b = body.toString('base64url');
    return `${b}.${this.sign(b)}`;
  }

  private sign(b: string): string {
    return createHmac('sha256', this.key).update(b).digest('base64url').slice(0, 22);
  }

  /** Checks signature and age; `stale` also for a nonce of an earlier boot (it looks like ours). */
  check(nonce: string): NonceCheck {
    const dot = nonce.indexOf('.');
    if (dot !== 22 || nonce.length !== 45) return 'invalid';
    const b = nonce.slice(0, dot);
    const sig = Buffer.from(nonce.slice(dot + 1));
    const want = Buffer.from(this.sign(b));
    if (sig.length !== want.length || !timingSafeEqual(sig, want)) return 'stale';
    const issued = Number(Buffer.from(b, 'base64url').readBigUInt64BE());
    const age = this.now() - issued;
    return age < 0 || age > NONCE_LIFETIME_MS ? 'stale' : 'ok';
  }

  /** Records `nc` for `nonce`: `replay` when seen before, `exhausted` when the nonce was used too often. */
  use(nonce: string, nc: number): 'ok' | 'replay' | 'exhausted' {
    let set = this.seen.get(nonce);
    if (!set) {
      if (this.seen.size >= MAX_TRACKED_NONCES) {
        const oldest = this.seen.keys().next().value as string;
        this.seen.delete(oldest);
      }
      set = new Set();
      this.seen.set(nonce, set);
    }
    if (set.has(nc)) return 'replay';
    if (set.size >= MAX_NC_PER_NONCE) return 'exhausted';
    set.add(nc);
    return 'ok';
  }
}

export interface DigestRequest {
  method: string;
  /** the raw request-target as received (A8) */
  rawUri: string;
}

export type DigestResult =
  | { ok: true; user: string }
  | { ok: false; reason: 'malformed' | 'unknown-user' | 'bad-response' | 'realm' | 'uri' | 'replay' | 'qop' | 'algorithm'; user?: string }
  | { ok: false; reason: 'stale'; user?: string };

/**
 * Verifies a Digest answer (RFC 7616 with `qop=auth`) against the stored HA1 of the user.
 * `ha1` returns the HA1 for a user and algorithm, or undefined for an unknown user.
 */
export function verifyDigest(p: DigestParams, req: DigestRequest, realm: string, nonces: Nonces, ha1: (user: string, alg: Alg) => string | undefined): DigestResult {
  const { username, nonce, uri, response, cnonce, nc } = p;
  if (!username || !nonce || !uri || !response) return { ok: false, reason: 'malformed' };
  const alg = digestAlgorithm(p.algorithm);
  if (!alg) return { ok: false, reason: 'algorithm', user: username };
  if (p.realm !== realm) return { ok: false, reason: 'realm', user: username };
  if (uri !== req.rawUri) return { ok: false, reason: 'uri', user: username };
  if (p.qop?.toLowerCase() !== 'auth' || !cnonce || !nc || !/^[0-9a-fA-F]{8}$/.test(nc)) return { ok: false, reason: 'qop', user: username };
  const nonceState = nonces.check(nonce);
  if (nonceState === 'invalid') return { ok: false, reason: 'malformed', user: username };
  const stored = ha1(username, alg);
  // compute even for unknown users so timing does not tell which names exist
  const a1 = stored ?? h(alg, `${username}:${realm}:`);
  const a2 = h(alg, `${req.method}:${uri}`);
  const expected = h(alg, `${a1}:${nonce}:${nc}:${cnonce}:auth:${a2}`);
  const got = Buffer.from(response.toLowerCase());
  const good = got.length === expected.length && timingSafeEqual(got, Buffer.from(expected));
  if (!stored) return { ok: false, reason: 'unknown-user', user: username };
  if (!good) return { ok: false, reason: 'bad-response', user: username };
  // right password on an expired nonce: ask again with stale=true (A6)
  if (nonceState === 'stale') return { ok: false, reason: 'stale', user: username };
  const use = nonces.use(nonce, Number.parseInt(nc, 16));
  if (use === 'replay') return { ok: false, reason: 'replay', user: username };
  if (use === 'exhausted') return { ok: false, reason: 'stale', user: username };
  return { ok: true, user: username };
}

/** The one challenge header (A1–A3): MD5, qop="auth", `stale=true` last when asked. */
export function digestChallenge(realm: string, nonce: string, stale = false): string {
  return `Digest realm="${realm}", nonce="${nonce}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;
}

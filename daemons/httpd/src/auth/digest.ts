import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Longest Authorization header we parse; longer ones are refused outright. A Digest answer repeats the
 * request-target in `uri`, so this bounds the URLs that can authenticate (param.cgi updates by GET):
 * half of the 16 KiB Node allows for the request line and headers together (server.ts LIMITS).
 */
export const MAX_AUTH_HEADER = 8 * 1024;
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
  const n = header.length;
  // runs on every authenticated request: character codes and slices, no closure, no per-character regex
  let i = skipWs(header, m[0].length);
  for (;;) {
    const keyStart = i;
    while (i < n && isKeyChar(header.charCodeAt(i))) i++;
    if (i === keyStart) return undefined;
    const key = header.slice(keyStart, i).toLowerCase();
    i = skipWs(header, i);
    if (header.charCodeAt(i) !== 61 /* = */) return undefined;
    i = skipWs(header, i + 1);
    let value = '';
    if (header.charCodeAt(i) === 34 /* " */) {
      // a quoted string, copied in slices between `\` escapes
      let run = ++i;
      for (;;) {
        if (i >= n) return undefined; // not closed
        const c = header.charCodeAt(i);
        if (c === 34) break;
        if (c === 92 /* \ */ && i + 1 < n) {
          value += header.slice(run, i) + header[i + 1];
          i += 2;
          run = i;
        } else i++;
      }
      value += header.slice(run, i);
      i++;
    } else {
      const s = i;
      while (i < n) {
        const c = header.charCodeAt(i);
        if (c === 44 || c === 32 || c === 9) break;
        i++;
      }
      value = header.slice(s, i);
      if (!value) return undefined;
    }
    if (key in out) return undefined; // a repeated parameter is ambiguous
    out[key] = value;
    i = skipWs(header, i);
    if (i >= n) return out;
    if (header.charCodeAt(i) !== 44 /* , */) return undefined;
    i = skipWs(header, i + 1);
    if (i >= n) return out; // tolerate a trailing comma
  }
}

/** The index of the first character at or after `i` that is neither space nor tab. */
function skipWs(s: string, i: number): number {
  while (i < s.length && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
  return i;
}

/** `A-Z a-z 0-9 _ -`: the characters of a parameter name. */
function isKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
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
  /**
   * the `nc` values used with each tracked nonce: every value up to `floor` (a client counts up from
   * 1, so that is nearly all of them), and the ones above it sorted in a typed array made only when
   * values come out of order (K60's concurrent requests). A nonce used 4096 times in order is a few
   * numbers, not 16 KB: a VMS that reconnects often leaves hundreds of live nonces (each tracked for
   * its five minutes, since a nonce is not bound to a connection).
   */
  private seen = new Map<string, NcSeen>();
  /** issue time of the newest nonce whose `nc` values were forgotten; untracked nonces up to it are stale */
  private forgottenUpTo = -Infinity;

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
    // a nonce use() tracks passed this signature check at its first use (use() follows an `ok` check
    // only): no HMAC for every request that reuses it
    if (!this.seen.has(nonce)) {
      const sig = Buffer.from(nonce.slice(dot + 1));
      const want = Buffer.from(this.sign(nonce.slice(0, dot)));
      if (sig.length !== want.length || !timingSafeEqual(sig, want)) return 'stale';
    }
    const issued = issuedAt(nonce);
    const age = this.now() - issued;
    if (age < 0 || age > NONCE_LIFETIME_MS) return 'stale';
    // a nonce that may have been forgotten by use() could be replayed: make the client take a new one
    if (issued <= this.forgottenUpTo && !this.seen.has(nonce)) return 'stale';
    return 'ok';
  }

  /** Records `nc` for `nonce`: `replay` when seen before, `exhausted` when the nonce was used too often. */
  use(nonce: string, nc: number): 'ok' | 'replay' | 'exhausted' {
    let seen = this.seen.get(nonce);
    if (!seen) {
      if (this.seen.size >= MAX_TRACKED_NONCES) {
        const oldest = this.seen.keys().next().value as string;
        this.seen.delete(oldest);
        this.forgottenUpTo = Math.max(this.forgottenUpTo, issuedAt(oldest));
      }
      seen = { floor: 0, used: 0, n: 0, above: undefined };
      this.seen.set(nonce, seen);
    }
    if (nc <= seen.floor) return 'replay';
    const at = seen.above ? insertionPoint(seen.above, seen.n, nc) : 0;
    if (at < seen.n && seen.above![at] === nc) return 'replay';
    if (seen.used >= MAX_NC_PER_NONCE) return 'exhausted';
    seen.used++;
    if (nc === seen.floor + 1) {
      // the next in order: the floor moves up, over any values above it that now follow on
      seen.floor = nc;
      let k = 0;
      while (k < seen.n && seen.above![k] === seen.floor + 1) seen.floor = seen.above![k++]!;
      if (k > 0) {
        seen.above!.copyWithin(0, k, seen.n);
        seen.n -= k;
      }
      return 'ok';
    }
    if (!seen.above || seen.n === seen.above.length) {
      const grown = new Uint32Array(Math.min(MAX_NC_PER_NONCE, Math.max(4, seen.n * 2)));
      if (seen.above) grown.set(seen.above.subarray(0, seen.n));
      seen.above = grown;
    }
    seen.above.copyWithin(at + 1, at, seen.n);
    seen.above[at] = nc;
    seen.n++;
    return 'ok';
  }
}

/** The `nc` values seen with one nonce (see `Nonces.seen`). */
interface NcSeen {
  /**
   * every value from 1 up to this one has been used; it starts at 0, so `nc=00000000` is refused
   * as a replay: RFC 7616 counts requests from 1 ("the count of the number of requests (including
   * the current request)"), and a floor starting below that would keep every in-order value in `above`
   */
  floor: number;
  /** values used in all (at most MAX_NC_PER_NONCE) */
  used: number;
  /** how many of `above` are in use: the values above `floor`, sorted */
  n: number;
  above: Uint32Array | undefined;
}

/** Where `v` is or goes in the first `n` sorted values of `a` (binary search). */
function insertionPoint(a: Uint32Array, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The issue time (ms) inside a nonce of the shape `issue()` makes. */
function issuedAt(nonce: string): number {
  return Number(Buffer.from(nonce.slice(0, 22), 'base64url').readBigUInt64BE());
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

/**
 * RTSP's Digest (A11): RFC 2069 (no qop, no nc/cnonce), the `uri` taken as the client gives it
 * (K60 signs the base stream URL even on `SETUP <control url>`). A client that answers with
 * `qop=auth` anyway is checked the RFC 7616 way. Without nc a nonce cannot be tracked for replays:
 * it is good until it expires, like the devices we match.
 */
export function verifyDigest2069(p: DigestParams, method: string, realm: string, nonces: Nonces, ha1: (user: string, alg: Alg) => string | undefined): DigestResult {
  if (p.qop !== undefined) return verifyDigest(p, { method, rawUri: p.uri ?? '' }, realm, nonces, ha1);
  const { username, nonce, uri, response } = p;
  if (!username || !nonce || !uri || !response) return { ok: false, reason: 'malformed' };
  const alg = digestAlgorithm(p.algorithm);
  if (!alg) return { ok: false, reason: 'algorithm', user: username };
  if (p.realm !== realm) return { ok: false, reason: 'realm', user: username };
  const nonceState = nonces.check(nonce);
  if (nonceState === 'invalid') return { ok: false, reason: 'malformed', user: username };
  const stored = ha1(username, alg);
  const a1 = stored ?? h(alg, `${username}:${realm}:`);
  const expected = h(alg, `${a1}:${nonce}:${h(alg, `${method}:${uri}`)}`);
  const got = Buffer.from(response.toLowerCase());
  const good = got.length === expected.length && timingSafeEqual(got, Buffer.from(expected));
  if (!stored) return { ok: false, reason: 'unknown-user', user: username };
  if (!good) return { ok: false, reason: 'bad-response', user: username };
  if (nonceState === 'stale') return { ok: false, reason: 'stale', user: username };
  return { ok: true, user: username };
}

/** The RTSP challenge (A11): realm the first quoted value, nonce the second, `stale=` last, no qop. */
export function rtspDigestChallenge(realm: string, nonce: string, stale = false): string {
  return `Digest realm="${realm}", nonce="${nonce}", stale=${stale ? 'TRUE' : 'FALSE'}`;
}

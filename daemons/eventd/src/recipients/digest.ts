import { createHash, randomBytes } from 'node:crypto';

/** One `WWW-Authenticate` challenge: its scheme and its parameters. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses a `WWW-Authenticate` value (one or more challenges, quoted-string values with escapes). */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  const re = /\s*,?\s*([A-Za-z][\w-]*)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?/gy;
  let cur: Challenge | undefined;
  let m: RegExpExecArray | null;
  while (re.lastIndex < header.length && (m = re.exec(header))) {
    const [, name, quoted, bare] = m;
    if (quoted === undefined && bare === undefined) {
      cur = { scheme: name!.toLowerCase(), params: {} };
      out.push(cur);
    } else if (cur) cur.params[name!.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare!;
  }
  return out;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const quote = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

/**
 * The client side of HTTP Digest (RFC 7616, compatible with RFC 2617): MD5 with qop=auth (or no qop
 * for an RFC 2069 server). undefined when the challenge asks for something else (SHA-256, auth-int,
 * MD5-sess), so the caller can say so instead of sending a wrong answer.
 */
export function digestAuthorization(c: Challenge, user: string, password: string, method: string, uri: string, nc = 1, cnonce = randomBytes(8).toString('hex')): string | undefined {
  const { realm = '', nonce, opaque, algorithm = 'MD5' } = c.params;
  if (!nonce || algorithm.toUpperCase() !== 'MD5') return undefined;
  const qops = c.params.qop?.split(',').map((q) => q.trim().toLowerCase());
  if (qops && !qops.includes('auth')) return undefined;
  const ha1 = md5(`${user}:${realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  const ncHex = nc.toString(16).padStart(8, '0');
  const response = qops ? md5(`${ha1}:${nonce}:${ncHex}:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
  const parts = [`username=${quote(user)}`, `realm=${quote(realm)}`, `nonce=${quote(nonce)}`, `uri=${quote(uri)}`, `algorithm=MD5`, `response="${response}"`];
  if (qops) parts.push(`qop=auth`, `nc=${ncHex}`, `cnonce="${cnonce}"`);
  if (opaque !== undefined) parts.push(`opaque=${quote(opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

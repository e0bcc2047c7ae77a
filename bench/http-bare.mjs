// The baseline of the httpd benchmark: a bare node:https server, in its own process, that does the
// work every authenticated answer needs and nothing else:
//   node [httpd's V8 flags] bench/http-bare.mjs <config.json>
// config: { key, cert, realm, users: { <name>: <MD5 HA1 hex> },
//           answers: { "<METHOD> <path>": { challenge, ok } } }, each { status, headers, body (base64) }.
// It checks the Digest header as httpd does (auth/digest.ts): parse, realm, uri = request-target,
// qop=auth with nc and cnonce, a stateless HMAC-signed nonce of this process no older than five
// minutes (HMAC checked at a nonce's first use, like httpd), HA1 from the map, the MD5 response in
// constant time, and `nc` replays per nonce. A request without a good answer gets the recorded 401
// with a fresh nonce of its own (same length as httpd's, so the same bytes); a good one gets the
// recorded 200. It reads each request body before answering, as httpd does. What it leaves out is
// what httpd does besides: routing, roles, brute-force counting, the access log, the handler.
// Prints `{"port":N}` when listening.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const REALM = cfg.realm;
const HA1 = new Map(Object.entries(cfg.users));
const NONCE_LIFETIME_MS = 5 * 60_000;
const MAX_NC_PER_NONCE = 4096;
const MAX_TRACKED_NONCES = 10_000;

const decode = (a) => ({ status: a.status, headers: { ...a.headers, 'content-length': String(Buffer.from(a.body, 'base64').length) }, body: Buffer.from(a.body, 'base64') });
const answers = new Map(Object.entries(cfg.answers).map(([k, a]) => [k, { challenge: decode(a.challenge), ok: decode(a.ok) }]));

// ---------------------------------------------------------------- nonces: `<base64url(time, random)>.<HMAC>`

const key = randomBytes(32);
const sign = (b) => createHmac('sha256', key).update(b).digest('base64url').slice(0, 22);
function issue() {
  const body = Buffer.alloc(16);
  body.writeBigUInt64BE(BigInt(Date.now()));
  randomBytes(8).copy(body, 8);
  const b = body.toString('base64url');
  return `${b}.${sign(b)}`;
}
/** nonce → `nc` values seen (a nonce is here only after its signature checked out) */
const seen = new Map();
function nonceOk(nonce) {
  if (nonce.length !== 45 || nonce.charCodeAt(22) !== 46 /* . */) return false;
  if (!seen.has(nonce)) {
    const sig = Buffer.from(nonce.slice(23));
    const want = Buffer.from(sign(nonce.slice(0, 22)));
    if (sig.length !== want.length || !timingSafeEqual(sig, want)) return false;
  }
  const age = Date.now() - Number(Buffer.from(nonce.slice(0, 22), 'base64url').readBigUInt64BE());
  return age >= 0 && age <= NONCE_LIFETIME_MS;
}
function useNc(nonce, nc) {
  let set = seen.get(nonce);
  if (!set) {
    if (seen.size >= MAX_TRACKED_NONCES) seen.delete(seen.keys().next().value);
    set = new Set();
    seen.set(nonce, set);
  }
  if (set.has(nc) || set.size >= MAX_NC_PER_NONCE) return false;
  set.add(nc);
  return true;
}

// ---------------------------------------------------------------- the Digest answer

const PARAM_RE = /([A-Za-z0-9_-]+)[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
const md5 = (s) => createHash('md5').update(s).digest('hex');

/** Whether `header` is a good Digest answer to `method rawUri`. */
function verify(header, method, rawUri) {
  if (header.length > 8192 || !/^Digest[ \t]/i.test(header)) return false;
  const p = Object.create(null);
  for (const m of header.slice(7).matchAll(PARAM_RE)) {
    const k = m[1].toLowerCase();
    if (k in p) return false; // a repeated parameter is ambiguous
    p[k] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  }
  const { username, nonce, uri, response, cnonce, nc } = p;
  if (!username || !nonce || !uri || !response || !cnonce || !nc) return false;
  if (p.realm !== REALM || uri !== rawUri || p.qop?.toLowerCase() !== 'auth' || !/^[0-9a-fA-F]{8}$/.test(nc)) return false;
  if (p.algorithm !== undefined && p.algorithm.toUpperCase() !== 'MD5') return false;
  if (!nonceOk(nonce)) return false;
  const ha1 = HA1.get(username);
  const expected = md5(`${ha1 ?? md5(`${username}:${REALM}:`)}:${nonce}:${nc}:${cnonce}:auth:${md5(`${method}:${uri}`)}`);
  const got = Buffer.from(response.toLowerCase());
  if (!ha1 || got.length !== expected.length || !timingSafeEqual(got, Buffer.from(expected))) return false;
  return useNc(nonce, Number.parseInt(nc, 16));
}

/** The recorded 401 with a nonce of this server in place of the device's. */
function challenge(a) {
  const headers = { ...a.headers };
  for (const k of Object.keys(headers)) if (k.toLowerCase() === 'www-authenticate') headers[k] = headers[k].replace(/nonce="[^"]*"/, `nonce="${issue()}"`);
  return headers;
}

const server = createServer({ key: cfg.key, cert: cfg.cert, minVersion: 'TLSv1.2', keepAliveTimeout: 15_000 }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const both = answers.get(`${req.method} ${req.url}`);
    if (!both) {
      res.writeHead(404, { 'content-length': '0' });
      return res.end();
    }
    const auth = req.headers.authorization;
    if (auth !== undefined && verify(auth, req.method, req.url)) {
      res.writeHead(both.ok.status, both.ok.headers);
      return res.end(both.ok.body);
    }
    res.writeHead(both.challenge.status, challenge(both.challenge));
    res.end(both.challenge.body);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

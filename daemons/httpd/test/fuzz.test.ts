// Fuzz tests of what parses untrusted bytes before anything else looks at them: the VAPIX form
// parser (form.ts), the Digest Authorization parser and verifier (auth/digest.ts), the session
// cookie reader (auth/sessions.ts) and the AJR envelope (ajr.ts) — in process, about 140,000 inputs —
// then, against a live device, a few requests at the limits of the CGIs and ~2,000 generated ones:
// every answer must be a protocol answer (no 5xx, no hang) and the device must still work after.
//
// Every input comes from a seeded PRNG, one generator per case seeded from (FUZZ_SEED, suite, case
// index), so a failure repeats: the report names the seed, the suite and the case, and
// `FUZZ_SEED=<seed> npx tap daemons/httpd/test/fuzz.test.ts` runs exactly the same inputs again.
import t from 'tap';
import { createHash } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { MAX_FORM_ARGS, parseForm } from '../src/form.js';
import { MAX_AUTH_HEADER, Nonces, parseDigest, verifyDigest } from '../src/auth/digest.js';
import { cookieValue, SESSION_COOKIE } from '../src/auth/sessions.js';
import { echo, parseAjr, versionOk } from '../src/ajr.js';
import { startDevice } from './device.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0xbe1f2024) >>> 0;
/** Scales every suite's case count (e.g. FUZZ_SCALE=10 for a long run). */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);

// ---------------------------------------------------------------- seeded randomness

/** mulberry32: small, fast, good enough to generate inputs. */
class Rng {
  constructor(private s: number) {}
  next(): number {
    let x = (this.s = (this.s + 0x6d2b79f5) | 0);
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  /** mostly short, sometimes long, rarely huge */
  len(): number {
    const x = this.next();
    if (x < 0.7) return this.int(17);
    if (x < 0.93) return this.range(17, 256);
    if (x < 0.995) return this.range(257, 4200);
    return this.range(4201, 40_000);
  }
}

function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
const caseRng = (suite: string, n: number) => new Rng((SEED ^ hash32(suite) ^ Math.imul(n + 1, 0x9e3779b9)) >>> 0);

// ---------------------------------------------------------------- strings and mutations

const SPECIAL = ['=', '&', ',', '"', '\\', '%', '+', ' ', '\t', '\r', '\n', '\r\n', ';', '?', '#', ':', '/', '\0', '\x7f', '\x1b', '\x08', 'é', 'ÿ', '€', '😀', '\ud800', '\udfff', '\u2028', '\ufeff', '\u00a0', '%00', '%%', '%2', '%zz', '%C3', '%E2%82', '%ED%A0%80', '%FF', '%F0%9F%98%80', '%0D%0A', '""', '\\"', '=,', '&=', '==', ',,'];
const TOKEN = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';

function fromAlphabet(r: Rng, n: number, alphabet: string): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[r.int(alphabet.length)];
  return s;
}

/** Any UTF-16 code units, lone surrogates included. */
function anyUnicode(r: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r.int(10);
    s += String.fromCharCode(k < 5 ? r.int(128) : k < 7 ? r.int(256) : k < 9 ? r.int(0x10000) : 0xd800 + r.int(0x800));
  }
  return s;
}

/** Well-formed Unicode (what a client can percent-encode), astral planes included. */
function wellFormed(r: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r.int(12);
    let cp = k < 6 ? 32 + r.int(95) : k < 7 ? r.int(32) : k < 9 ? 128 + r.int(128) : k < 11 ? 256 + r.int(0xd800 - 256) : 0x10000 + r.int(0x10ffff - 0x10000);
    if (cp >= 0xd800 && cp < 0xe000) cp = 0x41;
    s += String.fromCodePoint(cp);
  }
  return s;
}

function specialHeavy(r: Rng, n: number): string {
  let s = '';
  while (s.length < n) s += r.chance(0.5) ? r.pick(SPECIAL) : fromAlphabet(r, r.range(1, 4), TOKEN);
  return s;
}

function randomString(r: Rng, n = r.len()): string {
  switch (r.int(5)) {
    case 0:
      return fromAlphabet(r, n, TOKEN);
    case 1:
      return anyUnicode(r, n);
    case 2:
      return specialHeavy(r, n);
    case 3:
      return Buffer.from(Array.from({ length: n }, () => r.int(256))).toString('latin1');
    default:
      return wellFormed(r, n);
  }
}

type Mutator = (r: Rng, s: string) => string;
const at = (r: Rng, s: string) => r.int(s.length + 1);
const MUTATORS: Mutator[] = [
  // insert something odd
  (r, s) => {
    const i = at(r, s);
    return s.slice(0, i) + r.pick(SPECIAL) + s.slice(i);
  },
  (r, s) => {
    const i = at(r, s);
    return s.slice(0, i) + randomString(r, r.range(1, 20)) + s.slice(i);
  },
  // delete, duplicate (repeated keys), truncate
  (r, s) => {
    const i = at(r, s);
    return s.slice(0, i) + s.slice(i + r.range(1, 12));
  },
  (r, s) => {
    const i = at(r, s);
    const j = Math.min(s.length, i + r.range(1, 60));
    return s.slice(0, j) + s.slice(i, j).repeat(r.range(1, 4)) + s.slice(j);
  },
  (r, s) => s.slice(0, at(r, s)),
  // replace one character
  (r, s) => {
    if (!s.length) return s;
    const i = r.int(s.length);
    return s.slice(0, i) + r.pick(SPECIAL) + s.slice(i + 1);
  },
  // break a percent-escape (or add a broken one)
  (r, s) => {
    const escapes = [...s.matchAll(/%[0-9A-Fa-f]{2}/g)];
    const bad = r.pick(['%', '%G', '%4', '%%', '%g1', '%1', '%+', '%\u00e9', '%ED%A0', '%C0%AF', '%F4%90%80%80']);
    if (!escapes.length || r.chance(0.3)) {
      const i = at(r, s);
      return s.slice(0, i) + bad + s.slice(i);
    }
    const m = r.pick(escapes);
    const cut = r.int(3);
    return s.slice(0, m.index) + (cut === 0 ? bad : m[0].slice(0, cut)) + s.slice(m.index + 3);
  },
  // huge runs
  (r, s) => {
    const i = at(r, s);
    return s.slice(0, i) + r.pick(['a', '=', '&', ',', '"', '\\', '%41', ' ', 'k=v&', 'x="y", ']).repeat(r.range(100, 6000)) + s.slice(i);
  },
  // swap case of a stretch
  (r, s) => {
    const i = at(r, s);
    const j = Math.min(s.length, i + r.range(1, 30));
    const part = s.slice(i, j);
    return s.slice(0, i) + (r.chance(0.5) ? part.toUpperCase() : part.toLowerCase()) + s.slice(j);
  },
  // change separators
  (r, s) => {
    const from = r.pick(['&', '=', ',', '"', ' ', '+', ';']);
    const to = r.pick(['&', '=', ',', '"', '\\', ' ', '', ';', '&&', '==', '\t', '\\"']);
    let seen = 0;
    const which = r.int(8);
    return s.split(from).reduce((acc, part, i) => (i === 0 ? part : acc + (seen++ === which || r.chance(0.15) ? to : from) + part), '');
  },
  // splice two copies
  (r, s) => s.slice(0, at(r, s)) + s.slice(at(r, s)),
];

function mutate(r: Rng, s: string, rounds = r.range(1, 4)): string {
  for (let i = 0; i < rounds; i++) s = r.pick(MUTATORS)(r, s);
  return s;
}

// ---------------------------------------------------------------- the harness

interface Problem {
  n: number;
  problem: string;
  input: string;
}

function show(x: unknown): string {
  const s = typeof x === 'string' ? JSON.stringify(x) : JSON.stringify(x, (_k, v) => (Buffer.isBuffer(v) ? `<Buffer ${v.length} bytes: ${v.toString('latin1').slice(0, 200)}>` : v));
  return s.length > 600 ? `${s.slice(0, 600)}… (${s.length} chars)` : s;
}

/**
 * Runs `count` cases of a suite: generate from the case's own PRNG, check, collect problems (the
 * first few in full). One tap assertion per suite.
 */
function fuzz<T>(tt: { equal(a: unknown, b: unknown, msg: string, extra: object): unknown }, suite: string, count: number, gen: (r: Rng, n: number) => T, check: (input: T, n: number) => string | undefined): number {
  const problems: Problem[] = [];
  let failed = 0;
  for (let n = 0; n < count; n++) {
    const input = gen(caseRng(suite, n), n);
    let problem: string | undefined;
    try {
      problem = check(input, n);
    } catch (err) {
      problem = `threw: ${(err as Error).stack ?? String(err)}`;
    }
    if (problem !== undefined) {
      failed++;
      if (problems.length < 5) problems.push({ n, problem, input: show(input) });
    }
  }
  tt.equal(failed, 0, `${suite}: ${count} inputs (seed ${SEED})`, { problems });
  return count;
}

// ---------------------------------------------------------------- form arguments (form.ts)

const PATHS = ['/axis-cgi/param.cgi', '/axis-cgi/pwdgrp.cgi', '/axis-cgi/basicdeviceinfo.cgi'];
const VAPIX_QUERIES = [
  'action=list',
  'action=list&group=Network',
  'action=list&group=root.Brand,Properties.System&usergroup=admin',
  'action=listdefinitions&listformat=xmlschema&group=Network.HTTP',
  'action=update&root.Audio.A0.Name=Speaker%201&Network.Bonjour.FriendlyName=Hall+speaker',
  'action=update&Time.NTP.Server=pool.ntp.org&responseformat=rfc',
  'action=add&group=MediaClip&template=clip&MediaClip.M.Name=Chime%20%E2%82%AC',
  'action=remove&group=MediaClip.M3,MediaClip.M4',
  'action=get',
  'action=add&user=bob&pwd=p%40ss%20w0rd&grp=users&sgrp=viewer:operator:ptz&comment=Lobby%20VMS',
  'action=update&user=bob&pwd=n3w%2Bpass',
  'action=remove&user=bob',
  'action=list&group=Properties.API.HTTP.Version%2CProperties.Firmware.Version',
];

function fieldsOf(m: Map<string, string>): string | undefined {
  if (!(m instanceof Map)) return 'not a Map';
  if (m.size > MAX_FORM_ARGS) return `${m.size} arguments, more than MAX_FORM_ARGS`;
  for (const [k, v] of m) {
    if (typeof k !== 'string' || typeof v !== 'string') return `non-string entry ${typeof k}/${typeof v}`;
    if (!k || k !== k.trim()) return `empty or untrimmed key ${JSON.stringify(k)}`;
  }
  return undefined;
}

/** Percent-encodes like a client: sometimes `+` for spaces, lowercase hex, reserved characters raw. */
function clientEncode(r: Rng, s: string): string {
  let e = encodeURIComponent(s);
  if (r.chance(0.5)) e = e.replace(/%20/g, '+');
  if (r.chance(0.3)) e = e.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  if (r.chance(0.3)) e = e.replace(/%(3A|2F|2C|40|24)/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return e;
}

/** What parseForm must return for well-formed pairs (last wins, names with whitespace or controls refused — never trimmed —, one trailing newline off, at most MAX_FORM_ARGS). */
function formModel(pairs: [string, string][]): { args: Map<string, string>; refused: boolean } {
  const m = new Map<string, string>();
  let refused = false;
  for (const [key, v] of pairs) {
    if (m.size >= MAX_FORM_ARGS) break;
    if (!key) continue;
    if (/[\s\p{Cc}\p{Cf}]/u.test(key)) {
      refused = true;
      continue;
    }
    m.delete(key);
    m.set(key, v.replace(/\r?\n$/, ''));
  }
  return { args: m, refused };
}

t.test('form arguments: parseForm', async (t) => {
  let total = 0;
  // random and mutated query strings and bodies
  total += fuzz(
    t,
    'form.mutated',
    Math.round(40_000 * SCALE),
    (r) => {
      const q = r.chance(0.25) ? randomString(r) : mutate(r, r.pick(VAPIX_QUERIES), r.range(0, 5));
      const url = r.chance(0.1) ? randomString(r) : `${r.pick(PATHS)}${r.chance(0.9) ? '?' : ''}${q}`;
      const k = r.int(6);
      const bodyText = r.chance(0.5) ? mutate(r, r.pick(VAPIX_QUERIES)) : randomString(r);
      const body = k === 0 ? undefined : k === 1 ? '' : k === 2 ? bodyText : k === 3 ? Buffer.from(bodyText, 'utf8') : k === 4 ? Buffer.from(Array.from({ length: r.len() }, () => r.int(256))) : Buffer.from(bodyText, 'latin1');
      return { url, body };
    },
    ({ url, body }) => fieldsOf(parseForm(url, body)),
  );
  // many arguments, repeated keys: the cap holds and the last value wins
  total += fuzz(
    t,
    'form.many',
    Math.round(400 * SCALE),
    (r) => {
      const n = r.range(1500, 6000);
      const distinct = r.range(1, 5000);
      const parts = Array.from({ length: n }, (_, i) => `${r.chance(0.1) ? '' : 'k'}${r.int(distinct)}=${i}`);
      return { url: `/axis-cgi/param.cgi?${parts.slice(0, n >> 1).join('&')}`, body: parts.slice(n >> 1).join(r.pick(['&', '&&', '&=&'])) };
    },
    ({ url, body }) => {
      const m = parseForm(url, body);
      return fieldsOf(m) ?? (m.size > MAX_FORM_ARGS ? 'cap' : undefined);
    },
  );
  // round trip: well-formed encoded pairs come back exactly (model above)
  total += fuzz(
    t,
    'form.roundTrip',
    Math.round(10_000 * SCALE),
    (r) => {
      const pairs: [string, string][] = [];
      const n = r.chance(0.02) ? r.range(1990, 2100) : r.int(12);
      const keys = Array.from({ length: r.range(1, 8) }, () => (r.chance(0.6) ? fromAlphabet(r, r.range(1, 12), TOKEN + '.') : wellFormed(r, r.range(0, 10))));
      for (let i = 0; i < n; i++) pairs.push([n > 100 ? `k${r.int(3000)}` : r.pick(keys), r.chance(0.2) ? '' : r.chance(0.5) ? wellFormed(r, r.int(20)) : fromAlphabet(r, r.int(20), TOKEN)]);
      const enc = pairs.map(([k, v]) => (v === '' && r.chance(0.5) ? clientEncode(r, k) : `${clientEncode(r, k)}=${clientEncode(r, v)}`));
      const split = r.int(enc.length + 1);
      const join = (a: string[]) => a.map((p) => (r.chance(0.05) ? `${p}&` : p)).join('&');
      const query = join(enc.slice(0, split));
      const body = join(enc.slice(split));
      return { pairs, url: `/axis-cgi/param.cgi${query || r.chance(0.5) ? `?${query}` : ''}`, body: r.chance(0.5) ? body : Buffer.from(body, 'latin1') };
    },
    ({ pairs, url, body }) => {
      const got = parseForm(url, body);
      const want = formModel(pairs);
      const bad = fieldsOf(got);
      if (bad) return bad;
      if (!!got.problem !== want.refused) return `problem ${JSON.stringify(got.problem)}, want ${want.refused ? 'one' : 'none'}`;
      const a = JSON.stringify([...got]);
      const b = JSON.stringify([...want.args]);
      return a === b ? undefined : `got ${a.slice(0, 300)}, want ${b.slice(0, 300)}`;
    },
  );
  t.ok(total >= 50_000 * Math.min(SCALE, 1), `${total} form inputs`);
});

// ---------------------------------------------------------------- Digest (auth/digest.ts)

const REALM = 'AXIS_ACCC8EF00D01';
const USERS = new Map([
  ['root', 'pass1'],
  ['operator1', 'op pass "quoted" \\ back'],
]);
const URIS = ['/axis-cgi/param.cgi?action=list', '/axis-cgi/basicdeviceinfo.cgi', '/axis-cgi/pwdgrp.cgi?action=add&user=bob&pwd=x%20y&grp=users&sgrp=viewer', '/axis-cgi/param.cgi?action=update&root.Audio.A0.Name=a%20b', '/axis-cgi/usergroup.cgi', '/axis-cgi/param.cgi?action=list&group=root.Brand,Properties'];

type Alg = 'md5' | 'sha256';
const H = (alg: Alg, s: string) => createHash(alg).update(s).digest('hex');

interface DigestCase {
  header: string;
  req: { method: string; rawUri: string };
  /** built from a valid answer (then maybe mutated); random ones must never pass */
  derived: boolean;
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * A valid answer as real clients write it. curl: `algorithm` last, bare `qop`/`nc`; Firefox/Chrome:
 * `algorithm` after `uri`; K60 (Python requests' HTTPDigestAuth): `algorithm` and `qop` quoted.
 */
function validDigest(r: Rng, n: number, nonce: string, opts: { method?: string; uri?: string; user?: string; password?: string; realm?: string } = {}): { header: string; method: string; uri: string } {
  const user = opts.user ?? r.pick([...USERS.keys()]);
  const password = opts.password ?? USERS.get(user)!;
  const realm = opts.realm ?? REALM;
  const method = opts.method ?? r.pick(['GET', 'POST']);
  const uri = opts.uri ?? r.pick(URIS);
  const alg: Alg = r.chance(0.15) ? 'sha256' : 'md5';
  const algName = alg === 'md5' ? r.pick(['MD5', 'MD5', 'md5', '']) : r.pick(['SHA-256', 'SHA256', 'sha-256']);
  let nc = (n + 1).toString(16).padStart(8, '0');
  if (r.chance(0.3)) nc = nc.toUpperCase();
  const cnonce = r.pick([() => fromAlphabet(r, 16, '0123456789abcdef'), () => Buffer.from(fromAlphabet(r, 12, TOKEN)).toString('base64'), () => fromAlphabet(r, r.range(1, 40), TOKEN)])();
  const response = H(alg, `${H(alg, `${user}:${realm}:${password}`)}:${nonce}:${nc}:${cnonce}:auth:${H(alg, `${method}:${uri}`)}`);
  const resp = r.chance(0.1) ? response.toUpperCase() : response;
  const algPart = (q: boolean) => (algName ? [`algorithm=${q ? `"${algName}"` : algName}`] : []);
  const style = r.int(4);
  const parts =
    style === 0 // curl
      ? [`username=${quote(user)}`, `realm=${quote(realm)}`, `nonce="${nonce}"`, `uri="${uri}"`, `cnonce="${cnonce}"`, `nc=${nc}`, 'qop=auth', `response="${resp}"`, ...algPart(false)]
      : style === 1 // Firefox
        ? [`username=${quote(user)}`, `realm=${quote(realm)}`, `nonce="${nonce}"`, `uri="${uri}"`, ...algPart(false), `response="${resp}"`, 'qop=auth', `nc=${nc}`, `cnonce="${cnonce}"`]
        : style === 2 // K60 (python requests)
          ? [`username=${quote(user)}`, `realm=${quote(realm)}`, `nonce="${nonce}"`, `uri="${uri}"`, `response="${resp}"`, ...algPart(true), 'qop="auth"', `nc=${nc}`, `cnonce="${cnonce}"`]
          : // shuffled, odd spacing, quoted everything
            [`username=${quote(user)}`, `realm=${quote(realm)}`, `nonce="${nonce}"`, `uri="${uri}"`, `response="${resp}"`, ...algPart(true), 'qop="auth"', `nc="${nc}"`, `cnonce="${cnonce}"`, 'opaque="abc"'].sort(() => r.next() - 0.5);
  const sep = () => (style === 3 ? r.pick([',', ', ', ' ,', ',\t', ' , ']) : ', ');
  const scheme = style === 3 ? r.pick(['Digest ', 'digest ', 'DIGEST\t', 'Digest   ']) : 'Digest ';
  let header = scheme + parts.map((p, i) => (i ? sep() : '') + p).join('');
  if (style === 3 && r.chance(0.2)) header += ',';
  return { header, method, uri };
}

/** Random `Digest k=v, …` lists: keys of the real names and others, token and quoted values. */
function randomDigestParams(r: Rng): { header: string; want: Record<string, string> | undefined } {
  const names = ['username', 'realm', 'nonce', 'uri', 'response', 'qop', 'nc', 'cnonce', 'algorithm', 'opaque', 'userhash', 'charset'];
  const used = new Set<string>();
  const want: Record<string, string> = {};
  const parts: string[] = [];
  for (let i = 0, n = r.range(1, 12); i < n; i++) {
    let key = r.chance(0.7) ? r.pick(names) : fromAlphabet(r, r.range(1, 10), TOKEN);
    if (r.chance(0.2)) key = key.toUpperCase();
    if (used.has(key.toLowerCase())) continue;
    used.add(key.toLowerCase());
    let value: string;
    let written: string;
    if (r.chance(0.4)) {
      value = fromAlphabet(r, r.range(1, 20), TOKEN + '=/.:"\\!#$%&\'*+^`|~');
      if (value.startsWith('"')) value = `x${value}`;
      written = value;
    } else {
      value = r.chance(0.5) ? anyUnicode(r, r.int(30)) : specialHeavy(r, r.int(30));
      // escape the two that must be, and sometimes others too (a `\x` stands for `x`)
      written = `"${[...value].map((c) => (c === '"' || c === '\\' || r.chance(0.05) ? `\\${c}` : c)).join('')}"`;
    }
    want[key.toLowerCase()] = value;
    const ws = () => r.pick(['', '', ' ', '\t', '  ']);
    parts.push(`${ws()}${key}${ws()}=${ws()}${written}${ws()}`);
  }
  if (!parts.length) return { header: 'Digest ', want: undefined };
  const header = `${r.pick(['Digest', 'digest', 'DiGeSt'])}${r.pick([' ', '\t', ' \t '])}${parts.join(',')}${r.chance(0.1) ? ',' : ''}`;
  return { header, want: header.length > MAX_AUTH_HEADER ? undefined : want };
}

t.test('Digest: parseDigest and verifyDigest', async (t) => {
  const nonces = new Nonces();
  const issued = Array.from({ length: 64 }, () => nonces.issue());
  const issuedSet = new Set(issued);
  /** nonce + numeric nc of every answer accepted */
  const accepted = new Set<string>();
  const REASONS = new Set(['malformed', 'unknown-user', 'bad-response', 'realm', 'uri', 'replay', 'qop', 'algorithm', 'stale']);
  const ha1 = (u: string, alg: Alg) => {
    const pw = USERS.get(u);
    return pw === undefined ? undefined : H(alg, `${u}:${REALM}:${pw}`);
  };

  /** Independent check of what verifyDigest must accept. */
  const genuine = (p: Record<string, string>, req: DigestCase['req']): boolean => {
    const pw = p.username === undefined ? undefined : USERS.get(p.username);
    if (pw === undefined || p.realm !== REALM || p.uri !== req.rawUri || !p.nonce || !issuedSet.has(p.nonce) || !p.response) return false;
    const a = p.algorithm?.toUpperCase();
    const alg: Alg | undefined = a === undefined || a === 'MD5' ? 'md5' : a === 'SHA-256' || a === 'SHA256' ? 'sha256' : undefined;
    if (!alg || p.qop?.toLowerCase() !== 'auth' || !p.cnonce || !p.nc || !/^[0-9a-fA-F]{8}$/.test(p.nc)) return false;
    const want = H(alg, `${H(alg, `${p.username}:${REALM}:${pw}`)}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${H(alg, `${req.method}:${req.rawUri}`)}`);
    return p.response.toLowerCase() === want;
  };

  const checkParsed = (c: DigestCase): string | undefined => {
    const p = parseDigest(c.header);
    if (p === undefined) return undefined;
    if (c.header.length > MAX_AUTH_HEADER) return `parsed a ${c.header.length}-character header`;
    if (typeof p !== 'object' || p === null) return `parsed to ${typeof p}`;
    for (const [k, v] of Object.entries(p)) if (typeof v !== 'string') return `value of ${k} is ${typeof v}`;
    if (typeof p.nonce === 'string') {
      const state = nonces.check(p.nonce);
      if (!['ok', 'stale', 'invalid'].includes(state)) return `nonce check said ${String(state)}`;
      if (state === 'ok' && !issuedSet.has(p.nonce)) return `nonce ${JSON.stringify(p.nonce)} accepted but never issued`;
    }
    const res = verifyDigest(p, c.req, REALM, nonces, ha1);
    if (!res || typeof res !== 'object' || typeof res.ok !== 'boolean') return `verifyDigest returned ${show(res)}`;
    if (!res.ok && !REASONS.has(res.reason)) return `unknown reason ${String(res.reason)}`;
    const isGenuine = genuine(p, c.req);
    const key = `${p.nonce} ${Number.parseInt(p.nc ?? '', 16)}`;
    if (res.ok) {
      if (!c.derived) return 'a random header passed';
      if (!isGenuine) return `accepted an answer that is not genuine: ${show(p)}`;
      if (accepted.has(key)) return `accepted a replay: ${key}`;
      if (USERS.get(res.user) === undefined) return `ok for unknown user ${res.user}`;
      accepted.add(key);
    } else if (isGenuine && !accepted.has(key)) {
      return `refused a genuine first answer (${res.reason})`;
    }
    return undefined;
  };

  let total = 0;
  // valid client headers, then mutated; most must still parse, the genuine ones pass exactly once
  total += fuzz(
    t,
    'digest.clients',
    Math.round(30_000 * SCALE),
    (r, n): DigestCase => {
      const v = validDigest(r, n, issued[n % issued.length]!);
      const header = r.chance(0.25) ? v.header : mutate(r, v.header, r.range(1, 3));
      return { header, req: { method: v.method, rawUri: v.uri }, derived: true };
    },
    checkParsed,
  );
  // unmodified valid headers must pass (a positive control for the property above)
  let passed = 0;
  total += fuzz(
    t,
    'digest.valid',
    Math.round(2000 * SCALE),
    (r, n): DigestCase => {
      const v = validDigest(r, 1_000_000 + n, issued[n % issued.length]!);
      return { header: v.header, req: { method: v.method, rawUri: v.uri }, derived: true };
    },
    (c) => {
      const p = parseDigest(c.header);
      if (!p) return 'a valid header did not parse';
      const res = verifyDigest(p, c.req, REALM, nonces, ha1);
      if (!res.ok) return `a valid header was refused: ${res.reason}`;
      passed++;
      return verifyDigest(p, c.req, REALM, nonces, ha1).ok ? 'the same answer passed twice' : undefined;
    },
  );
  t.ok(passed > 0, `${passed} valid answers accepted once, refused as replays`);
  // random parameter lists: parse exactly as written
  total += fuzz(
    t,
    'digest.params',
    Math.round(15_000 * SCALE),
    (r) => randomDigestParams(r),
    ({ header, want }) => {
      const p = parseDigest(header);
      if (want === undefined) return header.length > MAX_AUTH_HEADER && p !== undefined ? 'parsed an over-long header' : undefined;
      if (!p) return 'a well-formed list did not parse';
      const a = JSON.stringify(Object.entries(p).sort());
      const b = JSON.stringify(Object.entries(want).sort());
      return a === b ? undefined : `got ${a.slice(0, 300)} want ${b.slice(0, 300)}`;
    },
  );
  // random strings, random Digest-ish garbage, over-long headers: parse or not, never pass
  total += fuzz(
    t,
    'digest.random',
    Math.round(25_000 * SCALE),
    (r, n): DigestCase => {
      const k = r.int(5);
      const req = { method: r.pick(['GET', 'POST']), rawUri: r.pick(URIS) };
      if (k === 0) return { header: randomString(r), req, derived: false };
      if (k === 1) return { header: `Digest ${randomString(r)}`, req, derived: false };
      if (k === 2) return { header: mutate(r, randomDigestParams(r).header), req, derived: false };
      if (k === 3) {
        // a well-formed answer with a nonce this process never issued, or the wrong password
        const how = r.int(5);
        const v = validDigest(r, n, how === 0 ? new Nonces().issue() : issued[n % issued.length]!, {
          uri: how === 3 ? r.pick(URIS.filter((u) => u !== req.rawUri)) : req.rawUri,
          method: how === 4 ? (req.method === 'GET' ? 'POST' : 'GET') : req.method,
          ...(how === 1 ? { password: 'wrong' } : how === 2 ? { user: fromAlphabet(r, 6, TOKEN), password: 'x' } : {}),
        });
        return { header: v.header, req, derived: false };
      }
      // over MAX_AUTH_HEADER: never parsed
      const v = validDigest(r, n, issued[n % issued.length]!);
      return { header: `${v.header}, opaque="${'x'.repeat(MAX_AUTH_HEADER - v.header.length + r.range(1, 20_000))}"`, req: { method: v.method, rawUri: v.uri }, derived: false };
    },
    (c) => {
      if (c.header.length > MAX_AUTH_HEADER && parseDigest(c.header) !== undefined) return 'parsed an over-long header';
      return checkParsed(c);
    },
  );
  // nonces: mutated and forged ones are never ok
  total += fuzz(
    t,
    'digest.nonces',
    Math.round(5000 * SCALE),
    (r, n) => (r.chance(0.7) ? mutate(r, issued[n % issued.length]!, 1) : r.chance(0.5) ? `${fromAlphabet(r, 22, TOKEN)}.${fromAlphabet(r, 22, TOKEN)}` : randomString(r)),
    (nonce) => {
      const s = nonces.check(nonce);
      if (s === 'ok' && !issuedSet.has(nonce)) return 'forged nonce accepted';
      return ['ok', 'stale', 'invalid'].includes(s) ? undefined : `check said ${String(s)}`;
    },
  );
  t.ok(total >= 70_000 * Math.min(SCALE, 1), `${total} Digest inputs`);
});

// ---------------------------------------------------------------- cookies and AJR envelopes

t.test('session cookie and AJR envelope', async (t) => {
  let total = 0;
  total += fuzz(
    t,
    'cookie',
    Math.round(8000 * SCALE),
    (r) => {
      if (r.chance(0.4)) {
        // a well-formed header; want = the first cookie of that name (trimmed)
        const pairs = Array.from({ length: r.range(0, 6) }, () => [r.chance(0.4) ? SESSION_COOKIE : fromAlphabet(r, r.range(1, 12), TOKEN), fromAlphabet(r, r.int(50), TOKEN + '=')] as const);
        const header = pairs.map(([k, v]) => `${r.pick(['', ' ', '  '])}${k}=${v}${r.pick(['', ' '])}`).join(';');
        return { header, want: pairs.find(([k]) => k === SESSION_COOKIE)?.[1] ?? null };
      }
      const base = `theme=dark; ${SESSION_COOKIE}=${fromAlphabet(r, 43, TOKEN)}; lang=en`;
      return { header: r.chance(0.6) ? mutate(r, base) : r.chance(0.1) ? undefined : randomString(r), want: undefined as string | null | undefined };
    },
    ({ header, want }) => {
      const v = cookieValue(header, SESSION_COOKIE);
      if (v !== undefined && typeof v !== 'string') return `returned ${typeof v}`;
      if (header !== undefined && header.length > 8192 && v !== undefined) return 'read a cookie from an over-long header';
      if (want !== undefined && header!.length <= 8192 && (v ?? null) !== want) return `got ${show(v)} want ${show(want)}`;
      return undefined;
    },
  );
  const BODIES = [
    '{"apiVersion":"1.1","context":"Axis library","method":"getAllProperties"}',
    '{"apiVersion":"1.0","method":"getAllUnrestrictedProperties"}',
    '{"apiVersion":"1.3","context":"c","method":"getProperties","params":{"propertyList":["Brand","ProdNbr","SerialNumber"]}}',
    '{"method":"getSupportedVersions"}',
    '{"apiVersion":"1.0","context":"Axis library","method":"getApiList"}',
  ];
  total += fuzz(
    t,
    'ajr',
    Math.round(8000 * SCALE),
    (r) => {
      const text = r.chance(0.7) ? mutate(r, r.pick(BODIES)) : r.chance(0.5) ? randomString(r) : r.pick(['[', '{"a":'])!.repeat(r.range(1, 20_000));
      const k = r.int(3);
      return { body: k === 0 ? text : k === 1 ? Buffer.from(text, 'utf8') : Buffer.from(Array.from({ length: r.len() }, () => r.int(256))), version: r.chance(0.5) ? mutate(r, r.pick(['1', '1.0', '1.3', '1.999', '2.0'])) : r.chance(0.1) ? undefined : randomString(r, r.int(8)), maxMinor: r.int(5) };
    },
    ({ body, version, maxMinor }) => {
      const parsed = parseAjr(body);
      if ('bad' in parsed) {
        if (parsed.bad !== 'json') return `bad: ${String(parsed.bad)}`;
      } else {
        const q = parsed.req;
        if (!q || typeof q !== 'object' || Array.isArray(q)) return 'request is not an object';
        const e = echo(q, '1.0');
        if (typeof e.apiVersion !== 'string' || typeof e.context !== 'string' || typeof e.method !== 'string') return `echo ${show(e)}`;
      }
      const ok = versionOk(version, maxMinor);
      if (typeof ok !== 'boolean') return 'versionOk not boolean';
      const m = version === undefined ? null : /^1(?:\.(\d{1,3}))?$/.exec(version);
      const want = version === undefined || (!!m && Number(m[1] ?? 0) <= maxMinor);
      return ok === want ? undefined : `versionOk(${show(version)}, ${maxMinor}) = ${ok}`;
    },
  );
  t.ok(total >= 16_000 * Math.min(SCALE, 1), `${total} cookie and AJR inputs`);
});

// ---------------------------------------------------------------- a live device

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One raw request on a fresh connection (`Connection: close`), so odd bytes reach the server as written. */
function rawRequest(port: number, https: boolean, data: Buffer, timeoutMs = 8000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let done = false;
    const sock: Socket = https ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }) : netConnect(port, '127.0.0.1');
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(chunks);
      const end = raw.indexOf('\r\n\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw.subarray(0, 20).toString('latin1'));
      if (!m || end < 0) return reject(err ?? new Error(`no HTTP answer (${raw.length} bytes: ${JSON.stringify(raw.toString('latin1').slice(0, 100))})`));
      const headers: Record<string, string> = {};
      for (const line of raw.subarray(0, end).toString('latin1').split('\r\n').slice(1)) {
        const c = line.indexOf(':');
        if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
      }
      resolve({ status: Number(m[1]), headers, body: raw.subarray(end + 4) });
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    sock.once(https ? 'secureConnect' : 'connect', () => sock.write(data));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', () => finish());
    sock.on('close', () => finish());
    sock.on('error', (err) => finish(err));
  });
}

const BDI_BODIES = [
  '{"apiVersion":"1.1","context":"Axis library","method":"getAllProperties"}',
  '{"apiVersion":"1.0","method":"getAllUnrestrictedProperties"}',
  '{"apiVersion":"1.3","context":"c","method":"getProperties","params":{"propertyList":["Brand","ProdNbr"]}}',
  '{"method":"getSupportedVersions"}',
];

interface HttpCase {
  https: boolean;
  method: string;
  target: string;
  headers: [string, string][];
  body: Buffer;
  /** Content-Length to declare instead of the body's (oversized uploads) */
  declared?: number;
  chunked: boolean;
  /** an unmodified valid Digest answer on a well-formed request: must not get 401 */
  mustAuthenticate: boolean;
  kind: string;
}

/** Percent-encodes what cannot stand in a request line, as a client would. */
function targetSafe(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += b <= 0x20 || b >= 0x7f || '"<>\\^`{|}#'.includes(String.fromCharCode(b)) ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b);
  return out;
}

function paramQuery(r: Rng): string {
  const action = r.pick(['list', 'list', 'listdefinitions', 'update', 'add', 'remove', fromAlphabet(r, r.range(0, 8), TOKEN)]);
  const group = r.pick(['Network', 'Brand', 'root.Brand', 'Properties.System,Brand', 'Audio', 'MediaClip', 'HTTPS', 'Nope', fromAlphabet(r, r.range(1, 20), TOKEN + '.,*')]);
  const extra = Array.from({ length: r.int(4) }, () => `root.Fuzz.${fromAlphabet(r, r.range(1, 8), TOKEN)}=${encodeURIComponent(wellFormed(r, r.int(12)))}`);
  return [`action=${action}`, ...(r.chance(0.7) ? [`group=${group}`] : []), ...extra].join('&');
}

function pwdgrpQuery(r: Rng): string {
  const action = r.pick(['get', 'get', 'add', 'update', 'remove', fromAlphabet(r, r.range(0, 8), TOKEN)]);
  // fresh names only: the fuzz never touches the accounts it authenticates with
  const user = `u${fromAlphabet(r, r.range(0, 10), TOKEN)}`;
  const parts = [`action=${action}`, `user=${user}`];
  if (r.chance(0.7)) parts.push(`pwd=${encodeURIComponent(wellFormed(r, r.range(0, 70)))}`);
  if (r.chance(0.7)) parts.push(`grp=${r.pick(['users', 'admin', ''])}`);
  if (r.chance(0.7)) parts.push(`sgrp=${r.pick(['viewer', 'viewer:operator', 'viewer:operator:admin:ptz', 'ptz', 'root', ''])}`);
  if (r.chance(0.2)) parts.push(`comment=${encodeURIComponent(wellFormed(r, r.int(200)))}`);
  return parts.join('&');
}

t.test('a live device answers every generated request with a protocol answer', async (t) => {
  const COUNT = Math.round(2000 * SCALE);
  const d = await startDevice(t);
  await d.addAdmin('root', 'pass1');
  const op = await d.digest('GET', '/axis-cgi/pwdgrp.cgi?action=add&user=fuzzop&pwd=op-pass&grp=users&sgrp=viewer:operator', 'root', 'pass1');
  t.match(op.body, 'Created account fuzzop.');
  const challenge = await d.req('GET', '/axis-cgi/pwdgrp.cgi?action=get');
  const nonce = /nonce="([^"]+)"/.exec(String(challenge.headers['www-authenticate']))![1]!;
  const realm = /realm="([^"]+)"/.exec(String(challenge.headers['www-authenticate']))![1]!;
  const creds = [
    ['root', 'pass1'],
    ['fuzzop', 'op-pass'],
  ] as const;

  // waits until anonymous viewing is `want` (config reloads after a param change)
  const anonymousViewing = async (want: boolean) => {
    for (let i = 0; i < 100; i++) {
      const r = await d.req('GET', '/axis-cgi/usergroup.cgi');
      if ((r.status === 200) === want) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`anonymous viewing did not become ${want}`);
  };
  // brute-force blocking off, or the fuzz would mostly measure the fast 403; anonymous viewing on for
  // the first half (viewer-level paths without credentials), off for the second
  await d.params.update({ changes: { 'System.BruteForce.Enabled': 'no', 'System.AnonymousViewing': 'yes' }, level: 'internal' });
  await anonymousViewing(true);

  const gen = (r: Rng, n: number): HttpCase => {
    const https = r.chance(0.15);
    const path = r.pick(PATHS);
    const method = r.chance(0.96) ? r.pick(['GET', 'POST', 'POST']) : r.pick(['HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'PROPFIND', fromAlphabet(r, r.range(1, 8), TOKEN), 'G(T']);
    let query = path.endsWith('param.cgi') ? paramQuery(r) : path.endsWith('pwdgrp.cgi') ? pwdgrpQuery(r) : r.chance(0.8) ? '' : randomString(r, r.int(40));
    let rawTarget = false;
    if (r.chance(0.35)) query = mutate(r, query);
    let target = query ? `${path}?${query}` : path;
    if (r.chance(0.04)) target = r.pick([`${path}/`, path.replace('/axis-cgi/', '/axis-cgi//'), path.toUpperCase(), `${path};x=1`, path.replace('/axis-cgi/', '/axis-cgi/../axis-cgi/'), `http://127.0.0.1${path}`, '*', `${path}%00`]) + (query ? `?${query}` : '');
    if (r.chance(0.08)) rawTarget = true;
    else target = targetSafe(target);
    if (rawTarget) target = target.replace(/[\u0100-\uffff]/g, '?');

    // body
    let body = Buffer.alloc(0);
    const headers: [string, string][] = [];
    let declared: number | undefined;
    if (method !== 'GET' || r.chance(0.1)) {
      const k = r.int(10);
      const text = path.endsWith('basicdeviceinfo.cgi') && k < 6 ? (r.chance(0.6) ? mutate(r, r.pick(BDI_BODIES)) : r.pick(BDI_BODIES)) : k < 7 ? (path.endsWith('pwdgrp.cgi') ? pwdgrpQuery(r) : paramQuery(r)) : k < 9 ? randomString(r) : '';
      body = k === 9 && r.chance(0.5) ? Buffer.from(Array.from({ length: r.len() }, () => r.int(256))) : Buffer.from(r.chance(0.2) ? mutate(r, text) : text, 'utf8');
      if (r.chance(0.8)) headers.push(['Content-Type', r.pick(['application/x-www-form-urlencoded', 'application/json', 'text/plain', 'application/json; charset=utf-8', 'multipart/form-data; boundary=x', '', fromAlphabet(r, 12, TOKEN + '/;= '), 'application/x-www-form-urlencoded; charset=ISO-8859-1'])]);
      if (r.chance(0.003)) declared = 2_000_000; // over the 1 MiB body limit: 413, without waiting for the body
    }
    const chunked = declared === undefined && body.length > 0 && r.chance(0.05);

    // credentials
    let mustAuthenticate = false;
    const a = r.int(100);
    let kind: string;
    if (a < 30) kind = 'none';
    else if (a < 50) kind = 'valid';
    else if (a < 70) kind = 'mutated';
    else if (a < 80) kind = 'random-digest';
    else if (a < 85) kind = 'basic';
    else if (a < 97) kind = 'garbage';
    else kind = 'long';
    const [user, password] = r.pick(creds);
    const valid = () => validDigest(r, 10_000_000 + n, nonce, { method, uri: target, user, password, realm }).header;
    let auth: string | undefined;
    if (kind === 'valid') {
      auth = valid();
      mustAuthenticate = !rawTarget && ['GET', 'POST', 'HEAD'].includes(method) && !target.startsWith('http:') && target !== '*' && auth.length <= MAX_AUTH_HEADER;
    } else if (kind === 'mutated') auth = mutate(r, valid(), r.range(1, 3));
    else if (kind === 'random-digest') auth = r.chance(0.5) ? randomDigestParams(r).header : `Digest ${randomString(r)}`;
    else if (kind === 'basic') {
      // Basic over HTTPS costs a scrypt: keep those few
      const cred = r.chance(0.3) ? `${user}:${r.chance(0.5) ? password : 'wrong'}` : randomString(r, r.int(30));
      auth = `${r.pick(['Basic', 'basic', 'BASIC'])} ${r.chance(0.8) ? Buffer.from(cred, 'latin1').toString('base64') : cred}`;
      if (https && r.chance(0.8)) auth = `Basic ${randomString(r, 3)}`;
    } else if (kind === 'garbage') auth = r.pick([() => randomString(r), () => `${r.pick(['Bearer', 'Negotiate', 'NTLM', 'Digest', 'Basic', ''])}${r.pick([' ', '', '  '])}${randomString(r, r.int(60))}`, () => 'Digest', () => 'Digest ,', () => ''])();
    else if (kind === 'long') auth = `Digest username="root", realm="${realm}", opaque="${'x'.repeat(r.range(MAX_AUTH_HEADER, 15_000))}"`;
    if (auth !== undefined) {
      // header values cannot hold CR/LF without ending the header; mostly keep them out
      if (r.chance(0.9)) auth = auth.replace(/[\r\n]/g, ' ');
      headers.push(['Authorization', auth.replace(/[\u0100-\uffff]/g, '?')]);
    }
    if (r.chance(0.1)) headers.push(['Cookie', r.chance(0.5) ? `${SESSION_COOKIE}=${fromAlphabet(r, 43, TOKEN)}` : randomString(r, r.int(60)).replace(/[\r\n]/g, '').replace(/[\u0100-\uffff]/g, '?')]);
    if (r.chance(0.05)) headers.push(['X-CSRF-Token', fromAlphabet(r, 32, TOKEN)]);
    if (r.chance(0.03)) headers.push([fromAlphabet(r, r.range(1, 20), TOKEN), randomString(r, r.int(40)).replace(/[\r\n]/g, '').replace(/[\u0100-\uffff]/g, '?')]);
    return { https, method, target, headers, body, declared, chunked, mustAuthenticate, kind };
  };

  const bytes = (c: HttpCase): Buffer => {
    let head = `${c.method} ${c.target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`;
    for (const [k, v] of c.headers) head += `${k}: ${v}\r\n`;
    if (c.chunked) head += 'Transfer-Encoding: chunked\r\n';
    else if (c.declared !== undefined || c.body.length || c.method === 'POST') head += `Content-Length: ${c.declared ?? c.body.length}\r\n`;
    head += '\r\n';
    const body = c.chunked ? Buffer.concat([Buffer.from(`${c.body.length.toString(16)}\r\n`), c.body, Buffer.from('\r\n0\r\n\r\n')]) : c.declared !== undefined ? c.body.subarray(0, 1000) : c.body;
    return Buffer.concat([Buffer.from(head, 'latin1'), body]);
  };

  const problems: { n: number; problem: string; request: string }[] = [];
  let failed = 0;
  const statuses: Record<string, number> = {};
  const check = (c: HttpCase, a: Answer): string | undefined => {
    statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    if (a.status < 200 || a.status >= 500) return `status ${a.status}: ${a.body.toString('latin1').slice(0, 200)}`;
    if (a.status === 401 && !a.headers['www-authenticate']) return '401 without a challenge';
    if (c.mustAuthenticate && a.status === 401) return 'a valid Digest answer was refused';
    if (a.status === 200 && c.method !== 'HEAD' && c.target.startsWith('/axis-cgi/basicdeviceinfo.cgi')) {
      try {
        const j = JSON.parse(a.body.toString('utf8')) as { apiVersion?: unknown };
        if (typeof j.apiVersion !== 'string') return 'AJR answer without apiVersion';
      } catch {
        return `basicdeviceinfo.cgi 200 that is not JSON: ${a.body.toString('latin1').slice(0, 100)}`;
      }
    }
    return undefined;
  };

  const runPhase = async (from: number, to: number) => {
    let next = from;
    const worker = async () => {
      while (next < to) {
        const n = next++;
        const c = gen(caseRng('http', n), n);
        let problem: string | undefined;
        try {
          problem = check(c, await rawRequest(c.https ? d.httpsPort : d.httpPort, c.https, bytes(c)));
        } catch (err) {
          problem = `no answer: ${(err as Error).message}`;
        }
        if (problem !== undefined) {
          failed++;
          if (problems.length < 5) problems.push({ n, problem, request: show({ ...c, body: c.body.toString('latin1').slice(0, 200) }) });
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  };
  // first, arguments at and past the limits of what the CGIs and paramd take, with valid credentials
  const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}=1`).join('&');
  const EDGE: { method: 'GET' | 'POST'; path: string; query?: string; body?: string }[] = [
    { method: 'GET', path: '/axis-cgi/param.cgi', query: `action=list&group=${'a'.repeat(1100)}` },
    { method: 'GET', path: '/axis-cgi/param.cgi', query: `action=listdefinitions&group=${'a'.repeat(1100)}` },
    { method: 'GET', path: '/axis-cgi/param.cgi', query: `action=list&group=${Array.from({ length: 300 }, (_, i) => `G${i}`).join(',')}` },
    { method: 'GET', path: '/axis-cgi/param.cgi', query: `action=list&group=${Array.from({ length: 1001 }, (_, i) => `G${i}`).join(',')}` },
    { method: 'GET', path: '/axis-cgi/param.cgi', query: `action=update&root.Fuzz.Long=${'v'.repeat(6000)}` }, // a long URL still authenticates
    { method: 'GET', path: '/axis-cgi/param.cgi', query: 'action=list&group=*' },
    { method: 'GET', path: '/axis-cgi/param.cgi', query: 'action=list&group=,.,' },
    { method: 'POST', path: '/axis-cgi/param.cgi', body: `action=update&${many(1500, 'root.Fuzz.K')}` },
    { method: 'POST', path: '/axis-cgi/param.cgi', body: `action=update&${many(2500, 'root.Fuzz.K')}` },
    { method: 'POST', path: '/axis-cgi/param.cgi', body: `action=update&root.Audio.A0.Name=${'v'.repeat(70_000)}` },
    { method: 'POST', path: '/axis-cgi/param.cgi', body: `action=add&group=MediaClip&template=clip&${many(1900, 'MediaClip.M.K')}` },
    { method: 'POST', path: '/axis-cgi/param.cgi', body: `action=remove&group=${'a'.repeat(1100)}` },
    { method: 'POST', path: '/axis-cgi/pwdgrp.cgi', body: `action=add&user=u${'a'.repeat(40)}&pwd=${'p'.repeat(70)}&grp=users&sgrp=viewer` },
    { method: 'POST', path: '/axis-cgi/pwdgrp.cgi', body: `action=update&user=nosuch&comment=${'c'.repeat(300)}` },
    { method: 'POST', path: '/axis-cgi/basicdeviceinfo.cgi', body: JSON.stringify({ apiVersion: '1.3', method: 'getProperties', params: { propertyList: Array(5000).fill('Brand') } }) },
    { method: 'POST', path: '/axis-cgi/basicdeviceinfo.cgi', body: `{"apiVersion":"1.3","method":"getAllProperties","params":${'['.repeat(5000)}${']'.repeat(5000)}}` },
    { method: 'POST', path: '/axis-cgi/basicdeviceinfo.cgi', body: `{"apiVersion":"${'9'.repeat(100_000)}","method":"getAllProperties","context":"${'c'.repeat(100_000)}"}` },
  ];
  const edgeProblems: { i: number; problem: string; request: string }[] = [];
  for (const [i, e] of EDGE.entries()) {
    const target = e.query ? `${e.path}?${e.query}` : e.path;
    const auth = validDigest(new Rng(i), 20_000_000 + i, nonce, { method: e.method, uri: target, user: 'root', password: 'pass1', realm }).header;
    const c: HttpCase = { https: false, method: e.method, target, headers: [['Authorization', auth], ['Content-Type', 'application/x-www-form-urlencoded']], body: Buffer.from(e.body ?? ''), chunked: false, mustAuthenticate: auth.length <= MAX_AUTH_HEADER, kind: 'edge' };
    let problem: string | undefined;
    try {
      problem = check(c, await rawRequest(d.httpPort, false, bytes(c)));
    } catch (err) {
      problem = `no answer: ${(err as Error).message}`;
    }
    if (problem !== undefined) edgeProblems.push({ i, problem, request: `${e.method} ${target.slice(0, 120)} ${e.body?.slice(0, 120) ?? ''}` });
  }
  t.same(edgeProblems, [], `${EDGE.length} requests at the limits: protocol answers`);

  const t0 = performance.now();
  await runPhase(0, COUNT >> 1);
  await d.params.update({ changes: { 'System.AnonymousViewing': 'no' }, level: 'internal' });
  await anonymousViewing(false);
  await runPhase(COUNT >> 1, COUNT);
  t.equal(failed, 0, `${COUNT} requests in ${Math.round(performance.now() - t0)} ms, no 5xx, no hang (seed ${SEED})`, { problems, statuses });
  t.comment(`statuses: ${JSON.stringify(statuses)}`);

  // and the device still works
  const ug = await d.digest('GET', '/axis-cgi/usergroup.cgi', 'root', 'pass1');
  t.equal(ug.status, 200);
  t.equal(ug.body, 'root\nusers admin operator viewer ptz\n', 'root is still an admin');
  const brand = await d.digest('GET', '/axis-cgi/param.cgi?action=list&group=Brand', 'root', 'pass1', { https: true });
  t.equal(brand.status, 200);
  t.match(brand.body, /^root\.Brand\.Brand=/m, 'param.cgi still lists');
  const bdi = await d.digest('POST', '/axis-cgi/basicdeviceinfo.cgi', 'fuzzop', 'op-pass', { body: BDI_BODIES[0]!, headers: { 'Content-Type': 'application/json' } });
  t.equal(bdi.status, 200);
  t.match(JSON.parse(bdi.body), { apiVersion: '1.1', method: 'getAllProperties', data: { propertyList: { Brand: String } } }, 'basicdeviceinfo.cgi still answers');
  const anon = await d.req('GET', '/axis-cgi/param.cgi?action=list&group=Network');
  t.equal(anon.status, 401, 'and still asks anonymous clients for credentials');
});

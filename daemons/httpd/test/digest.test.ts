import t from 'tap';
import { MAX_AUTH_HEADER, MAX_NC_PER_NONCE, MAX_TRACKED_NONCES, NONCE_LIFETIME_MS, Nonces, digestAlgorithm, digestChallenge, parseDigest, verifyDigest } from '../src/auth/digest.js';
import { startDevice, type Device } from './device.js';
import { challengeOf, digestAuth, freshNonce, run, setParams } from './auth-helpers.js';
import { createHash } from 'node:crypto';

const USERGROUP = '/axis-cgi/usergroup.cgi';
const ROOT_BODY = 'root\nusers admin operator viewer ptz\n';

/** One device for the integration tests of this file: admin root/pass1, viewer joe/joepw. */
async function device(t: { teardown(fn: () => unknown): void }): Promise<Device> {
  const d = await startDevice(t);
  await d.addAdmin();
  const r = await d.digest('GET', '/axis-cgi/pwdgrp.cgi?action=add&user=joe&pwd=joepw&grp=users&sgrp=viewer', 'root', 'pass1');
  if (!r.body.includes('Created account joe.')) throw new Error(r.body);
  // failures are made on purpose below; brute-force protection has its own tests
  await setParams(d, { 'System.BruteForce.Enabled': 'no' });
  return d;
}

t.test('Digest over the wire', async (t) => {
  const d = await device(t);
  const serial = d.tb.board.identity.serialNumber;

  t.test('the challenge: exactly one header, realm AXIS_<serial>, MD5, qop="auth"', async (t) => {
    const r = await d.req('GET', USERGROUP);
    t.equal(r.status, 401);
    t.match(r.headers['content-type'], /^text\/html/);
    const raw = await rawHeaders(d, USERGROUP);
    t.equal(raw.filter((h) => h.toLowerCase() === 'www-authenticate').length, 1, 'one WWW-Authenticate header');
    const h = r.headers['www-authenticate'] as string;
    t.match(h, /^Digest realm="AXIS_[0-9A-F]{12}", nonce="[^"]+", algorithm=MD5, qop="auth"$/);
    t.equal(challengeOf(r).realm, `AXIS_${serial}`);
    t.notMatch(h, /auth-int|SHA|stale|Basic/);
    const again = await d.req('GET', USERGROUP);
    t.not(challengeOf(again).nonce, challengeOf(r).nonce, 'every challenge has a fresh nonce');
    t.equal(digestChallenge('AXIS_X', 'n', true), 'Digest realm="AXIS_X", nonce="n", algorithm=MD5, qop="auth", stale=true', 'stale=true comes last');
  });

  t.test('curl --digest', async (t) => {
    const curl = (user: string, pw: string, path: string, extra: string[] = [], base = d.http) =>
      run('curl', ['-sS', '--noproxy', '*', '--digest', '-u', `${user}:${pw}`, '-w', '\n%{http_code}', ...extra, `${base}${path}`]);
    const ok = await curl('root', 'pass1', USERGROUP);
    t.equal(ok.code, 0, ok.stderr);
    t.equal(ok.stdout, `${ROOT_BODY}\n200`);
    const q = await curl('joe', 'joepw', '/axis-cgi/param.cgi?action=list&group=HTTPS.Port');
    t.equal(q.stdout, `root.HTTPS.Port=${d.httpsPort}\n\n200`, 'a query string is part of the signed uri');
    const post = await curl('joe', 'joepw', USERGROUP, ['--data', 'x=1']);
    t.equal(post.stdout, 'joe\nusers viewer\n\n200', 'POST with a body');
    const https = await curl('root', 'pass1', USERGROUP, ['-k'], d.https);
    t.equal(https.stdout, `${ROOT_BODY}\n200`, 'the same over HTTPS');
    const bad = await curl('root', 'wrong', USERGROUP);
    t.match(bad.stdout, /\n401$/, 'wrong password');
  });

  t.test("Python's urllib.request.HTTPDigestAuthHandler", async (t) => {
    const script = [
      'import sys, urllib.request, urllib.error',
      'url, user, pw = sys.argv[1:4]',
      'pm = urllib.request.HTTPPasswordMgrWithDefaultRealm()',
      'pm.add_password(None, url, user, pw)',
      'opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPDigestAuthHandler(pm))',
      'try:',
      '    r = opener.open(url, timeout=10)',
      '    sys.stdout.write(str(r.status) + "\\n" + r.read().decode())',
      'except urllib.error.HTTPError as e:',
      '    sys.stdout.write(str(e.code) + "\\n")',
    ].join('\n');
    const py = (user: string, pw: string, path: string) => run('python3', ['-c', script, `${d.http}${path}`, user, pw]);
    const ok = await py('root', 'pass1', USERGROUP);
    t.equal(ok.stdout, `200\n${ROOT_BODY}`, ok.stderr);
    const q = await py('joe', 'joepw', '/axis-cgi/param.cgi?action=list&group=HTTPS%2EPort');
    t.equal(q.stdout, `200\nroot.HTTPS.Port=${d.httpsPort}\n`, 'percent-encoded query signed as sent');
    const bad = await py('joe', 'nope', USERGROUP);
    t.equal(bad.stdout, '401\n', 'wrong password');
  });

  t.test('a nonce is reused with increasing and out-of-order nc; exact replays are refused (A5)', async (t) => {
    const ch = await freshNonce(d);
    const auth = (nc: number, cnonce?: string) => digestAuth({ user: 'root', password: 'pass1', realm: ch.realm, nonce: ch.nonce, method: 'GET', uri: USERGROUP, nc, cnonce });
    for (const nc of [1, 2, 3]) {
      const r = await d.req('GET', USERGROUP, { headers: { Authorization: auth(nc) } });
      t.equal(r.status, 200, `nc=${nc}`);
    }
    const concurrent = await Promise.all([9, 6, 8, 4, 7, 5].map((nc) => d.req('GET', USERGROUP, { headers: { Authorization: auth(nc) } })));
    t.same(
      concurrent.map((r) => r.status),
      [200, 200, 200, 200, 200, 200],
      'out of order, concurrently',
    );
    const h = auth(10, 'fixedcnonce');
    t.equal((await d.req('GET', USERGROUP, { headers: { Authorization: h } })).status, 200);
    const replay = await d.req('GET', USERGROUP, { headers: { Authorization: h } });
    t.equal(replay.status, 401, 'exact replay refused');
    t.equal(challengeOf(replay).stale, false, 'a replay is no stale nonce');
    t.equal((await d.req('GET', USERGROUP, { headers: { Authorization: auth(2) } })).status, 401, 'a used nc with a new cnonce is refused too');
    t.equal((await d.req('GET', USERGROUP, { headers: { Authorization: auth(11) } })).status, 200, 'the nonce still works with a new nc');
  });

  t.test('a nonce of another process (other key): 401 stale=true with the right password (A6)', async (t) => {
    const foreign = new Nonces().issue();
    const realm = `AXIS_${serial}`;
    const r = await d.req('GET', USERGROUP, { headers: { Authorization: digestAuth({ user: 'root', password: 'pass1', realm, nonce: foreign, method: 'GET', uri: USERGROUP }) } });
    t.equal(r.status, 401);
    const ch = challengeOf(r);
    t.equal(ch.stale, true);
    t.match(ch.raw, /^Digest realm="AXIS_[0-9A-F]{12}", nonce="[^"]+", algorithm=MD5, qop="auth", stale=true$/);
    t.not(ch.nonce, foreign, 'a fresh nonce');
    const retry = await d.req('GET', USERGROUP, { headers: { Authorization: digestAuth({ user: 'root', password: 'pass1', realm, nonce: ch.nonce, method: 'GET', uri: USERGROUP }) } });
    t.equal(retry.status, 200, 'the client retries silently with the fresh nonce');
    const wrong = await d.req('GET', USERGROUP, { headers: { Authorization: digestAuth({ user: 'root', password: 'wrong', realm, nonce: new Nonces().issue(), method: 'GET', uri: USERGROUP }) } });
    t.equal(wrong.status, 401);
    t.equal(challengeOf(wrong).stale, false, 'wrong password on a foreign nonce: no stale');
    const shapeless = await d.req('GET', USERGROUP, { headers: { Authorization: digestAuth({ user: 'root', password: 'pass1', realm, nonce: 'XnR0cGVtbQA=3b1f0c9e8d', method: 'GET', uri: USERGROUP }) } });
    t.equal(shapeless.status, 401);
    t.equal(challengeOf(shapeless).stale, false, 'a nonce that is no nonce of ours at all is not stale');
  });

  t.test('SHA-256 answers are accepted, MD5 is what is challenged (A4)', async (t) => {
    for (const algorithm of ['SHA-256', 'SHA256', 'MD5'] as const) {
      for (const quoteAlgorithm of [false, true]) {
        const ch = await freshNonce(d);
        const r = await d.req('GET', USERGROUP, { headers: { Authorization: digestAuth({ user: 'root', password: 'pass1', realm: ch.realm, nonce: ch.nonce, method: 'GET', uri: USERGROUP, algorithm, quoteAlgorithm }) } });
        t.equal(r.status, 200, `algorithm=${quoteAlgorithm ? `"${algorithm}"` : algorithm}`);
      }
    }
    const ch = await freshNonce(d);
    const mismatch = await d.req('GET', USERGROUP, { headers: { Authorization: digestAuth({ user: 'root', password: 'pass1', realm: ch.realm, nonce: ch.nonce, method: 'GET', uri: USERGROUP, algorithm: 'SHA-256', hash: 'md5' }) } });
    t.equal(mismatch.status, 401, 'an MD5 answer labelled SHA-256 is refused');
    const ch2 = await freshNonce(d);
    const h = digestAuth({ user: 'root', password: 'pass1', realm: ch2.realm, nonce: ch2.nonce, method: 'GET', uri: USERGROUP, algorithm: 'MD5' }).replace('algorithm=MD5', 'algorithm=MD5-sess');
    t.equal((await d.req('GET', USERGROUP, { headers: { Authorization: h } })).status, 401, 'MD5-sess is not offered, not accepted');
  });

  t.test('algorithm and qop quoted or unquoted, algorithm absent (A7)', async (t) => {
    const styles = [
      { what: 'K74: algorithm="MD5", qop=auth', algorithm: 'MD5' as const, quoteAlgorithm: true, quoteQop: false },
      { what: 'httpx/FF: both unquoted', algorithm: 'MD5' as const, quoteAlgorithm: false, quoteQop: false },
      { what: 'AIO: both quoted', algorithm: 'MD5' as const, quoteAlgorithm: true, quoteQop: true },
      { what: 'algorithm absent, qop quoted', algorithm: undefined, quoteAlgorithm: false, quoteQop: true },
    ];
    for (const s of styles) {
      const ch = await freshNonce(d);
      const r = await d.req('GET', USERGROUP, { headers: { Authorization: digestAuth({ user: 'joe', password: 'joepw', realm: ch.realm, nonce: ch.nonce, method: 'GET', uri: USERGROUP, ...s }) } });
      t.equal(r.status, 200, s.what);
      t.equal(r.body, 'joe\nusers viewer\n');
    }
    const ch = await freshNonce(d);
    const authInt = digestAuth({ user: 'joe', password: 'joepw', realm: ch.realm, nonce: ch.nonce, method: 'GET', uri: USERGROUP }).replace('qop=auth', 'qop=auth-int');
    t.equal((await d.req('GET', USERGROUP, { headers: { Authorization: authInt } })).status, 401, 'qop=auth-int is refused');
    const ch2 = await freshNonce(d);
    const noQop = digestAuth({ user: 'joe', password: 'joepw', realm: ch2.realm, nonce: ch2.nonce, method: 'GET', uri: USERGROUP }).replace(', qop=auth', '');
    t.equal((await d.req('GET', USERGROUP, { headers: { Authorization: noQop } })).status, 401, 'RFC 2069 answers (no qop) are for RTSP only');
  });

  t.test('uri must equal the raw request-target, query included (A8)', async (t) => {
    const target = `${USERGROUP}?user=a%20b&x=%2F%3D%26&y=c+d`;
    const sign = async (uri: string, headerUri?: string) => {
      const ch = await freshNonce(d);
      return d.req('GET', target, { headers: { Authorization: digestAuth({ user: 'root', password: 'pass1', realm: ch.realm, nonce: ch.nonce, method: 'GET', uri, headerUri }) } });
    };
    t.equal((await sign(target)).status, 200, 'percent-encoded query signed as sent');
    t.equal((await sign(decodeURIComponent(target))).status, 401, 'the decoded query is another uri');
    t.equal((await sign(USERGROUP)).status, 401, 'the path alone is not enough');
    t.equal((await sign(`${d.http}${target}`)).status, 401, 'an absolute URI is not the request-target');
    t.equal((await sign(`${USERGROUP}?user=a%20b`)).status, 401, 'another query');
    t.equal((await sign('/axis-cgi/pwdgrp.cgi?action=get')).status, 401, 'the answer for another resource');
    // a header whose uri differs from what was signed: the response does not match either
    t.equal((await sign(target, `${USERGROUP}?user=a%20b`)).status, 401);
    const ch = await freshNonce(d);
    const post = await d.req('POST', target, { headers: { Authorization: digestAuth({ user: 'root', password: 'pass1', realm: ch.realm, nonce: ch.nonce, method: 'GET', uri: target }) } });
    t.equal(post.status, 401, 'the method is part of the answer');
  });

  t.test('wrong password, unknown user, wrong realm: 401 without stale', async (t) => {
    const cases = [
      { what: 'wrong password', user: 'root', password: 'pass2' },
      { what: 'unknown user', user: 'nobody', password: 'pass1' },
      { what: 'user name in another case', user: 'Root', password: 'pass1' },
      { what: 'empty password', user: 'root', password: '' },
    ];
    for (const c of cases) {
      const ch = await freshNonce(d);
      const r = await d.req('GET', USERGROUP, { headers: { Authorization: digestAuth({ ...c, realm: ch.realm, nonce: ch.nonce, method: 'GET', uri: USERGROUP }) } });
      t.equal(r.status, 401, c.what);
      t.equal(challengeOf(r).stale, false, `${c.what}: no stale`);
      t.equal(challengeOf(r).scheme, 'Digest');
    }
    const ch = await freshNonce(d);
    const realm = await d.req('GET', USERGROUP, { headers: { Authorization: digestAuth({ user: 'root', password: 'pass1', realm: 'AXIS_000000000000', nonce: ch.nonce, method: 'GET', uri: USERGROUP }) } });
    t.equal(realm.status, 401, 'an answer for another realm');
  });

  t.test('malformed Authorization headers get 401 and the daemon keeps working', async (t) => {
    const ch = await freshNonce(d);
    const good = digestAuth({ user: 'root', password: 'pass1', realm: ch.realm, nonce: ch.nonce, method: 'GET', uri: USERGROUP, nc: 1 });
    const bad = [
      'Digest',
      'Digest ',
      'Digest username',
      'Digest username=',
      'Digest username="root',
      'Digest ,,,',
      'Digest username="root",, realm="x"',
      'Digest =x',
      good.replace('username="root"', 'username="root", username="root"'),
      good.replace(/nc=[0-9a-f]+/, 'nc=zzzzzzzz'),
      good.replace(/nc=[0-9a-f]+/, 'nc=1'),
      good.replace(/, cnonce="[^"]*"/, ''),
      good.replace(/, response="[^"]*"/, ''),
      good.replace(/response="[^"]*"/, 'response=""'),
      good.replace(/response="[^"]*"/, 'response="\u00e9\u00e9"'),
      good.replace(/nonce="[^"]*"/, 'nonce=""'),
      good.replace(/nonce="[^"]*"/, `nonce="${'.'.repeat(45)}"`),
      `Digest ${'a=b, '.repeat(2000)}`,
      'Digest username="\\',
      'Bearer abc.def',
      'Basic',
      'Basic !!!!',
      'Negotiate YII=',
      'x'.repeat(MAX_AUTH_HEADER + 1),
    ];
    for (const h of bad) {
      const r = await d.req('GET', USERGROUP, { headers: { Authorization: h } });
      t.equal(r.status, 401, JSON.stringify(h.slice(0, 60)));
    }
    const r = await d.req('GET', USERGROUP, { headers: { Authorization: good } });
    t.equal(r.status, 200, 'a good answer still works afterwards');
    t.equal(r.body, ROOT_BODY);
    t.equal((await d.digest('GET', USERGROUP, 'joe', 'joepw')).status, 200);
  });

  t.test('an Authorization header at MAX_AUTH_HEADER is read; one character more is refused', async (t) => {
    const ch = await freshNonce(d);
    const base = digestAuth({ user: 'root', password: 'pass1', realm: ch.realm, nonce: ch.nonce, method: 'GET', uri: USERGROUP, nc: 1 });
    const pad = (len: number, nc: number) => {
      const h = digestAuth({ user: 'root', password: 'pass1', realm: ch.realm, nonce: ch.nonce, method: 'GET', uri: USERGROUP, nc, cnonce: 'c' });
      const head = `${h}, opaque="`;
      return `${head}${'o'.repeat(len - head.length - 1)}"`;
    };
    t.ok(base.length < MAX_AUTH_HEADER);
    const at = pad(MAX_AUTH_HEADER, 1);
    t.equal(at.length, MAX_AUTH_HEADER);
    t.equal((await d.req('GET', USERGROUP, { headers: { Authorization: at } })).status, 200, 'at the limit');
    const over = pad(MAX_AUTH_HEADER + 1, 2);
    t.equal((await d.req('GET', USERGROUP, { headers: { Authorization: over } })).status, 401, 'over the limit');
  });
});

/** The raw header names of an unauthenticated answer (Node would join repeated headers). */
async function rawHeaders(d: Device, url: string): Promise<string[]> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port: d.httpPort, path: url, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.rawHeaders.filter((_, i) => i % 2 === 0)));
    });
    r.on('error', reject);
    r.end();
  });
}

t.test('Nonces with an injected clock', async (t) => {
  let now = 1_700_000_000_000;
  const nonces = new Nonces(() => now);

  t.test('valid for exactly NONCE_LIFETIME_MS', async (t) => {
    const n = nonces.issue();
    t.match(n, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/);
    t.equal(nonces.check(n), 'ok');
    now += NONCE_LIFETIME_MS;
    t.equal(nonces.check(n), 'ok', 'at the limit');
    now += 1;
    t.equal(nonces.check(n), 'stale', 'one ms after');
    const m = nonces.issue();
    now -= 1;
    t.equal(nonces.check(m), 'stale', 'issued in the future (the clock went back)');
    now += 1;
  });

  t.test('signature and shape', async (t) => {
    const n = nonces.issue();
    const other = new Nonces(() => now).issue();
    t.equal(nonces.check(other), 'stale', 'another key (another boot): stale, so clients retry');
    const flipped = (n[0] === 'A' ? 'B' : 'A') + n.slice(1);
    t.equal(nonces.check(flipped), 'stale', 'a changed body fails the signature');
    t.equal(nonces.check(n.slice(0, 44)), 'invalid');
    t.equal(nonces.check(`${n}x`), 'invalid');
    t.equal(nonces.check(n.replace('.', '_')), 'invalid');
    t.equal(nonces.check(''), 'invalid');
  });

  t.test('nc values: what use() answers is what a plain set of seen values would', async (t) => {
    // counting up with a few requests in flight (K60), gaps, repeats, a jump, zero
    let seed = 7;
    const rand = (k: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % k);
    for (let round = 0; round < 20; round++) {
      const n = nonces.issue();
      const set = new Set<number>([0]); // nc counts from 1: 0 is never a first use
      let next = rand(2);
      let mismatches = 0;
      for (let i = 0; i < 3000; i++) {
        const r = rand(10);
        const nc = r < 6 ? next++ : r < 8 ? Math.max(0, next - 1 - rand(8)) : r < 9 ? next + rand(5) : rand(3) === 0 ? 2 ** 32 - 1 - rand(3) : 0;
        const want = set.has(nc) ? 'replay' : set.size > MAX_NC_PER_NONCE ? 'exhausted' : 'ok';
        if (want === 'ok') set.add(nc);
        if (nonces.use(n, nc) !== want) mismatches++;
      }
      t.equal(mismatches, 0, `round ${round}: ${set.size} values`);
    }
  });

  t.test('nc values used in order are kept as a count, not one by one', async (t) => {
    const local = new Nonces();
    const issued = Array.from({ length: 200 }, () => local.issue());
    const before = process.memoryUsage().arrayBuffers;
    for (const n of issued) for (let nc = 1; nc <= 1000; nc++) local.use(n, nc);
    // one by one that is 200 typed arrays of 1024+ values (~0.8 MB at least)
    t.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024, 'no per-value storage');
    t.equal(local.use(issued[0]!, 1000), 'replay');
    t.equal(local.use(issued[0]!, 1001), 'ok');
  });

  t.test('nc values: any order, no replay, at most MAX_NC_PER_NONCE', async (t) => {
    const n = nonces.issue();
    const order = Array.from({ length: MAX_NC_PER_NONCE }, (_, i) => MAX_NC_PER_NONCE - i);
    let ok = 0;
    for (const nc of order) if (nonces.use(n, nc) === 'ok') ok++;
    t.equal(ok, MAX_NC_PER_NONCE, 'MAX_NC_PER_NONCE values, in reverse order');
    t.equal(nonces.use(n, 1), 'replay');
    t.equal(nonces.use(n, MAX_NC_PER_NONCE), 'replay');
    t.equal(nonces.use(n, MAX_NC_PER_NONCE + 1), 'exhausted', 'one more is too many');
    const late = nonces.issue();
    t.equal(nonces.use(late, 1_000_000), 'ok', 'a client counting on from another nonce');
    t.equal(nonces.use(late, 3), 'ok', 'any order');
    t.equal(nonces.use(late, 1_000_000), 'replay');
    t.equal(nonces.use(nonces.issue(), 1), 'ok', 'other nonces are not affected');
  });

  t.test('at most MAX_TRACKED_NONCES are tracked; a forgotten nonce is never accepted again', async (t) => {
    const local = new Nonces(() => now);
    const first = local.issue();
    t.equal(local.use(first, 1), 'ok');
    now += 1;
    const kept: string[] = [];
    let ok = 0;
    for (let i = 0; i < MAX_TRACKED_NONCES; i++) {
      const n = local.issue();
      if (local.use(n, 1) === 'ok') ok++;
      if (i >= MAX_TRACKED_NONCES - 3) kept.push(n);
    }
    t.equal(ok, MAX_TRACKED_NONCES);
    t.equal(local.check(first), 'stale', 'the evicted nonce is stale: its nc values were forgotten, so it must not be reused');
    for (const n of kept) {
      t.equal(local.check(n), 'ok', 'recent nonces stay good');
      t.equal(local.use(n, 1), 'replay', 'and their replays are still caught');
    }
    now += 1;
    const fresh = local.issue();
    t.equal(local.check(fresh), 'ok', 'a nonce issued after the eviction is good');
    t.equal(local.use(fresh, 1), 'ok');
  });
});

t.test('verifyDigest', async (t) => {
  let now = 1_700_000_000_000;
  const nonces = new Nonces(() => now);
  const realm = 'AXIS_02BE1F000001';
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const ha1 = (user: string, alg: 'md5' | 'sha256') => (user === 'root' ? (alg === 'md5' ? md5 : sha)(`root:${realm}:pw`) : undefined);
  const req = { method: 'GET', rawUri: '/x?a=%20' };
  const answer = (o: Partial<Parameters<typeof digestAuth>[0]> = {}) => parseDigest(digestAuth({ user: 'root', password: 'pw', realm, nonce: o.nonce ?? nonces.issue(), method: 'GET', uri: '/x?a=%20', ...o }))!;
  t.same(verifyDigest(answer(), req, realm, nonces, ha1), { ok: true, user: 'root' });
  t.same(verifyDigest(answer({ algorithm: 'SHA-256' }), req, realm, nonces, ha1), { ok: true, user: 'root' });
  t.match(verifyDigest(answer({ password: 'x' }), req, realm, nonces, ha1), { ok: false, reason: 'bad-response' });
  t.match(verifyDigest(answer({ user: 'joe' }), req, realm, nonces, ha1), { ok: false, reason: 'unknown-user' });
  t.match(verifyDigest(answer({ uri: '/x?a= ' }), req, realm, nonces, ha1), { ok: false, reason: 'uri' });
  t.match(verifyDigest(answer({ realmInHeader: 'AXIS_1' }), req, realm, nonces, ha1), { ok: false, reason: 'realm' });
  const n = nonces.issue();
  t.match(verifyDigest(answer({ nonce: n, nc: 7 }), req, realm, nonces, ha1), { ok: true });
  t.match(verifyDigest(answer({ nonce: n, nc: 7 }), req, realm, nonces, ha1), { ok: false, reason: 'replay' });
  now += NONCE_LIFETIME_MS + 1;
  t.match(verifyDigest(answer({ nonce: n, nc: 8 }), req, realm, nonces, ha1), { ok: false, reason: 'stale' }, 'expired nonce, right password');
  t.match(verifyDigest(answer({ nonce: n, nc: 9, password: 'x' }), req, realm, nonces, ha1), { ok: false, reason: 'bad-response' }, 'expired nonce, wrong password');
  const e = nonces.issue();
  for (let nc = 1; nc <= MAX_NC_PER_NONCE; nc++) nonces.use(e, nc);
  t.match(verifyDigest(answer({ nonce: e, nc: MAX_NC_PER_NONCE + 1 }), req, realm, nonces, ha1), { ok: false, reason: 'stale' }, 'an exhausted nonce is stale: the client takes a new one');
  t.equal(digestAlgorithm(undefined), 'md5');
  t.equal(digestAlgorithm('md5'), 'md5');
  t.equal(digestAlgorithm('sha-256'), 'sha256');
  t.equal(digestAlgorithm('SHA-512-256'), undefined);
  t.equal(digestAlgorithm('MD5-sess'), undefined);
});

t.test('parseDigest', async (t) => {
  t.same(parseDigest('Digest username="root", realm="AXIS_1", nc=00000001, qop=auth'), { username: 'root', realm: 'AXIS_1', nc: '00000001', qop: 'auth' });
  t.same(parseDigest('digest\tUserName = "a" ,NC=1'), { username: 'a', nc: '1' }, 'any case, tabs, spaces around = and ,');
  t.same(parseDigest('Digest username="a\\"b\\\\c\\d"'), { username: 'a"b\\cd' }, 'backslash escapes');
  t.same(parseDigest('Digest uri="/x?a=1,2&b=\\"3\\"", nc=00000001'), { uri: '/x?a=1,2&b="3"', nc: '00000001' }, 'commas and escaped quotes inside quoted strings');
  t.same(parseDigest('Digest a="", b=x,'), { a: '', b: 'x' }, 'empty quoted value; trailing comma tolerated');
  t.same(parseDigest('Digest a="x y"'), { a: 'x y' });
  t.equal(parseDigest('Digest a="1", A="2"'), undefined, 'duplicate parameters (any case) refused');
  t.equal(parseDigest('Digest nc=1, nc=1'), undefined, 'duplicate even when equal');
  for (const bad of ['', 'Digest', 'Digest ', 'Digestusername="a"', 'Basic a=b', 'Digest a', 'Digest a=', 'Digest a="x', 'Digest a="x\\', 'Digest a=b c=d', 'Digest a=b,,c=d', 'Digest ,a=b', 'Digest a="b"c', 'Digest a b=c', 'Digest \u00e4=1']) {
    t.equal(parseDigest(bad), undefined, JSON.stringify(bad));
  }
  t.equal(Object.getPrototypeOf(parseDigest('Digest __proto__=x, constructor=y')!), null, 'no prototype: __proto__ is a plain key');
  const head = 'Digest username="root", opaque="';
  const at = `${head}${'x'.repeat(MAX_AUTH_HEADER - head.length - 1)}"`;
  t.equal(at.length, MAX_AUTH_HEADER);
  t.equal(parseDigest(at)?.username, 'root', 'exactly MAX_AUTH_HEADER characters');
  const over = `${head}${'x'.repeat(MAX_AUTH_HEADER - head.length)}"`;
  t.equal(parseDigest(over), undefined, 'one more is refused');
});

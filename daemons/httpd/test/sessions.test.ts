import t from 'tap';
import { CSRF_HEADER, MAX_SESSIONS, SESSION_ABSOLUTE_MS, SESSION_COOKIE, SESSION_IDLE_MS, Sessions, cookieValue } from '../src/auth/sessions.js';
import { startDevice } from './device.js';
import { auditLines, login } from './auth-helpers.js';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

t.test('web UI sessions over the JSON API', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin('root', 'pass1');
  const add = await d.req('POST', '/axis-cgi/pwdgrp.cgi', { body: 'action=add&user=joe&pwd=joepw&grp=users&sgrp=viewer' });
  t.equal(add.status, 401, 'set up: anonymous add refused');
  t.match((await d.digest('GET', '/axis-cgi/pwdgrp.cgi?action=add&user=joe&pwd=joepw&grp=users&sgrp=viewer', 'root', 'pass1')).body, 'Created account joe.');

  t.test('login sets an HttpOnly SameSite=Strict cookie; Secure only over HTTPS', async (t) => {
    const s = await login(d, 'root', 'pass1');
    t.equal(s.res.status, 200);
    t.match(s.res.headers['content-type'], /^application\/json/);
    const body = JSON.parse(s.res.body) as { user: string; role: string; csrfToken: string; idleTimeoutS: number };
    t.same(body, { user: 'root', role: 'admin', csrfToken: s.csrf, idleTimeoutS: SESSION_IDLE_MS / 1000 });
    t.ok(s.csrf.length >= 32, 'a long CSRF token');
    const set = s.res.headers['set-cookie'];
    t.equal(set?.length, 1, 'one Set-Cookie');
    t.match(set![0], new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict$`), 'no Secure on plain HTTP');
    t.not(s.cookie.split('=')[1], s.csrf, 'the CSRF token is not the session id');
    const https = await login(d, 'joe', 'joepw', true);
    t.equal(https.res.status, 200);
    t.match(https.res.headers['set-cookie']![0], /; HttpOnly; SameSite=Strict; Secure$/, 'Secure over HTTPS');
    t.equal(JSON.parse(https.res.body).role, 'viewer');
    const again = await login(d, 'root', 'pass1');
    t.not(again.cookie, s.cookie, 'every login is a new session');
  });

  t.test('the cookie alone is not enough: X-CSRF-Token is required, except for GET /api/v1/session', async (t) => {
    const s = await login(d, 'root', 'pass1');
    const withCookie = (extra: Record<string, string> = {}) => ({ Cookie: s.cookie, ...extra });
    const noToken = await d.req('GET', '/api/v1/users', { headers: withCookie() });
    t.equal(noToken.status, 403, 'cookie without token');
    // the answer says what is wrong: the token, not the account's rights
    t.same(JSON.parse(noToken.body), { error: { code: 'csrf_token_missing', message: 'the X-CSRF-Token header is missing: send the csrfToken of the login answer' } });
    const wrong = await d.req('GET', '/api/v1/users', { headers: withCookie({ 'X-CSRF-Token': `${s.csrf.slice(0, -1)}${s.csrf.endsWith('x') ? 'y' : 'x'}` }) });
    t.equal(wrong.status, 403, 'a wrong token');
    t.same(JSON.parse(wrong.body), { error: { code: 'csrf_token_invalid', message: 'the X-CSRF-Token header does not match this session' } });
    const empty = await d.req('GET', '/api/v1/users', { headers: withCookie({ 'X-CSRF-Token': '' }) });
    t.equal(empty.status, 403, 'an empty token');
    t.match(JSON.parse(empty.body), { error: { code: 'csrf_token_missing' } }, 'an empty token is a missing one');
    const ok = await d.req('GET', '/api/v1/users', { headers: withCookie({ 'X-CSRF-Token': s.csrf }) });
    t.equal(ok.status, 200, 'cookie and token');
    t.match(JSON.parse(ok.body), { users: [{ name: 'root' }, { name: 'joe' }] });
    const ug = await d.req('GET', '/axis-cgi/usergroup.cgi', { headers: withCookie({ [CSRF_HEADER]: s.csrf }) });
    t.equal(ug.body, 'root\nusers admin operator viewer ptz\n', 'a session works for the CGIs too');
    const ugNoToken = await d.req('GET', '/axis-cgi/usergroup.cgi', { headers: withCookie() });
    t.equal(ugNoToken.status, 403, 'and needs the token there as well');
    t.match(ugNoToken.body, 'CSRF token is missing', 'and says so');
    const create = await d.req('POST', '/api/v1/users', { body: JSON.stringify({ user: 'amy', password: 'amypw', role: 'operator' }), headers: withCookie({ 'X-CSRF-Token': s.csrf, ...JSON_HEADERS }) });
    t.equal(create.status, 201, 'a write with the token');
    const forged = await d.req('POST', '/api/v1/users', { body: JSON.stringify({ user: 'eve', password: 'evepw', role: 'admin' }), headers: withCookie(JSON_HEADERS) });
    t.equal(forged.status, 403, 'a cross-site write (cookie only) is refused');
    t.equal((await d.digest('GET', '/axis-cgi/usergroup.cgi', 'eve', 'evepw')).status, 401, 'and made nothing');
    const other = await login(d, 'joe', 'joepw');
    t.equal((await d.req('GET', '/api/v1/session', { headers: withCookie({ 'X-CSRF-Token': other.csrf }) })).status, 200, 'GET session needs no token');
    t.equal((await d.req('DELETE', '/api/v1/session', { headers: withCookie({ 'X-CSRF-Token': other.csrf }) })).status, 403, "another session's token does not fit");

    const info = await d.req('GET', '/api/v1/session', { headers: { Cookie: `theme=dark; ${s.cookie}; lang=en` } });
    t.equal(info.status, 200, 'GET /api/v1/session without the token, among other cookies');
    t.same(JSON.parse(info.body), { user: 'root', role: 'admin', csrfToken: s.csrf }, 'it gives the token back (after a page reload)');
    const anon = await d.req('GET', '/api/v1/session');
    t.equal(anon.status, 401, 'no session');
    t.match(JSON.parse(anon.body), { error: { code: 'unauthenticated' } });
    t.equal(anon.headers['www-authenticate'], undefined, 'no challenge on the JSON API (no browser dialog)');
    t.equal((await d.req('GET', '/api/v1/session', { headers: { Cookie: `${SESSION_COOKIE}=forged` } })).status, 401, 'an unknown cookie');

    const viewer = await login(d, 'joe', 'joepw');
    const vUsers = await d.req('GET', '/api/v1/users', { headers: { Cookie: viewer.cookie, 'X-CSRF-Token': viewer.csrf } });
    t.equal(vUsers.status, 403, 'a viewer session: 403 for admin routes');
  });

  t.test('logout ends the session', async (t) => {
    const s = await login(d, 'joe', 'joepw');
    const h = { Cookie: s.cookie, 'X-CSRF-Token': s.csrf };
    t.equal((await d.req('GET', '/api/v1/session', { headers: h })).status, 200);
    t.equal((await d.req('DELETE', '/api/v1/session', { headers: { Cookie: s.cookie } })).status, 403, 'logout needs the token too');
    const out = await d.req('DELETE', '/api/v1/session', { headers: h });
    t.equal(out.status, 200);
    t.match(out.headers['set-cookie']![0], new RegExp(`^${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`), 'the cookie is cleared');
    t.equal((await d.req('GET', '/api/v1/session', { headers: h })).status, 401, 'the session is gone');
    t.equal((await d.req('GET', '/axis-cgi/usergroup.cgi', { headers: h })).status, 401, 'everywhere');
  });

  t.test('a wrong password: 401 JSON, a failed login in the audit log', async (t) => {
    const before = auditLines(d).length;
    const wrong = await login(d, 'root', 'N0t-The-Passw0rd');
    t.equal(wrong.res.status, 401);
    t.match(wrong.res.headers['content-type'], /^application\/json/);
    t.same(JSON.parse(wrong.res.body), { error: { code: 'unauthenticated', message: 'wrong user name or password' } });
    t.equal(wrong.res.headers['set-cookie'], undefined, 'no cookie');
    const unknown = await login(d, 'ghost', 'pass1');
    t.equal(unknown.res.status, 401, 'unknown user: the same answer');
    t.same(JSON.parse(unknown.res.body), JSON.parse(wrong.res.body));
    const lines = auditLines(d).slice(before).filter((l) => l.action === 'auth.failed');
    t.match(lines, [
      { action: 'auth.failed', addr: '127.0.0.1', user: 'root', method: 'session', path: '/api/v1/session' },
      { action: 'auth.failed', addr: '127.0.0.1', user: 'ghost', method: 'session' },
    ]);
    t.notOk(JSON.stringify(auditLines(d)).includes('N0t-The-Passw0rd'), 'no password in the audit log');
    const bad = await d.req('POST', '/api/v1/session', { body: '{"user":', headers: JSON_HEADERS });
    t.equal(bad.status, 400, 'malformed JSON');
    const types = await d.req('POST', '/api/v1/session', { body: '{"user":1,"password":2}', headers: JSON_HEADERS });
    t.equal(types.status, 400, 'not strings');
  });
});

t.test('Sessions with an injected clock', async (t) => {
  let now = 1_700_000_000_000;
  const sessions = new Sessions(() => now);

  t.test('idle expiry at SESSION_IDLE_MS', async (t) => {
    const s = sessions.create('joe');
    now += SESSION_IDLE_MS;
    t.equal(sessions.touch(s.id)?.user, 'joe', 'alive at the limit (and refreshed)');
    now += SESSION_IDLE_MS;
    t.ok(sessions.touch(s.id), 'the touch refreshed it');
    now += SESSION_IDLE_MS + 1;
    t.equal(sessions.touch(s.id), undefined, 'one ms over');
    now -= SESSION_IDLE_MS;
    t.equal(sessions.touch(s.id), undefined, 'an expired session is gone for good');
  });

  t.test('absolute expiry at SESSION_ABSOLUTE_MS, however busy', async (t) => {
    const s = sessions.create('amy');
    const start = now;
    while (now + SESSION_IDLE_MS / 2 < start + SESSION_ABSOLUTE_MS) {
      now += SESSION_IDLE_MS / 2;
      if (!sessions.touch(s.id)) t.fail(`expired early at ${now - start}`);
    }
    now = start + SESSION_ABSOLUTE_MS;
    t.ok(sessions.touch(s.id), 'alive at the limit');
    now += 1;
    t.equal(sessions.touch(s.id), undefined, 'one ms over');
  });

  t.test(`at most MAX_SESSIONS (${MAX_SESSIONS}); the oldest goes first`, async (t) => {
    const local = new Sessions(() => now);
    const list = Array.from({ length: MAX_SESSIONS }, (_, i) => local.create(`u${i}`));
    t.equal(list.filter((s) => local.touch(s.id)).length, MAX_SESSIONS, `${MAX_SESSIONS} live sessions`);
    const extra = local.create('late');
    t.equal(local.touch(list[0]!.id), undefined, 'the oldest was dropped');
    t.ok(local.touch(list[1]!.id), 'the next one lives');
    t.ok(local.touch(extra.id), 'the new one lives');
    t.equal(list.filter((s) => local.touch(s.id)).length, MAX_SESSIONS - 1);
  });

  t.test('ids, tokens, endUser, clear', async (t) => {
    const local = new Sessions(() => now);
    const a = local.create('a');
    const b = local.create('a');
    const c = local.create('c');
    t.not(a.id, b.id);
    t.not(a.csrf, b.csrf);
    t.ok(local.csrfOk(a, a.csrf));
    t.notOk(local.csrfOk(a, b.csrf));
    t.notOk(local.csrfOk(a, undefined));
    t.notOk(local.csrfOk(a, ''));
    t.notOk(local.csrfOk(a, `${a.csrf}x`));
    local.endUser('a');
    t.equal(local.touch(a.id), undefined);
    t.equal(local.touch(b.id), undefined);
    t.ok(local.touch(c.id));
    local.end(c.id);
    t.equal(local.touch(c.id), undefined);
    const e = local.create('e');
    local.clear();
    t.equal(local.touch(e.id), undefined);
  });

  t.test('cookieValue', async (t) => {
    t.equal(cookieValue('a=1; belfry_session=xyz; b=2', SESSION_COOKIE), 'xyz');
    t.equal(cookieValue('belfry_session=xyz', SESSION_COOKIE), 'xyz');
    t.equal(cookieValue('xbelfry_session=xyz', SESSION_COOKIE), undefined);
    t.equal(cookieValue('belfry_session_x=xyz', SESSION_COOKIE), undefined);
    t.equal(cookieValue(undefined, SESSION_COOKIE), undefined);
    t.equal(cookieValue(`belfry_session=x; pad=${'p'.repeat(8192)}`, SESSION_COOKIE), undefined, 'over 8 KiB: ignored');
  });
});

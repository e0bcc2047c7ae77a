import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_ACCOUNTS } from '../src/accounts.js';
import { startDevice, type Device, type Res } from './device.js';
import { digestAuth, freshNonce, login, needsSetup, waitFor } from './auth-helpers.js';

const PWDGRP = '/axis-cgi/pwdgrp.cgi';
const USERGROUP = '/axis-cgi/usergroup.cgi';
const page = (text: string) => `<html><head><title>User accounts</title></head><body bgcolor=#ffffff>${text}</body></html>\n`;
const ERROR = page('Error: consult the system log file.');
const DUPLICATE = page('Error: this user name already exists, consult the system log file');
const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** pwdgrp.cgi with the form arguments in the query, as FF sends them */
function q(args: Record<string, string>): string {
  return `${PWDGRP}?${new URLSearchParams(args).toString().replace(/\+/g, '%20')}`;
}

/** status and media type, for `t.match(statusType(r), HTML_200)` */
const statusType = (r: Res) => `${r.status} ${r.headers['content-type'] ?? ''}`;
const HTML_200 = /^200 text\/html/;

t.test('first run: only the first admin can be made without credentials', async (t) => {
  const d = await startDevice(t);
  t.equal(await needsSetup(d), 'yes');
  t.equal((await d.req('GET', q({ action: 'get' }))).status, 401, 'no anonymous get');
  t.equal((await d.req('GET', USERGROUP)).status, 401);
  const viewer = await d.req('GET', q({ action: 'add', user: 'joe', pwd: 'joepw', grp: 'users', sgrp: 'viewer' }));
  t.equal(viewer.status, 401, 'a first viewer account is refused');
  const operator = await d.req('GET', q({ action: 'add', user: 'joe', pwd: 'joepw', grp: 'users', sgrp: 'viewer:operator:ptz' }));
  t.equal(operator.status, 401, 'a first operator account is refused');
  t.equal((await d.req('GET', q({ action: 'remove', user: 'joe' }))).status, 401);
  const apiViewer = await d.req('POST', '/api/v1/users', { body: JSON.stringify({ user: 'joe', password: 'joepw', role: 'viewer' }), headers: JSON_HEADERS });
  t.equal(apiViewer.status, 409, 'JSON API: a first viewer is refused');
  t.match(JSON.parse(apiViewer.body), { error: { code: 'failed_precondition' } });
  const apiDefault = await d.req('POST', '/api/v1/users', { body: JSON.stringify({ user: 'joe', password: 'joepw' }), headers: JSON_HEADERS });
  t.equal(apiDefault.status, 409, 'JSON API: the default role (viewer) is refused');
  t.equal(await needsSetup(d), 'yes', 'still in setup');

  // K60 posts the form with Content-Type text/plain
  const first = await d.req('POST', PWDGRP, { body: 'action=add&user=root&pwd=pass1&grp=users&sgrp=viewer:operator:admin', headers: { 'Content-Type': 'text/plain' } });
  t.match(statusType(first), HTML_200, 'HTTP 200, text/html');
  t.equal(first.body, page('Created account root.'));
  t.equal(await needsSetup(d), 'no');
  const late = await d.req('GET', q({ action: 'add', user: 'evil', pwd: 'evilpw', grp: 'users', sgrp: 'viewer:operator:admin' }));
  t.equal(late.status, 401, 'once set up, an anonymous add gets 401');
  const lateApi = await d.req('POST', '/api/v1/users', { body: JSON.stringify({ user: 'evil', password: 'evilpw', role: 'admin' }), headers: JSON_HEADERS });
  t.equal(lateApi.status, 401, 'the same on the JSON API');
  t.equal((await d.digest('GET', USERGROUP, 'evil', 'evilpw')).status, 401, 'no account was made');
  t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).body, 'root\nusers admin operator viewer\n');
});

t.test('first run through the JSON API', async (t) => {
  const d = await startDevice(t);
  const r = await d.req('POST', '/api/v1/users', { body: JSON.stringify({ user: 'admin', password: 'adminpw', role: 'admin' }), headers: JSON_HEADERS });
  t.equal(r.status, 201);
  t.same(JSON.parse(r.body), { name: 'admin', role: 'admin', ptz: false, comment: '' });
  t.equal(await needsSetup(d), 'no');
  t.equal((await d.digest('GET', USERGROUP, 'admin', 'adminpw')).status, 200);
});

t.test('two anonymous first-admin requests at once: only one account is made', async (t) => {
  const d = await startDevice(t);
  const add = (user: string) => d.req('GET', q({ action: 'add', user, pwd: `${user}pw`, grp: 'users', sgrp: 'viewer:operator:admin' }));
  const api = (user: string) => d.req('POST', '/api/v1/users', { body: JSON.stringify({ user, password: `${user}pw`, role: 'admin' }), headers: JSON_HEADERS });
  const rs = await Promise.all([add('first'), add('second'), api('third'), api('fourth')]);
  const made = rs.filter((r) => r.body.includes('Created account') || r.status === 201);
  t.equal(made.length, 1, 'exactly one admin');
  for (const r of rs) if (!made.includes(r)) t.equal(r.status, 401, 'the others are asked for credentials');
  const ok = await Promise.all(['first', 'second', 'third', 'fourth'].map(async (u) => (await d.digest('GET', USERGROUP, u, `${u}pw`)).status));
  t.same(
    ok.filter((s) => s === 200),
    [200],
    'one account exists',
  );
});

t.test('pwdgrp.cgi and usergroup.cgi bodies (§2.4, §2.5)', async (t) => {
  const d = await startDevice(t);
  const first = await d.req('GET', q({ action: 'add', user: 'root', pwd: 'pass1', grp: 'users', sgrp: 'viewer:operator:admin' }));
  t.equal(first.body, page('Created account root.'));
  const admin = (url: string, body?: string) => d.digest(body === undefined ? 'GET' : 'POST', url, 'root', 'pass1', body === undefined ? {} : { body, headers: { 'Content-Type': 'text/plain' } });

  const get0 = await admin(q({ action: 'get' }));
  t.equal(get0.status, 200);
  t.match(get0.headers['content-type'], /^text\/plain/);
  t.equal(get0.body, 'admin="root"\noperator="root"\nviewer="root"\nptz=""\ndigusers="root"\n', 'empty groups are ""');

  const joe = await admin(q({ action: 'add', user: 'joe', pwd: 'joepw', grp: 'users', sgrp: 'viewer', comment: 'Joe Doe' }));
  t.match(statusType(joe), HTML_200, 'HTTP 200, text/html');
  t.equal(joe.body, page('Created account joe.'));
  const bob = await admin(PWDGRP, 'action=add&user=bob&pwd=bobpw&grp=users&sgrp=viewer:operator:ptz');
  t.equal(bob.body, page('Created account bob.'), 'POST form body');
  const get1 = await admin(q({ action: 'get' }));
  t.equal(get1.body, 'admin="root"\noperator="root,bob"\nviewer="root,joe,bob"\nptz="bob"\ndigusers="root,joe,bob"\n');
  for (const line of get1.body.trim().split('\n')) t.match(line, /^\s*(\S*)\s*=\s*"(\S*)"\s*$/, `FF's regex matches ${line}`);

  const dup = await admin(q({ action: 'add', user: 'joe', pwd: 'other', grp: 'users', sgrp: 'viewer' }));
  t.match(statusType(dup), HTML_200, 'HTTP 200, text/html');
  t.equal(dup.body, DUPLICATE, 'duplicate add');

  t.equal((await d.digest('GET', USERGROUP, 'joe', 'joepw')).body, 'joe\nusers viewer\n');
  t.equal((await d.digest('GET', USERGROUP, 'bob', 'bobpw')).body, 'bob\nusers operator viewer ptz\n');
  const ug = await d.digest('GET', USERGROUP, 'root', 'pass1');
  t.match(ug.headers['content-type'], /^text\/plain/);
  t.equal(ug.body, 'root\nusers admin operator viewer\n');

  const upd = await admin(q({ action: 'update', user: 'joe', sgrp: 'viewer:operator' }));
  t.match(statusType(upd), HTML_200, 'HTTP 200, text/html');
  t.equal(upd.body, page('Modified account joe.'));
  t.equal((await d.digest('GET', USERGROUP, 'joe', 'joepw')).body, 'joe\nusers operator viewer\n', 'role changed, password kept');
  t.equal((await admin(q({ action: 'update', user: 'joe', pwd: 'newjoe' }))).body, page('Modified account joe.'));
  t.equal((await d.digest('GET', USERGROUP, 'joe', 'joepw')).status, 401, 'old password gone');
  t.equal((await d.digest('GET', USERGROUP, 'joe', 'newjoe')).body, 'joe\nusers operator viewer\n', 'new password, role kept');

  const rm = await admin(q({ action: 'remove', user: 'bob' }));
  t.match(statusType(rm), HTML_200, 'HTTP 200, text/html');
  t.equal(rm.body, page('Removed account bob.'));
  t.equal((await d.digest('GET', USERGROUP, 'bob', 'bobpw')).status, 401, 'removed');
  t.equal((await admin(q({ action: 'get' }))).body, 'admin="root"\noperator="root,joe"\nviewer="root,joe"\nptz=""\ndigusers="root,joe"\n');

  const errors: [string, Record<string, string>][] = [
    ['remove an unknown user', { action: 'remove', user: 'ghost' }],
    ['update an unknown user', { action: 'update', user: 'ghost', pwd: 'x' }],
    ['add without sgrp', { action: 'add', user: 'amy', pwd: 'amypw', grp: 'users' }],
    ['add with an unknown sgrp', { action: 'add', user: 'amy', pwd: 'amypw', grp: 'users', sgrp: 'viewer:root' }],
    ['add with only ptz', { action: 'add', user: 'amy', pwd: 'amypw', grp: 'users', sgrp: 'ptz' }],
    ['add with grp other than users', { action: 'add', user: 'amy', pwd: 'amypw', grp: 'root', sgrp: 'viewer' }],
    ['add without a password', { action: 'add', user: 'amy', grp: 'users', sgrp: 'viewer' }],
    ['update with a bad sgrp', { action: 'update', user: 'joe', sgrp: 'boss' }],
    ['unknown action', { action: 'frobnicate', user: 'joe' }],
    ['no action', { user: 'joe' }],
  ];
  for (const [what, args] of errors) {
    const r = await admin(q(args));
    t.match(statusType(r), HTML_200, 'HTTP 200, text/html');
    t.equal(r.body, ERROR, what);
  }
  t.equal((await d.digest('GET', USERGROUP, 'amy', 'amypw')).status, 401, 'amy was never made');
  const users = await fastDigest(d, 'root', 'pass1')('GET', '/api/v1/users');
  t.equal(users.status, 200, 'the JSON API takes Digest too (it never challenges: the answer is sent unasked)');
  t.same(JSON.parse(users.body), {
    users: [
      { name: 'root', role: 'admin', ptz: false, comment: '' },
      { name: 'joe', role: 'operator', ptz: false, comment: 'Joe Doe' },
    ],
    max: 100,
  });
});

/** Digest with one nonce and increasing nc (K60 style): one round trip per request. */
function fastDigest(d: Device, user: string, password: string) {
  let ch: { realm: string; nonce: string } | undefined;
  let nc = 0;
  return async (method: string, url: string, body?: string): Promise<Res> => {
    ch ??= await freshNonce(d);
    nc++;
    return d.req(method, url, { body, headers: { Authorization: digestAuth({ user, password, realm: ch.realm, nonce: ch.nonce, method, uri: url, nc }), ...(body ? { 'Content-Type': 'application/json' } : {}) } });
  };
}

t.test(`at most ${MAX_ACCOUNTS} accounts`, async (t) => {
  const d = await startDevice(t);
  await d.addAdmin();
  const admin = fastDigest(d, 'root', 'pass1');
  for (let i = 2; i < MAX_ACCOUNTS; i++) {
    const r = await admin('GET', q({ action: 'add', user: `u${i}`, pwd: 'pw', grp: 'users', sgrp: 'viewer' }));
    if (r.body !== page(`Created account u${i}.`)) t.fail(`account ${i}: ${r.status} ${r.body}`);
  }
  const last = await admin('GET', q({ action: 'add', user: 'u100', pwd: 'pw', grp: 'users', sgrp: 'viewer' }));
  t.equal(last.body, page('Created account u100.'), `the ${MAX_ACCOUNTS}th account works`);
  const over = await admin('GET', q({ action: 'add', user: 'u101', pwd: 'pw', grp: 'users', sgrp: 'viewer' }));
  t.equal(over.body, ERROR, 'the 101st fails');
  const overApi = await admin('POST', '/api/v1/users', JSON.stringify({ user: 'u101', password: 'pw', role: 'viewer' }));
  t.equal(overApi.status, 409, 'the 101st fails on the JSON API too');
  t.match(JSON.parse(overApi.body), { error: { code: 'limit_exceeded' } });
  const list = JSON.parse((await admin('GET', '/api/v1/users')).body) as { users: unknown[]; max: number };
  t.equal(list.users.length, MAX_ACCOUNTS);
  t.equal(list.max, MAX_ACCOUNTS);
  t.equal((await d.digest('GET', USERGROUP, 'u100', 'pw')).body, 'u100\nusers viewer\n', 'the 100th can log in');
  t.equal((await admin('GET', q({ action: 'remove', user: 'u50' }))).body, page('Removed account u50.'));
  t.equal((await admin('GET', q({ action: 'add', user: 'u101', pwd: 'pw', grp: 'users', sgrp: 'viewer' }))).body, page('Created account u101.'), 'room again after a removal');
});

t.test('password and user name rules', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin();
  const admin = fastDigest(d, 'root', 'pass1');
  const add = (user: string, pwd: string | undefined) => admin('GET', q({ action: 'add', user, ...(pwd === undefined ? {} : { pwd }), grp: 'users', sgrp: 'viewer' }));
  const all = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
  const good: [string, string][] = [
    ['one character', 'x'],
    ['64 characters', 'p'.repeat(64)],
    ['space and tilde (32 and 126)', ' ~'],
    ['every printable ASCII character (first 64)', all.slice(0, 64)],
    ['every printable ASCII character (the rest)', all.slice(64)],
  ];
  let n = 0;
  for (const [what, pwd] of good) {
    const user = `p${n++}`;
    t.equal((await add(user, pwd)).body, page(`Created account ${user}.`), what);
    t.equal((await d.digest('GET', USERGROUP, user, pwd)).status, 200, `${what}: Digest login`);
  }
  const ch = await d.req('GET', USERGROUP, { https: true, headers: { Authorization: `Basic ${Buffer.from(`p3:${all.slice(0, 64)}`).toString('base64')}` } });
  t.equal(ch.status, 200, 'Basic login with ":" and quotes in the password');
  const bad: [string, string | undefined][] = [
    ['no password argument', undefined],
    ['empty', ''],
    ['65 characters', 'p'.repeat(65)],
    ['DEL (127)', 'abc\x7f'],
    ['a tab', 'a\tb'],
    ['a newline inside', 'a\nb'],
    ['a control character', 'a\x01b'],
    ['non-ASCII', 'p\u00e4ss'],
    ['an emoji', 'pass\u{1F600}'],
  ];
  for (const [what, pwd] of bad) {
    t.equal((await add(`b${n++}`, pwd)).body, ERROR, `password: ${what}`);
  }
  const upd = await admin('GET', q({ action: 'update', user: 'p0', pwd: 'p'.repeat(65) }));
  t.equal(upd.body, ERROR, 'update to a 65-character password');
  t.equal((await d.digest('GET', USERGROUP, 'p0', 'x')).status, 200, 'the old password still works');

  const goodNames = ['a', 'A1', 'x'.repeat(32), 'first.last', 'under_score', 'da-sh', '9lives'];
  for (const user of goodNames) t.equal((await add(user, 'pw')).body, page(`Created account ${user}.`), `user name ${user}`);
  const badNames = ['', 'x'.repeat(33), '-dash', '.dot', '_u', 'a b', 'a:b', 'a,b', 'a"b', 'a/b', 'a@b', 'r\u00f6d', 'a\\b'];
  for (const user of badNames) t.equal((await add(user, 'pw')).body, ERROR, `user name ${JSON.stringify(user)}`);
  const api = await admin('POST', '/api/v1/users', JSON.stringify({ user: 'a:b', password: 'pw', role: 'viewer' }));
  t.equal(api.status, 400, 'JSON API: bad user name');
  t.match(JSON.parse(api.body), { error: { code: 'invalid_argument', name: 'user' } });
  const apiPw = await admin('POST', '/api/v1/users', JSON.stringify({ user: 'okname', password: 'p'.repeat(65), role: 'viewer' }));
  t.equal(apiPw.status, 400, 'JSON API: 65-character password');
  t.match(JSON.parse(apiPw.body), { error: { code: 'invalid_argument', name: 'pwd' } });
  const apiType = await admin('POST', '/api/v1/users', JSON.stringify({ user: 'okname', password: 12345, role: 'viewer' }));
  t.equal(apiType.status, 400, 'JSON API: a password that is no string');
  const apiRole = await admin('POST', '/api/v1/users', JSON.stringify({ user: 'okname', password: 'pw', role: 'root' }));
  t.equal(apiRole.status, 400, 'JSON API: unknown role');
  const apiBody = await admin('POST', '/api/v1/users', '[1,2]');
  t.equal(apiBody.status, 400, 'JSON API: body not an object');
  const apiDup = await admin('POST', '/api/v1/users', JSON.stringify({ user: 'a', password: 'pw', role: 'viewer' }));
  t.equal(apiDup.status, 409, 'JSON API: duplicate');
  t.match(JSON.parse(apiDup.body), { error: { code: 'already_exists' } });
});

t.test('the last admin can neither be removed nor demoted', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin();
  const root = fastDigest(d, 'root', 'pass1');
  t.equal((await root('GET', q({ action: 'remove', user: 'root' }))).body, ERROR, 'pwdgrp remove');
  for (const sgrp of ['viewer', 'viewer:operator', 'viewer:operator:ptz']) {
    t.equal((await root('GET', q({ action: 'update', user: 'root', sgrp }))).body, ERROR, `pwdgrp update sgrp=${sgrp}`);
  }
  const del = await root('DELETE', '/api/v1/users/root');
  t.equal(del.status, 409, 'JSON API delete');
  t.match(JSON.parse(del.body), { error: { code: 'failed_precondition' } });
  const patch = await root('PATCH', '/api/v1/users/root', JSON.stringify({ role: 'operator' }));
  t.equal(patch.status, 409, 'JSON API demote');
  t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).body, 'root\nusers admin operator viewer ptz\n', 'still admin');
  t.equal((await root('GET', q({ action: 'update', user: 'root', sgrp: 'viewer:operator:admin' }))).body, page('Modified account root.'), 'an update that keeps admin is fine');

  // with a second admin, either can go
  t.equal((await root('GET', q({ action: 'add', user: 'ann', pwd: 'annpw', grp: 'users', sgrp: 'viewer:operator:admin' }))).body, page('Created account ann.'));
  const demote = await root('PATCH', '/api/v1/users/root', JSON.stringify({ role: 'viewer' }));
  t.equal(demote.status, 200, 'root demoted while ann is admin');
  t.same(JSON.parse(demote.body), { name: 'root', role: 'viewer', ptz: false, comment: '' }, 'ptz went with the sgrp update above');
  const ann = fastDigest(d, 'ann', 'annpw');
  t.equal((await ann('GET', q({ action: 'remove', user: 'ann' }))).body, ERROR, 'now ann is the last admin');
  t.equal((await ann('DELETE', '/api/v1/users/ann')).status, 409);
  t.equal((await ann('DELETE', '/api/v1/users/root')).status, 200, 'root (a viewer now) can go');
  t.equal((await ann('GET', q({ action: 'get' }))).body, 'admin="ann"\noperator="ann"\nviewer="ann"\nptz=""\ndigusers="ann"\n');
});

t.test('a password change ends the web sessions of that user', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin();
  const root = fastDigest(d, 'root', 'pass1');
  for (const u of ['joe', 'amy']) await root('GET', q({ action: 'add', user: u, pwd: `${u}pw`, grp: 'users', sgrp: 'viewer' }));
  const alive = async (s: { cookie: string }) => (await d.req('GET', '/api/v1/session', { headers: { Cookie: s.cookie } })).status;

  const joe1 = await login(d, 'joe', 'joepw');
  const joe2 = await login(d, 'joe', 'joepw');
  const amy = await login(d, 'amy', 'amypw');
  t.equal(await alive(joe1), 200);
  t.equal((await root('GET', q({ action: 'update', user: 'joe', comment: 'hi' }))).body, page('Modified account joe.'));
  t.equal(await alive(joe1), 200, 'a comment change keeps sessions');
  t.equal((await root('GET', q({ action: 'update', user: 'joe', pwd: 'joepw2' }))).body, page('Modified account joe.'));
  t.equal(await alive(joe1), 401, 'pwdgrp password change: session ended');
  t.equal(await alive(joe2), 401, 'every session of that user');
  t.equal(await alive(amy), 200, 'other users keep theirs');

  const joe3 = await login(d, 'joe', 'joepw2');
  t.equal(await alive(joe3), 200);
  t.equal((await root('PATCH', '/api/v1/users/joe', JSON.stringify({ password: 'joepw3' }))).status, 200);
  t.equal(await alive(joe3), 401, 'JSON API password change: session ended');

  const joe4 = await login(d, 'joe', 'joepw3');
  t.equal((await root('DELETE', '/api/v1/users/joe')).status, 200);
  t.equal(await alive(joe4), 401, 'removal ends sessions');
  const amyPw = await d.req('PATCH', '/api/v1/users/amy', { body: JSON.stringify({ password: 'x' }), headers: { Cookie: amy.cookie, 'X-CSRF-Token': amy.csrf, ...JSON_HEADERS } });
  t.equal(amyPw.status, 403, 'a viewer cannot change passwords, not even its own');
  t.equal(await alive(amy), 200);
});

t.test('accounts survive an httpd restart; the file is 0600 and holds no password', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin('root', 'Sup3r-Secret-Root!');
  const secrets = ['Sup3r-Secret-Root!', 'Joe-Pl41n-Text?'];
  t.equal((await d.digest('GET', q({ action: 'add', user: 'joe', pwd: secrets[1]!, grp: 'users', sgrp: 'viewer:ptz' }), 'root', secrets[0]!)).body, page('Created account joe.'));
  t.equal((await d.digest('GET', q({ action: 'update', user: 'joe', comment: 'kept' }), 'root', secrets[0]!)).body, page('Modified account joe.'));
  await d.restartHttpd();
  t.equal(await needsSetup(d), 'no');
  t.equal((await d.digest('GET', USERGROUP, 'joe', secrets[1]!)).body, 'joe\nusers viewer ptz\n', 'Digest after restart');
  t.equal((await d.req('GET', USERGROUP, { https: true, headers: { Authorization: `Basic ${Buffer.from(`root:${secrets[0]}`).toString('base64')}` } })).status, 200, 'Basic (scrypt) after restart');
  const users = JSON.parse((await fastDigest(d, 'root', secrets[0]!)('GET', '/api/v1/users')).body) as { users: { name: string; comment: string }[] };
  t.same(
    users.users.map((u) => [u.name, u.comment]),
    [
      ['root', ''],
      ['joe', 'kept'],
    ],
  );
  const dir = join(d.tb.paths.state, 'httpd');
  t.equal(statSync(dir).mode & 0o777, 0o700, 'state folder 0700');
  const files = readdirSync(dir).filter((f) => f.startsWith('accounts'));
  t.ok(files.includes('accounts.json'), 'accounts.json');
  for (const f of files) {
    const p = join(dir, f);
    t.equal(statSync(p).mode & 0o777, 0o600, `${f} is 0600`);
    const text = readFileSync(p, 'utf8');
    for (const s of secrets) t.notOk(text.includes(s), `${f} holds no plaintext password`);
    t.notOk(text.includes(Buffer.from(secrets[1]!).toString('base64')), `${f}: not even base64-encoded`);
  }
  // pwdgrp.cgi took the passwords in the query (as FF sends them): the logs must not keep them
  for (const f of readdirSync(d.tb.paths.log)) {
    const text = readFileSync(join(d.tb.paths.log, f), 'utf8');
    for (const s of secrets) t.notOk(text.includes(s) || text.includes(encodeURIComponent(s)), `${f} holds no password`);
  }
  t.ok(readdirSync(d.tb.paths.log).includes('access.log'), 'the access log was among them');
  const doc = JSON.parse(readFileSync(join(dir, 'accounts.json'), 'utf8')) as { body: { accounts: { name: string; kdf: { alg: string } }[] } };
  t.same(
    doc.body.accounts.map((a) => [a.name, a.kdf.alg]),
    [
      ['root', 'scrypt'],
      ['joe', 'scrypt'],
    ],
  );
});

t.test('restore puts the device back in setup state', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin();
  const s = await login(d, 'root', 'pass1');
  t.equal((await d.req('GET', '/api/v1/session', { headers: { Cookie: s.cookie } })).status, 200);
  await d.params.restore({});
  await waitFor(async () => (await needsSetup(d)) === 'yes', 'needsetup yes');
  t.pass('needsetup yes');
  t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).status, 401, 'the old admin is gone');
  t.equal((await d.req('GET', '/api/v1/session', { headers: { Cookie: s.cookie } })).status, 401, 'sessions are gone');
  t.equal((await d.req('GET', q({ action: 'add', user: 'joe', pwd: 'joepw', grp: 'users', sgrp: 'viewer' }))).status, 401, 'setup rules again');
  await d.addAdmin('owner', 'ownerpw');
  t.equal((await d.digest('GET', USERGROUP, 'owner', 'ownerpw')).status, 200, 'a new first admin');
  t.equal(await needsSetup(d), 'no');
  await d.restartHttpd();
  t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).status, 401, 'the cleared state is durable');
  t.equal((await d.digest('GET', USERGROUP, 'owner', 'ownerpw')).status, 200);
});

import t from 'tap';
import { startDevice, type Device } from './device.js';
import { basic, challengeOf, digestAuth, freshNonce, setParams, waitFor } from './auth-helpers.js';

const USERGROUP = '/axis-cgi/usergroup.cgi';
const PWDGRP_GET = '/axis-cgi/pwdgrp.cgi?action=get';

/** admin root/pass1, operator op/oppw, viewer joe/joepw */
async function device(t: { teardown(fn: () => unknown): void }): Promise<Device> {
  const d = await startDevice(t);
  await d.addAdmin();
  for (const [user, pwd, sgrp] of [
    ['op', 'oppw', 'viewer:operator'],
    ['joe', 'joepw', 'viewer'],
  ] as const) {
    const r = await d.digest('GET', `/axis-cgi/pwdgrp.cgi?action=add&user=${user}&pwd=${pwd}&grp=users&sgrp=${sgrp}`, 'root', 'pass1');
    if (!r.body.includes(`Created account ${user}.`)) throw new Error(r.body);
  }
  return d;
}

const basicReq = (d: Device, user: string, pw: string, https: boolean, url = USERGROUP) => d.req('GET', url, { https, headers: { Authorization: basic(user, pw) } });

t.test('Basic and the authentication policy', async (t) => {
  const d = await device(t);
  const serial = d.tb.board.identity.serialNumber;

  t.test('default policy (recommended): Basic refused on HTTP, accepted on HTTPS', async (t) => {
    const http = await basicReq(d, 'root', 'pass1', false);
    t.equal(http.status, 401, 'Basic over plain HTTP');
    t.match(challengeOf(http).raw, /^Digest realm="AXIS_[0-9A-F]{12}", nonce="[^"]+", algorithm=MD5, qop="auth"$/, 'with the Digest challenge');
    const https = await basicReq(d, 'root', 'pass1', true);
    t.equal(https.status, 200, 'Basic over HTTPS');
    t.equal(https.body, 'root\nusers admin operator viewer ptz\n');
    t.equal((await basicReq(d, 'joe', 'joepw', true)).body, 'joe\nusers viewer\n');
    const unchallenged = await basicReq(d, 'op', 'oppw', true, '/axis-cgi/param.cgi?action=list&group=HTTPS.Port');
    t.equal(unchallenged.body, `root.HTTPS.Port=${d.httpsPort}\n`, 'Basic sent unchallenged (A9)');
    const wrong = await basicReq(d, 'root', 'nope', true);
    t.equal(wrong.status, 401, 'bad password over HTTPS');
    t.equal(challengeOf(wrong).scheme, 'Digest', 'one challenge, still Digest (A2)');
    t.equal((await basicReq(d, 'nobody', 'pass1', true)).status, 401, 'unknown user');
    t.equal((await basicReq(d, 'root', '', true)).status, 401, 'empty password');
    t.equal((await d.req('GET', USERGROUP, { https: true, headers: { Authorization: `Basic ${Buffer.from('rootpass1').toString('base64')}` } })).status, 401, 'no colon');
    t.equal((await d.req('GET', USERGROUP, { https: true, headers: { Authorization: 'Basic %%%%' } })).status, 401, 'not base64');
    t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).status, 200, 'Digest on HTTP');
    t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1', { https: true })).status, 200, 'Digest on HTTPS');
  });

  t.test('policy basic_digest: Basic on HTTP too', async (t) => {
    await setParams(d, { 'Network.HTTP.AuthenticationPolicy': 'basic_digest' });
    t.teardown(() => setParams(d, { 'Network.HTTP.AuthenticationPolicy': 'recommended' }));
    await waitFor(async () => (await basicReq(d, 'root', 'pass1', false)).status === 200, 'Basic on HTTP');
    t.equal((await basicReq(d, 'joe', 'joepw', false)).body, 'joe\nusers viewer\n');
    const wrong = await basicReq(d, 'joe', 'x', false);
    t.equal(wrong.status, 401);
    t.equal(challengeOf(wrong).scheme, 'Digest', 'the challenge stays the one Digest challenge');
    t.equal((await d.digest('GET', USERGROUP, 'joe', 'joepw')).status, 200, 'Digest still works');
    t.equal((await basicReq(d, 'joe', 'joepw', true)).status, 200, 'Basic on HTTPS');
  });

  t.test('policy digest: Basic refused even on HTTPS', async (t) => {
    await setParams(d, { 'Network.HTTP.AuthenticationPolicy': 'digest' });
    t.teardown(() => setParams(d, { 'Network.HTTP.AuthenticationPolicy': 'recommended' }));
    await waitFor(async () => (await basicReq(d, 'root', 'pass1', true)).status === 401, 'Basic refused on HTTPS');
    const r = await basicReq(d, 'root', 'pass1', true);
    t.equal(challengeOf(r).scheme, 'Digest');
    t.equal((await basicReq(d, 'root', 'pass1', false)).status, 401, 'and on HTTP');
    t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1', { https: true })).status, 200, 'Digest on HTTPS');
    t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).status, 200, 'Digest on HTTP');
  });

  t.test('policy basic: a Basic challenge, Basic accepted, Digest not', async (t) => {
    await setParams(d, { 'Network.HTTP.AuthenticationPolicy': 'basic' });
    t.teardown(() => setParams(d, { 'Network.HTTP.AuthenticationPolicy': 'recommended' }));
    await waitFor(async () => challengeOf(await d.req('GET', USERGROUP)).scheme === 'Basic', 'a Basic challenge');
    const r = await d.req('GET', USERGROUP);
    t.equal(r.status, 401);
    t.equal(r.headers['www-authenticate'], `Basic realm="AXIS_${serial}"`, 'exactly the one Basic challenge');
    t.equal((await basicReq(d, 'root', 'pass1', false)).status, 200, 'Basic on HTTP');
    t.equal((await basicReq(d, 'root', 'pass1', true)).status, 200, 'Basic on HTTPS');
    t.equal((await basicReq(d, 'root', 'bad', false)).status, 401);
    const auth = digestAuth({ user: 'root', password: 'pass1', realm: `AXIS_${serial}`, nonce: 'x'.repeat(22) + '.' + 'y'.repeat(22), method: 'GET', uri: USERGROUP });
    const dig = await d.req('GET', USERGROUP, { headers: { Authorization: auth } });
    t.equal(dig.status, 401, 'Digest is not accepted');
    t.equal(dig.headers['www-authenticate'], `Basic realm="AXIS_${serial}"`);
  });

  t.test('back to recommended', async (t) => {
    await waitFor(async () => (await basicReq(d, 'root', 'pass1', false)).status === 401, 'Basic refused on HTTP again');
    t.equal((await basicReq(d, 'root', 'pass1', true)).status, 200);
  });
});

t.test('401 for bad credentials, 403 for a too-low role (A10)', async (t) => {
  const d = await device(t);
  for (const [user, pw, want] of [
    ['joe', 'joepw', 403],
    ['op', 'oppw', 403],
    ['root', 'pass1', 200],
    ['joe', 'wrong', 401],
    ['ghost', 'joepw', 401],
  ] as const) {
    const r = await d.digest('GET', PWDGRP_GET, user, pw);
    t.equal(r.status, want, `${user}/${pw}: pwdgrp.cgi get`);
    if (want === 403) {
      t.match(r.headers['content-type'], /^text\/html/);
      t.equal(r.headers['www-authenticate'], undefined, '403 carries no challenge');
    }
  }
  const add = await d.digest('GET', '/axis-cgi/pwdgrp.cgi?action=add&user=evil&pwd=evilpw&grp=users&sgrp=viewer:operator:admin', 'op', 'oppw');
  t.equal(add.status, 403, 'an operator cannot add an admin');
  t.equal((await d.digest('GET', USERGROUP, 'evil', 'evilpw')).status, 401, 'and no account was made');
  t.equal((await basicReq(d, 'joe', 'joepw', true, PWDGRP_GET)).status, 403, 'the same with Basic over HTTPS');
  const time = (user: string, pw: string) =>
    d.digest('POST', '/axis-cgi/time.cgi', user, pw, { body: '{"apiVersion":"1.0","method":"setTimeZone","params":{"timeZone":"Europe/Stockholm"}}', headers: { 'Content-Type': 'application/json' } });
  t.equal((await time('joe', 'joepw')).status, 403, 'a viewer cannot set the time zone (AJR)');
  t.equal((await time('joe', 'bad')).status, 401);
  const update = await d.digest('GET', '/axis-cgi/param.cgi?action=update&Audio.DSCP=10', 'op', 'oppw');
  t.equal(update.status, 403, 'an operator cannot write an admin param');
  t.equal((await d.digest('GET', '/axis-cgi/param.cgi?action=update&Audio.DSCP=10', 'op', 'bad')).status, 401);
});

t.test('anonymous viewing', async (t) => {
  const d = await device(t);
  t.equal((await d.req('GET', USERGROUP)).status, 401, 'off by default');
  await setParams(d, { 'System.AnonymousViewing': 'yes' });
  await waitFor(async () => (await d.req('GET', USERGROUP)).status === 200, 'anonymous viewer');
  const ug = await d.req('GET', USERGROUP);
  t.equal(ug.body, '', 'usergroup.cgi: no user');
  const time = await d.req('POST', '/axis-cgi/time.cgi', { body: '{"apiVersion":"1.0","method":"getDateTimeInfo"}', headers: { 'Content-Type': 'application/json' } });
  t.equal(time.status, 200);
  t.match(JSON.parse(time.body), { method: 'getDateTimeInfo', data: {} }, 'a viewer AJR method');
  const list = await d.req('GET', '/axis-cgi/param.cgi?action=list&group=HTTPS.Port');
  t.equal(list.body, `root.HTTPS.Port=${d.httpsPort}\n`, 'viewer params');
  t.equal((await d.req('GET', '/axis-cgi/param.cgi?action=listdefinitions&group=HTTPS.Port')).status, 200);

  // above viewer, anonymous callers are asked for credentials (401), never told "forbidden" (403)
  const expect401 = async (r: Promise<import('./device.js').Res>, what: string) => {
    const res = await r;
    t.equal(res.status, 401, what);
  };
  await expect401(d.req('GET', PWDGRP_GET), 'pwdgrp.cgi (admin)');
  await expect401(d.req('GET', '/axis-cgi/pwdgrp.cgi?action=add&user=x&pwd=xpw&grp=users&sgrp=viewer'), 'pwdgrp.cgi add');
  await expect401(d.req('POST', '/axis-cgi/time.cgi', { body: '{"apiVersion":"1.0","method":"setTimeZone","params":{"timeZone":"UTC"}}' }), 'time.cgi setTimeZone (admin)');
  await expect401(d.req('GET', '/axis-cgi/param.cgi?action=update&Audio.DSCP=10'), 'param.cgi update of an admin param');
  await expect401(d.req('GET', '/axis-cgi/param.cgi?action=add&group=MediaClip&template=mediaclip'), 'param.cgi add of a media clip (operator)');
  await expect401(d.req('GET', '/axis-cgi/admin/systemlog.cgi'), 'systemlog.cgi (admin)');
  // a list that would leave out params above viewer asks for credentials, as it does for anonymous
  // callers: Digest clients (httpx) only authenticate after a 401 and would miss them otherwise
  await expect401(d.req('GET', '/axis-cgi/param.cgi?action=list&group=Network.HTTP'), 'param.cgi list of a group with admin params');
  t.match((await d.digest('GET', '/axis-cgi/param.cgi?action=list&group=Network.HTTP', 'root', 'pass1')).body, /root\.Network\.HTTP\.AuthenticationPolicy=recommended\n/);
  const api = await d.req('GET', '/api/v1/users');
  t.equal(api.status, 401, 'JSON API (admin)');
  t.equal(api.headers['www-authenticate'], undefined, 'the JSON API never challenges');
  const challenged = await d.req('GET', PWDGRP_GET);
  t.equal(challengeOf(challenged).scheme, 'Digest', 'with the Digest challenge, so the client logs in');
  t.equal((await d.digest('GET', PWDGRP_GET, 'root', 'pass1')).status, 200, 'and then it works');
  t.equal((await d.digest('GET', PWDGRP_GET, 'joe', 'joepw')).status, 403, 'a real viewer account still gets 403');
  t.equal((await d.digest('GET', '/axis-cgi/param.cgi?action=update&Audio.DSCP=10', 'joe', 'joepw')).status, 403);

  await setParams(d, { 'System.AnonymousViewing': 'no' });
  await waitFor(async () => (await d.req('GET', USERGROUP)).status === 401, 'anonymous viewing off');
  t.pass('off again');
});

t.test('anonymous viewing does not apply in setup state', async (t) => {
  const d = await startDevice(t);
  await setParams(d, { 'System.AnonymousViewing': 'yes' });
  t.equal((await d.req('GET', USERGROUP)).status, 401);
  await d.addAdmin();
  await waitFor(async () => (await d.req('GET', USERGROUP)).status === 200, 'anonymous viewer once an admin exists');
  t.pass('anonymous viewing after setup');
});

t.test('HTTPS only: plain HTTP answers 301 to the HTTPS port', async (t) => {
  const d = await device(t);
  await setParams(d, { 'System.BoaGroupPolicy.admin': 'https' });
  await waitFor(async () => (await d.req('GET', USERGROUP)).status === 301, '301');
  const r = await d.req('GET', `${USERGROUP}?a=%20b`);
  t.equal(r.status, 301);
  t.equal(r.headers.location, `https://127.0.0.1:${d.httpsPort}${USERGROUP}?a=%20b`, 'same host, HTTPS port, path and query as sent');
  const withCreds = await basicReq(d, 'root', 'pass1', false);
  t.equal(withCreds.status, 301, 'before any authentication');
  const ch = await freshNonce(d, USERGROUP, true);
  const ok = await d.req('GET', USERGROUP, { https: true, headers: { Authorization: digestAuth({ user: 'root', password: 'pass1', realm: ch.realm, nonce: ch.nonce, method: 'GET', uri: USERGROUP }) } });
  t.equal(ok.status, 200, 'HTTPS works');
  t.equal((await basicReq(d, 'joe', 'joepw', true)).status, 200);
  await setParams(d, { 'System.BoaGroupPolicy.admin': 'both' });
  await waitFor(async () => (await d.req('GET', USERGROUP)).status === 401, 'plain HTTP again');
  t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).status, 200);
});

import t from 'tap';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { BruteForce, MAX_TRACKED_CLIENTS, type BruteForceSettings } from '../src/auth/brute-force.js';
import { startDevice, type Device, type Res } from './device.js';
import { auditLines, auditPath, basic, digestAuth, freshNonce, login, setParams, sleep } from './auth-helpers.js';

const USERGROUP = '/axis-cgi/usergroup.cgi';
const WRONG = 'Wr0ng-Passw0rd-XYZ';

/** One wrong Digest answer for `url` (a fresh nonce first: that 401 is no failure). */
async function wrongDigest(d: Device, url = USERGROUP): Promise<Res> {
  const ch = await freshNonce(d, url);
  return d.req('GET', url, { headers: { Authorization: digestAuth({ user: 'root', password: WRONG, realm: ch.realm, nonce: ch.nonce, method: 'GET', uri: url }) } });
}

/** A request from another loopback address (127.0.0.2): another client for the device. */
function fromOtherAddress(d: Device, url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port: d.httpPort, path: url, localAddress: '127.0.0.2', headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    r.on('error', reject);
    r.end();
  });
}

t.test('blocking after too many failures', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin('root', 'pass1');
  await setParams(d, { 'System.BruteForce.DeviceFailuresPerSecond': '3', 'System.BruteForce.PageFailuresPerSecond': '2', 'System.BruteForce.BlockingPeriod': '1' });
  // each subtest starts with no failure in the last second: a block clears the counts, and only
  // good or blocked requests follow it

  t.test('page level: 2 failures on one page are fine, the 3rd blocks', async (t) => {
    for (let i = 0; i < 2; i++) t.equal((await wrongDigest(d)).status, 401, `failure ${i + 1}`);
    t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).status, 200, 'not blocked at the threshold');
    const third = await wrongDigest(d);
    t.equal(third.status, 401, 'the failure that blocks is still answered 401');
    const t0 = Date.now();
    const blocked = await d.digest('GET', USERGROUP, 'root', 'pass1');
    t.equal(blocked.status, 403, 'blocked: even correct credentials get 403');
    t.ok(Date.now() - t0 < 500, 'fast');
    t.equal(blocked.headers['www-authenticate'], undefined, 'no challenge');
    t.equal((await d.req('GET', USERGROUP, { https: true, headers: { Authorization: basic('root', 'pass1') } })).status, 403, 'over HTTPS too');
    t.equal((await d.req('POST', '/axis-cgi/systemready.cgi', { body: '{"apiVersion":"1","method":"systemready"}' })).status, 403, 'anonymous endpoints too');
    t.equal((await login(d, 'root', 'pass1')).res.status, 403, 'and the web login');
    t.equal(await fromOtherAddress(d, USERGROUP), 401, 'another client (127.0.0.2) is not blocked');
    await sleep(1100);
    t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).status, 200, 'unblocked after the blocking period');
  });

  t.test('device level: 3 failures over several pages are fine, the 4th blocks', async (t) => {
    const pages = ['/axis-cgi/usergroup.cgi', '/axis-cgi/pwdgrp.cgi?action=get', '/axis-cgi/param.cgi?action=list&group=HTTPS', '/axis-cgi/admin/systemlog.cgi'];
    for (const p of pages.slice(0, 3)) t.equal((await wrongDigest(d, p)).status, 401, p);
    t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).status, 200, 'not blocked at the threshold');
    t.equal((await wrongDigest(d, pages[3])).status, 401);
    t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).status, 403, 'blocked');
    await sleep(1100);
    t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).status, 200, 'unblocked');
  });

  t.test('Basic and web-login failures count; challenges and stale nonces do not', async (t) => {
    for (let i = 0; i < 10; i++) await d.req('GET', USERGROUP);
    t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).status, 200, 'ten unauthenticated requests (401 challenges) are no failures');
    const foreign = 'A'.repeat(22) + '.' + 'B'.repeat(22);
    const ch = await freshNonce(d);
    for (let i = 0; i < 5; i++) {
      const r = await d.req('GET', USERGROUP, { headers: { Authorization: digestAuth({ user: 'root', password: 'pass1', realm: ch.realm, nonce: foreign, method: 'GET', uri: USERGROUP }) } });
      t.equal(r.status, 401);
    }
    t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).status, 200, 'stale nonces with the right password are no failures');

    for (let i = 0; i < 3; i++) await d.req('GET', USERGROUP, { https: true, headers: { Authorization: basic('root', WRONG) } });
    t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).status, 403, 'three Basic failures on one page block');
    await sleep(1100);

    for (let i = 0; i < 3; i++) t.equal((await login(d, 'root', WRONG)).res.status, 401, 'web login failure');
    t.equal((await login(d, 'root', 'pass1')).res.status, 403, 'three web-login failures block');
    await sleep(1100);
    t.equal((await login(d, 'root', 'pass1')).res.status, 200, 'unblocked');
  });

  t.test('the audit log: auth.failed and auth.blocked, never a password', async (t) => {
    const lines = auditLines(d);
    const failed = lines.filter((l) => l.action === 'auth.failed');
    const blocked = lines.filter((l) => l.action === 'auth.blocked');
    t.ok(failed.length >= 12, `auth.failed lines (${failed.length})`);
    t.equal(blocked.length, 4, 'one auth.blocked per block');
    t.match(failed, [{ daemon: 'httpd', addr: '127.0.0.1', user: 'root', method: 'digest', reason: 'bad-response', path: USERGROUP }]);
    t.ok(
      failed.some((l) => l.method === 'basic'),
      'Basic failures',
    );
    t.ok(
      failed.some((l) => l.method === 'session'),
      'web-login failures',
    );
    for (const b of blocked) t.match(b, { daemon: 'httpd', addr: '127.0.0.1', seconds: 1 });
    const text = readFileSync(auditPath(d), 'utf8');
    t.notOk(text.includes(WRONG), 'no wrong password');
    t.notOk(text.includes('pass1'), 'no right password');
    t.notOk(text.includes(Buffer.from(`root:${WRONG}`).toString('base64')), 'no Basic credentials');
  });

  t.test('Blocking off (Enabled=no): never blocks', async (t) => {
    await setParams(d, { 'System.BruteForce.Enabled': 'no' });
    const before = auditLines(d).filter((l) => l.action === 'auth.blocked').length;
    for (let i = 0; i < 8; i++) t.equal((await wrongDigest(d)).status, 401);
    t.equal((await d.digest('GET', USERGROUP, 'root', 'pass1')).status, 200, 'not blocked');
    t.equal(auditLines(d).filter((l) => l.action === 'auth.blocked').length, before, 'nothing blocked');
    t.ok(auditLines(d).filter((l) => l.action === 'auth.failed').length > 0, 'failures are still audited');
  });
});

t.test('BruteForce with an injected clock', async (t) => {
  let now = 1_000_000;
  const settings: BruteForceSettings = { enabled: true, blockingPeriodS: 10, pageFailuresPerS: 5, deviceFailuresPerS: 8 };

  t.test('page threshold: exactly N failures in a second do not block, N+1 do', async (t) => {
    const bf = new BruteForce({ ...settings }, () => now);
    for (let i = 0; i < 5; i++) t.equal(bf.fail('a', '/p'), false);
    t.equal(bf.blocked('a'), false, 'N failures');
    now += 999;
    t.equal(bf.fail('a', '/p'), true, 'N+1 within the second: block starts');
    t.equal(bf.blocked('a'), true);
    t.equal(bf.blocked('b'), false, 'other clients are not blocked');
    t.equal(bf.fail('a', '/p'), false, 'a failure while blocked starts no new block');
    now += 10_000 - 1;
    t.equal(bf.blocked('a'), true, 'blocked until the end of the period');
    now += 1;
    t.equal(bf.blocked('a'), false, 'free at exactly the end');
    for (let i = 0; i < 5; i++) t.equal(bf.fail('a', '/p'), false, 'counting starts anew');
    t.equal(bf.blocked('a'), false);
  });

  t.test('the window is one second', async (t) => {
    const bf = new BruteForce({ ...settings }, () => now);
    for (let i = 0; i < 5; i++) bf.fail('a', '/p');
    now += 1000;
    t.equal(bf.fail('a', '/p'), false, 'failures a second old no longer count');
    for (let i = 0; i < 4; i++) bf.fail('a', '/p');
    t.equal(bf.blocked('a'), false, 'five in the new second');
    now += 1;
    t.equal(bf.fail('a', '/p'), true, 'six within the second');
  });

  t.test('device threshold: N failures over many pages do not block, N+1 do', async (t) => {
    const bf = new BruteForce({ ...settings }, () => now);
    for (let i = 0; i < 8; i++) t.equal(bf.fail('a', `/p${i}`), false);
    t.equal(bf.blocked('a'), false, 'N failures, none above the page threshold');
    t.equal(bf.fail('a', '/p8'), true, 'N+1');
    t.equal(bf.blocked('a'), true);
  });

  t.test('settings apply at once; disabled never blocks', async (t) => {
    const bf = new BruteForce({ ...settings, enabled: false }, () => now);
    for (let i = 0; i < 100; i++) t.equal(bf.fail('a', '/p'), false);
    t.equal(bf.blocked('a'), false);
    bf.settings = { ...settings, pageFailuresPerS: 1 };
    bf.fail('a', '/q');
    t.equal(bf.fail('a', '/q'), true, 'new threshold');
    bf.settings = { ...bf.settings, enabled: false };
    t.equal(bf.blocked('a'), false, 'turning blocking off frees blocked clients');
  });

  t.test(`at most MAX_TRACKED_CLIENTS (${MAX_TRACKED_CLIENTS}); the least recently seen are forgotten`, async (t) => {
    const bf = new BruteForce({ ...settings }, () => now);
    for (let i = 0; i < 5; i++) bf.fail('old', '/p');
    for (let i = 0; i < 5; i++) bf.fail('recent', '/p');
    for (let i = 0; i < MAX_TRACKED_CLIENTS - 2; i++) bf.fail(`c${i}`, '/p');
    bf.fail('old', '/x'); // seen again: now the most recent
    bf.fail(`c-last`, '/p'); // one client more than the limit: the least recently seen ('recent') goes
    t.equal(bf.fail('recent', '/p'), false, "the forgotten client's failures no longer count");
    t.equal(bf.fail('old', '/p'), true, 'a client seen again was kept: its sixth failure blocks');
  });
});

import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Accounts } from '../src/accounts.js';
import type { AuthDeps } from '../src/auth/authenticate.js';
import { BruteForce } from '../src/auth/brute-force.js';
import { Nonces } from '../src/auth/digest.js';
import { Sessions } from '../src/auth/sessions.js';
import { NonceCache, verifyUsernameToken, WSSE_LIMITS } from '../src/auth/username-token.js';
import type { HttpConfig } from '../src/config.js';

/** onvifd's verifier in process: real accounts on a temporary folder, real brute-force blocking. */
async function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'httpd-wsse-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const audits: { action: string; fields: Record<string, unknown> }[] = [];
  const accounts = new Accounts(dir, 'AXIS_02BE1F000001', (action, fields) => audits.push({ action, fields }));
  accounts.open();
  await accounts.add({ name: 'root', password: 'pass1', role: 'admin' });
  const bf = { enabled: true, blockingPeriodS: 10, pageFailuresPerS: 3, deviceFailuresPerS: 40 };
  const deps: AuthDeps = { accounts, sessions: new Sessions(), nonces: new Nonces(), bruteForce: new BruteForce(bf), config: () => ({ bruteForce: bf }) as unknown as HttpConfig, realm: 'AXIS_02BE1F000001', audit: (action, fields) => audits.push({ action, fields }) };
  return { dir, accounts, deps, audits, cache: new NonceCache() };
}

function token(password: string, o: { nonce?: Buffer; created?: string } = {}) {
  const nonce = o.nonce ?? randomBytes(16);
  const created = o.created ?? new Date().toISOString();
  const digest = createHash('sha1').update(Buffer.concat([nonce, Buffer.from(created), Buffer.from(password)])).digest('base64');
  return { user: 'root', password: digest, type: 'digest' as const, nonce: nonce.toString('base64'), created, addr: '192.0.2.9' };
}

t.test('PasswordDigest from the sealed password; the key file is 0600; nothing plain on disk', async (t) => {
  const { dir, deps, cache } = await setup(t);
  t.same(await verifyUsernameToken(deps, cache, token('pass1')), { ok: true, user: 'root', role: 'admin' });
  t.same(await verifyUsernameToken(deps, cache, token('nope')), { ok: false, reason: 'failed' });
  t.equal(statSync(join(dir, 'wsse.key')).mode & 0o777, 0o600);
  for (const f of ['accounts.json', 'accounts.copy.json']) {
    try {
      t.notMatch(readFileSync(join(dir, f), 'utf8'), /pass1/, `${f} holds no plain password`);
    } catch {
      /* one layout or the other */
    }
  }
  t.same(await verifyUsernameToken(deps, cache, { ...token('x'), type: 'text', password: 'pass1', nonce: '', created: '' }), { ok: true, user: 'root', role: 'admin' }, 'PasswordText');
});

t.test('the Created window, replays, malformed tokens', async (t) => {
  const { deps, cache, audits } = await setup(t);
  const now = Date.now();
  const at = (ms: number) => new Date(now + ms).toISOString();
  t.same((await verifyUsernameToken(deps, cache, token('pass1', { created: at(WSSE_LIMITS.skewMs - 1000) }), now)).ok, true, 'inside the window');
  t.same(await verifyUsernameToken(deps, cache, token('pass1', { created: at(WSSE_LIMITS.skewMs + 1000) }), now), { ok: false, reason: 'expired' }, 'just outside');
  t.same(await verifyUsernameToken(deps, cache, token('pass1', { created: at(-3_600_000) }), now), { ok: false, reason: 'expired' }, 'an hour off');
  const once = token('pass1');
  t.equal((await verifyUsernameToken(deps, cache, once)).ok, true);
  t.same(await verifyUsernameToken(deps, cache, once), { ok: false, reason: 'replayed' });
  for (const bad of [{ nonce: '' }, { nonce: 'not base64!' }, { nonce: randomBytes(4).toString('base64') }, { created: 'yesterday' }, { password: '' }]) {
    t.same((await verifyUsernameToken(deps, new NonceCache(), { ...token('pass1'), ...bad })).ok, false, JSON.stringify(bad));
  }
  t.ok(audits.some((a) => a.action === 'auth.failed' && a.fields.method === 'wsse-digest'), 'failures audited');
  t.notOk(JSON.stringify(audits).includes('pass1'), 'no password in the audit');
});

t.test('failures count for brute-force blocking', async (t) => {
  const { deps, cache } = await setup(t);
  let last;
  for (let i = 0; i < 6; i++) last = await verifyUsernameToken(deps, cache, token('wrong'));
  t.same(last, { ok: false, reason: 'blocked' });
  t.same(await verifyUsernameToken(deps, cache, token('pass1')), { ok: false, reason: 'blocked' }, 'even the right password while blocked');
});

t.test('the nonce cache at its bound never lets a replay through', async (t) => {
  const cache = new NonceCache(3);
  const now = 1_000_000_000_000;
  t.equal(cache.admit('a', now - 4, now), 'ok');
  t.equal(cache.admit('b', now - 3, now), 'ok');
  t.equal(cache.admit('c', now - 2, now), 'ok');
  t.equal(cache.admit('d', now - 1, now), 'ok', 'full: the oldest goes');
  t.equal(cache.size, 3);
  t.equal(cache.admit('a', now - 4, now), 'expired', 'the forgotten nonce is refused by the floor');
  t.equal(cache.admit('b', now - 3, now), 'replayed');
  t.equal(cache.admit('e', now, now), 'ok', 'a fresh token passes');
});

t.test('an account set before sealing existed logs in by Digest only', async (t) => {
  const { deps, cache, accounts } = await setup(t);
  delete (accounts.find('root') as { wsse?: unknown }).wsse;
  t.same(await verifyUsernameToken(deps, cache, token('pass1')), { ok: false, reason: 'failed' });
  await accounts.update('root', { password: 'pass2' });
  t.equal((await verifyUsernameToken(deps, cache, token('pass2'))).ok, true, 'after the password is set again');
});

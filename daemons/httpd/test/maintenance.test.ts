import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { createDecipheriv, createPrivateKey } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevice, type Device } from './device.js';
import { addAccount, ADMIN, needsSetup, waitFor } from './cgi-helpers.js';

/**
 * Maintenance (§2.13): restart, factory default, hard factory default with the bodies FF checks;
 * server report and debug archive with no secret in them; the log CGIs.
 */

const VIEWER = { user: 'vera', pw: 'Viewer-Secret-77' };
const admin = (d: Device, url: string) => d.digest('GET', url, ADMIN.user, ADMIN.pw);

/** Every secret the device holds: passwords, HA1 and scrypt values, bus passwords, the TLS key. */
async function secrets(d: Device): Promise<{ what: string; value: string }[]> {
  const out = [
    { what: 'admin password', value: ADMIN.pw },
    { what: 'viewer password', value: VIEWER.pw },
  ];
  const acc = JSON.parse(readFileSync(join(d.tb.paths.state, 'httpd', 'accounts.json'), 'utf8')) as {
    body: { accounts: { name: string; kdf: { salt: string; hash: string }; ha1: { md5: string; sha256: string } }[] };
  };
  for (const a of acc.body.accounts) {
    out.push({ what: `${a.name} HA1 MD5`, value: a.ha1.md5 }, { what: `${a.name} HA1 SHA-256`, value: a.ha1.sha256 }, { what: `${a.name} scrypt hash`, value: a.kdf.hash }, { what: `${a.name} scrypt salt`, value: a.kdf.salt });
  }
  const users = join(d.tb.paths.state, 'bus', 'users');
  for (const u of readdirSync(users)) out.push({ what: `bus password of ${u}`, value: readFileSync(join(users, u), 'utf8').trim() });
  const key = await httpsKey(d);
  out.push({ what: 'TLS key marker', value: 'PRIVATE KEY' });
  // every line of the key's base64 (the last one can be short: only if long enough to mean something)
  for (const line of key.split('\n').filter((l) => l && !l.startsWith('-----') && l.length >= 16)) out.push({ what: 'TLS private key', value: line });
  for (const s of out) if (s.value.length < 5) throw new Error(`secret ${s.what} too short to search for`);
  return out;
}

/** The HTTPS key as certd keeps it: wrapped in its store under the board's KEK (AES-256-GCM, the key's id as additional data). */
async function httpsKey(d: Device): Promise<string> {
  const store = JSON.parse(readFileSync(join(d.tb.paths.state, 'certd', 'store.json'), 'utf8')) as { body: { certificates: { kind: string; keyId: string; wrappedKey: string }[] } };
  const rec = store.body.certificates.find((c) => c.kind === 'factory-https')!;
  const [, iv, tag, data] = rec.wrappedKey.split('.') as [string, string, string, string];
  const dec = createDecipheriv('aes-256-gcm', await d.tb.board.security.kek('keystore'), Buffer.from(iv, 'base64url'));
  dec.setAAD(Buffer.from(rec.keyId));
  dec.setAuthTag(Buffer.from(tag, 'base64url'));
  const der = Buffer.concat([dec.update(Buffer.from(data, 'base64url')), dec.final()]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string;
}

function noSecrets(t: Test, text: string, where: string, list: { what: string; value: string }[]): void {
  const found = list.filter((s) => text.includes(s.value));
  t.same(found.map((s) => s.what), [], `${where} holds no secret (${list.length} checked)`);
}

const head = (html: string) => /<head>([\s\S]*?)<\/head>/i.exec(html)?.[1] ?? '';

t.test('server report, debug archive and logs hold no secret', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  await addAccount(d, VIEWER.user, VIEWER.pw, 'viewer');
  // a failed login and a password in a POST body, so the logs have had the chance to leak one
  await d.digest('GET', '/axis-cgi/usergroup.cgi', VIEWER.user, 'wrong-password');
  await d.digest('POST', '/axis-cgi/pwdgrp.cgi', ADMIN.user, ADMIN.pw, { body: `action=update&user=${VIEWER.user}&pwd=${VIEWER.pw}`, headers: { 'Content-Type': 'text/plain' } });
  await d.req('POST', '/api/v1/session', { body: JSON.stringify({ user: VIEWER.user, password: VIEWER.pw }), headers: { 'Content-Type': 'application/json' } });
  const list = await secrets(d);
  t.ok(list.length >= 10, `${list.length} secrets known`);
  const dir = mkdtempSync(join(tmpdir(), 'belfry-report-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const serial = d.tb.board.identity.serialNumber;

  t.test('serverreport.cgi (text)', async (t) => {
    const r = await admin(d, '/axis-cgi/serverreport.cgi');
    t.equal(r.status, 200);
    t.equal(r.headers['content-type'], 'text/plain');
    t.match(r.body, /^Server report for Belfry BS1410 Network Mini Speaker\n/);
    t.match(r.body, `Serial number: ${serial}\n`);
    t.match(r.body, /^root\.Brand\.ProdNbr=BS1410$/m, 'parameters');
    t.match(r.body, /Accounts: .*root \(admin/, 'account names and roles');
    noSecrets(t, r.body, 'the text report', list);
    t.equal((await admin(d, '/axis-cgi/serverreport.cgi?mode=text')).status, 200, 'mode=text');
    t.equal((await admin(d, '/axis-cgi/serverreport.cgi?mode=nope')).status, 400, 'an unknown mode: 400');
  });

  t.test('serverreport.cgi?mode=zip', async (t) => {
    const r = await admin(d, '/axis-cgi/serverreport.cgi?mode=zip');
    t.equal(r.status, 200);
    t.equal(r.headers['content-type'], 'application/zip');
    t.equal(r.headers['content-disposition'], `attachment; filename="serverreport_${serial}.zip"`);
    const file = join(dir, 'report.zip');
    writeFileSync(file, r.raw);
    const listing = execFileSync('python3', ['-m', 'zipfile', '-l', file]).toString();
    for (const f of ['serverreport.txt', 'params.txt', 'system.log', 'access.log', 'audit.log']) t.match(listing, f, `${f} in the zip`);
    execFileSync('python3', ['-m', 'zipfile', '-t', file]);
    const out = join(dir, 'zip');
    execFileSync('python3', ['-m', 'zipfile', '-e', file, out]);
    const all = readdirSync(out).map((f) => readFileSync(join(out, f), 'utf8'));
    t.match(readFileSync(join(out, 'access.log'), 'utf8'), /pwd=\*\*\*/, 'the access log, redacted');
    t.match(readFileSync(join(out, 'audit.log'), 'utf8'), /"action":"auth\.failed"/, 'the audit log');
    t.match(readFileSync(join(out, 'params.txt'), 'utf8'), /^root\.Brand\.Brand=Belfry$/m);
    noSecrets(t, all.join('\n'), 'the zip', list);
    noSecrets(t, r.raw.toString('latin1'), 'the raw zip', list);
  });

  t.test('debug/debug.tgz', async (t) => {
    const r = await admin(d, '/axis-cgi/debug/debug.tgz');
    t.equal(r.status, 200);
    t.equal(r.headers['content-type'], 'application/x-gzip');
    t.equal(r.headers['content-disposition'], `attachment; filename="debug_${serial}.tgz"`);
    const file = join(dir, 'debug.tgz');
    writeFileSync(file, r.raw);
    const listing = execFileSync('tar', ['tzf', file]).toString().split('\n').filter(Boolean).sort();
    t.same(listing, ['access.log', 'accounts.txt', 'audit.log', 'params.txt', 'serverreport.txt', 'system.log']);
    const out = join(dir, 'tgz');
    execFileSync('mkdir', ['-p', out]);
    execFileSync('tar', ['xzf', file, '-C', out]);
    t.equal(readFileSync(join(out, 'accounts.txt'), 'utf8'), `root admin ptz\n${VIEWER.user} viewer\n`, 'accounts: names and roles only');
    const all = listing.map((f) => readFileSync(join(out, f), 'utf8'));
    noSecrets(t, all.join('\n'), 'the tgz', list);
  });

  t.test('log CGIs answer text/plain to the admin', async (t) => {
    for (const name of ['systemlog', 'accesslog', 'auditlog']) {
      const r = await admin(d, `/axis-cgi/admin/${name}.cgi`);
      t.equal(r.status, 200, `${name}.cgi`);
      t.equal(r.headers['content-type'], 'text/plain', `${name}.cgi is text/plain`);
      noSecrets(t, r.body, `${name}.cgi`, list);
    }
    const audit = (await admin(d, '/axis-cgi/admin/auditlog.cgi')).body;
    const lines = audit.trim().split('\n');
    for (const l of lines) t.doesNotThrow(() => JSON.parse(l), 'audit lines are JSON');
    t.ok(lines.some((l) => (JSON.parse(l) as { action: string; user?: string }).action === 'account.added'), 'account.added is audited');
    const times = lines.map((l) => (JSON.parse(l) as { time: string }).time);
    t.same(times, [...times].sort(), 'in time order');
    const access = (await admin(d, '/axis-cgi/admin/accesslog.cgi')).body;
    t.match(access, / root GET \/axis-cgi\/admin\/auditlog\.cgi 200 /, 'the access log has the audit log request');
    const sys = await d.digest('GET', '/axis-cgi/admin/systemlog.cgi', VIEWER.user, VIEWER.pw);
    t.equal(sys.status, 403, 'not for a viewer');
  });
});

function servedFingerprint(d: Device): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port: d.httpsPort, rejectUnauthorized: false }, () => {
      resolve(s.getPeerX509Certificate()!.fingerprint256);
      s.end();
    });
    s.on('error', reject);
  });
}

t.test('restart, factory default, hard factory default (§2.13)', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  await addAccount(d, VIEWER.user, VIEWER.pw, 'viewer');
  const httpdState = join(d.tb.paths.state, 'httpd');
  const get = async (n: string) => (await d.params.get({ names: [n] })).params[n];
  const defaultHost = await get('Network.HostName');
  const certBefore = await servedFingerprint(d);

  const restart = await admin(d, '/axis-cgi/restart.cgi');
  t.equal(restart.status, 200);
  t.equal(restart.headers['content-type'], 'text/html');
  t.match(restart.body, /restartMessage/i, "FF's restart regex");
  t.notOk(await needsSetup(d), 'a restart keeps the accounts');
  await waitFor('the restart in the audit log', async () => (await admin(d, '/axis-cgi/admin/auditlog.cgi')).body.includes('"action":"device.restart"'));

  // settings to see kept or reset
  t.equal((await admin(d, '/axis-cgi/param.cgi?action=update&Network.HostName=speaker-hall&Audio.MaxListeners=5')).body, 'OK\n');
  // M0–M2 are the default clips; M3 is one an installer added
  t.equal((await admin(d, '/axis-cgi/param.cgi?action=update&MediaClip.M0.Name=Renamed')).body, 'OK\n');
  t.equal((await admin(d, '/axis-cgi/param.cgi?action=add&group=MediaClip&template=mediaclip')).body, 'M3 OK\n');

  const fd = await admin(d, '/axis-cgi/factorydefault.cgi');
  t.equal(fd.status, 200);
  t.equal(fd.headers['content-type'], 'text/html');
  t.match(head(fd.body), /factoryMessage/i, "FF's factory default regex on <head>");
  t.notMatch(head(fd.body), /factoryMessage2/i, 'not the hard one');
  await waitFor('setup state after the factory default', () => needsSetup(d));
  t.equal(await get('Network.HostName'), 'speaker-hall', 'network basics kept');
  t.equal(await get('Audio.MaxListeners'), '20', 'other settings back to defaults');
  t.equal((await d.params.list({ groups: ['MediaClip'] })).params['MediaClip.M3.Name'], undefined, 'dynamic entries gone');
  // audiod puts the default clips back, as on a new device
  await waitFor('the default clips back', async () => (await d.params.list({ groups: ['MediaClip'] })).params['MediaClip.M2.Name'] === 'Siren');
  t.equal((await d.params.list({ groups: ['MediaClip'] })).params['MediaClip.M0.Name'], 'Doorbell', 'the renamed default clip is back to its name');
  t.equal((await d.digest('GET', '/axis-cgi/usergroup.cgi', ADMIN.user, ADMIN.pw)).status, 401, 'the old admin is gone');
  t.equal((await d.digest('GET', '/axis-cgi/usergroup.cgi', VIEWER.user, VIEWER.pw)).status, 401, 'the viewer is gone');
  t.equal(await servedFingerprint(d), certBefore, 'the HTTPS certificate is kept');
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  t.equal((await admin(d, '/axis-cgi/pwdgrp.cgi?action=get')).body, 'admin="root"\noperator="root"\nviewer="root"\nptz="root"\ndigusers="root"\n', 'only the new admin');

  t.equal((await admin(d, '/axis-cgi/param.cgi?action=update&Audio.MaxListeners=6')).body, 'OK\n');
  const hard = await admin(d, '/axis-cgi/hardfactorydefault.cgi');
  t.equal(hard.status, 200);
  t.equal(hard.headers['content-type'], 'text/html');
  t.match(head(hard.body), /factoryMessage2/i, "FF's hard factory default regex on <head>");
  await waitFor('setup state after the hard factory default', () => needsSetup(d));
  t.equal(await get('Network.HostName'), defaultHost, 'the host name too is back to its default');
  t.not(defaultHost, 'speaker-hall');
  t.equal(await get('Audio.MaxListeners'), '20');
  t.equal((await d.digest('GET', '/axis-cgi/usergroup.cgi', ADMIN.user, ADMIN.pw)).status, 401, 'the admin is gone');
  await waitFor('a new HTTPS certificate', async () => (await servedFingerprint(d)) !== certBefore);
  t.pass('the HTTPS certificate is forgotten: certd made a new one, httpd serves it without a restart');
  t.notOk(existsSync(join(httpdState, 'https.key')), 'httpd keeps no key file');
});

import t from 'tap';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { startDevice, type Device } from './device.js';
import { addAccount, ADMIN, waitFor } from './cgi-helpers.js';

/**
 * certd on a device, through the front door (§9.1, §9.2, §9.4): httpd's old key migrated, the REST
 * certificate API with a CSR signed by a CA the test makes with openssl, the new certificate
 * selected and served — checked by a TLS client that verifies chain and SAN — while an open
 * keep-alive HTTPS connection goes on; the bad inputs refused in the config-rest shape; no plain
 * private key under the device root.
 */

const VIEWER = { user: 'vera', pw: 'Viewer-Secret-77' };
const V1 = '/config/rest/cert/v1';
const P12_PASS = 'Pkcs12-Secret-7q';

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function plainKeys(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((n) => join(dir, n)).filter((p) => statSync(p, { throwIfNoEntry: false })?.isFile() && readFileSync(p).includes('PRIVATE KEY'));
}

async function rest(d: Device, method: string, path: string, data?: unknown, who = ADMIN) {
  const body = data === undefined ? undefined : JSON.stringify({ data });
  const r = await d.digest(method, path, who.user, who.pw, { body, headers: body ? { 'Content-Type': 'application/json' } : {} });
  let json: any;
  try {
    json = JSON.parse(r.body);
  } catch {
    json = undefined;
  }
  return { status: r.status, json, res: r };
}

function viaAgent(port: number, agent: Agent): Promise<{ status: number; localPort: number; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path: '/axis-cgi/param.cgi?action=list&group=Brand.ProdNbr', agent, method: 'GET' }, (res) => {
      const sock = res.socket as TLSSocket;
      const info = { status: res.statusCode ?? 0, localPort: sock.localPort ?? 0, fingerprint: sock.getPeerCertificate().fingerprint256 };
      res.resume();
      res.on('end', () => resolve(info));
    });
    r.on('error', reject);
    r.end();
  });
}

/** A TLS handshake that verifies the chain against `ca` and the name against the SAN. */
function verified(port: number, ca: string, servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca, servername, rejectUnauthorized: true }, () => {
      const c = s.getPeerX509Certificate()!;
      s.end();
      resolve(c);
    });
    s.on('error', reject);
  });
}

t.test('certd behind the front door: migration, REST, CSR signed by a CA, selection without dropping connections', async (t) => {
  // a device root left by the firmware before certd: httpd's plain key and certificate
  const root = mkdtempSync(join(tmpdir(), 'belfry-certd-dev-'));
  // (teardowns run last first: this one after the device's, which stops it)
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const work = mkdtempSync(join(tmpdir(), 'belfry-certd-ca-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const oldDir = join(root, 'var/lib/belfry/httpd');
  mkdirSync(oldDir, { recursive: true, mode: 0o700 });
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(oldDir, 'https.key'), '-out', join(oldDir, 'https.crt'), '-subj', '/CN=old-httpd', '-days', '30'], work);
  const oldFp = new X509Certificate(readFileSync(join(oldDir, 'https.crt'))).fingerprint256;

  const d = await startDevice(t, { audiod: false, root });
  t.notOk(existsSync(join(oldDir, 'https.key')), "httpd's plain key is gone");
  const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  t.teardown(() => agent.destroy());
  const before = await viaAgent(d.httpsPort, agent);
  t.equal(before.fingerprint, oldFp, 'the migrated certificate is served');
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  await addAccount(d, VIEWER.user, VIEWER.pw, 'viewer');

  // discovery and the front door's own answers in the config-rest shape
  const disc = JSON.parse((await d.digest('GET', '/config/discover', VIEWER.user, VIEWER.pw)).body);
  t.equal(disc.apis.cert.v1.state, 'released', 'cert v1 released (OA needs it)');
  t.equal(disc.apis.cert.v1.rest_api, V1);
  t.equal(disc.apis.cert.v1beta.rest_api, '/config/rest/cert/v1beta');
  t.equal(disc.framework_version, '1.1.0');
  t.same(Object.keys(JSON.parse((await d.digest('GET', '/config/discover/apis/cert', VIEWER.user, VIEWER.pw)).body)), ['cert']);
  t.equal(JSON.parse((await d.digest('GET', '/config/discover/apis/cert/v1', VIEWER.user, VIEWER.pw)).body).version, '1.1.2');
  t.equal((await d.digest('GET', '/config/discover/apis/nope', VIEWER.user, VIEWER.pw)).status, 404);
  const all = JSON.parse((await d.digest('GET', '/config/rest/$all', VIEWER.user, VIEWER.pw)).body);
  t.equal(all.status, 'success');
  t.ok(Array.isArray(all.data['cert.v1'].certificates) && all.data['cert.v1beta'], '$all keyed cert.v1, from certd');
  const anon = await d.req('GET', `${V1}/certificates`);
  t.equal(anon.status, 401);
  t.match(JSON.parse(anon.body), { status: 'error', error: { code: 3 } }, '401 in the config-rest shape');
  t.ok(anon.headers['www-authenticate'], 'with the challenge');
  const viewerWrite = await rest(d, 'POST', `${V1}/create_certificate`, { alias: 'x', subject: 'CN=x' }, VIEWER);
  t.equal(viewerWrite.status, 403, 'a viewer may not write');
  t.match(viewerWrite.json, { status: 'error' });
  const unknown = await rest(d, 'GET', `${V1}/nothing/here`);
  t.equal(unknown.status, 404);
  t.match(unknown.json, { status: 'error', error: { code: 1, message: /^Resource not found/ } });

  // KF's re-enrolment: create, CSR, sign, PATCH
  const alias = 'vms https';
  const enc = encodeURIComponent(alias);
  t.same((await rest(d, 'POST', `${V1}/create_certificate`, { alias, key_type: 'RSA-2048', keystore: 'SOFTWARE0', subject: 'CN=belfry.test', subject_alt_names: ['DNS:belfry.test', 'IP:127.0.0.1'], valid_from: 0, valid_to: 0 })).json, { status: 'success' });
  t.equal((await rest(d, 'POST', `${V1}/create_certificate`, { alias, subject: 'CN=x' })).status, 409, 'duplicate alias');
  const csr = await rest(d, 'POST', `${V1}/certificates/${enc}/get_csr`, {});
  t.equal(typeof csr.json.data, 'string', 'the CSR is a bare PEM string');
  writeFileSync(join(work, 'req.csr'), csr.json.data);
  t.match(openssl(['req', '-in', 'req.csr', '-verify', '-noout', '-subject'], work), /belfry\.test/);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=VMS Test CA', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], work);
  writeFileSync(join(work, 'ext.cnf'), 'subjectAltName=DNS:belfry.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
  openssl(['x509', '-req', '-in', 'req.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'signed.pem', '-days', '10', '-extfile', 'ext.cnf'], work);
  const caPem = readFileSync(join(work, 'ca.pem'), 'utf8');
  const signed = readFileSync(join(work, 'signed.pem'), 'utf8');
  t.equal((await rest(d, 'PATCH', `${V1}/certificates/${enc}`, { certificate: signed + caPem })).status, 200, 'the signed certificate installed');
  t.equal((await rest(d, 'PATCH', `${V1}/certificates/${enc}`, { certificate: caPem })).status, 400, 'another public key refused');
  const listed = (await rest(d, 'GET', '/config/rest/cert/v1beta/certificates', undefined, VIEWER)).json;
  const entry = listed.data.find((c: { alias: string }) => c.alias === alias);
  t.equal(entry.keystore, 'SOFTWARE0', 'v1beta too; keystore a string');
  t.equal((await rest(d, 'GET', `${V1}/settings/keystore`, undefined, VIEWER)).json.data, 'SOFTWARE0');
  t.notOk(JSON.stringify(listed).includes('PRIVATE'), 'no key in a listing');

  // select it: the open keep-alive connection goes on, new handshakes verify with the CA and SAN
  t.equal((await d.digest('GET', `/axis-cgi/param.cgi?action=update&HTTPS.Certificate=${enc}`, ADMIN.user, ADMIN.pw)).body, 'OK\n', 'selected');
  const signedFp = new X509Certificate(signed).fingerprint256;
  const served = await waitFor('the new certificate on a new handshake', async () => {
    const c = await verified(d.httpsPort, caPem, 'belfry.test').catch(() => undefined);
    return c?.fingerprint256 === signedFp ? c : undefined;
  });
  t.match(served.subjectAltName, /DNS:belfry\.test/, 'chain and SAN verified by the client');
  const after = await viaAgent(d.httpsPort, agent);
  t.equal(after.status, 200, 'the open keep-alive connection still works');
  t.equal(after.localPort, before.localPort, 'on the same connection');
  t.equal(after.fingerprint, oldFp, 'which keeps the certificate it started with');
  t.equal((await rest(d, 'DELETE', `${V1}/certificates/${enc}`)).status, 409, 'the selected certificate is not deleted');
  const badSel = await d.digest('GET', '/axis-cgi/param.cgi?action=update&HTTPS.Certificate=nope', ADMIN.user, ADMIN.pw);
  t.match(badSel.body, /# Error/, 'an unknown alias cannot be selected');

  // bad input: refused in the protocol's shape, nothing stored
  const snapshot = JSON.stringify((await rest(d, 'GET', `${V1}/certificates`)).json);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'o.key', '-out', 'o.pem', '-subj', '/CN=o', '-days', '5'], work);
  openssl(['pkcs12', '-export', '-inkey', 'o.key', '-in', 'o.pem', '-passout', `pass:${P12_PASS}`, '-out', 'o.p12'], work);
  const p12 = readFileSync(join(work, 'o.p12'));
  const bad = async (what: string, method: string, path: string, data: unknown, status = 400) => {
    const r = await rest(d, method, path, data);
    t.equal(r.status, status, what);
    t.equal(r.json?.status, 'error', `${what}: config-rest error body`);
  };
  await bad('wrong PKCS#12 password', 'POST', `${V1}/install_from_pkcs12`, { alias: 'p', pkcs12: p12.toString('base64'), passphrase: 'wrong' });
  await bad('truncated PKCS#12', 'POST', `${V1}/install_from_pkcs12`, { alias: 'p', pkcs12: p12.subarray(0, 300).toString('base64'), passphrase: P12_PASS });
  await bad('garbage certificate', 'POST', `${V1}/certificates`, { alias: 'g', certificate: 'not a certificate', private_key: readFileSync(join(work, 'o.key'), 'utf8') });
  await bad('certificate not matching its key', 'POST', `${V1}/certificates`, { alias: 'm', certificate: readFileSync(join(work, 'o.pem'), 'utf8'), private_key: readFileSync(join(work, 'ca.key'), 'utf8') });
  await bad('16,384-bit RSA', 'POST', `${V1}/create_certificate`, { alias: 'big', subject: 'CN=big', key_type: 'RSA-16384' });
  await bad('CSR subject with control characters', 'POST', `${V1}/certificates/${enc}/get_csr`, { subject: 'CN=a\u0001b' });
  await bad('not JSON', 'POST', `${V1}/create_certificate`, undefined);
  await bad('an alias of 129 characters', 'POST', `${V1}/create_certificate`, { alias: 'a'.repeat(129), subject: 'CN=x' });
  const huge = await d.digest('POST', `${V1}/create_certificate`, ADMIN.user, ADMIN.pw, { body: JSON.stringify({ data: { alias: 'h', subject: 'CN=' + 'x'.repeat(70_000) } }), headers: { 'Content-Type': 'application/json' } });
  t.equal(huge.status, 413, 'a body over 64 KiB');
  t.equal(JSON.parse(huge.body).status, 'error');
  t.equal(JSON.stringify((await rest(d, 'GET', `${V1}/certificates`)).json), snapshot, 'nothing stored');
  t.equal((await rest(d, 'POST', `${V1}/install_from_pkcs12`, { alias: 'p12 ok', pkcs12: p12.toString('base64'), passphrase: P12_PASS })).status, 200, 'the right password');

  // CA certificates
  t.equal((await rest(d, 'POST', `${V1}/ca_certificates`, { alias: 'vms-ca', certificate: caPem })).status, 201);
  t.equal((await rest(d, 'GET', `${V1}/ca_certificates/vms-ca`, undefined, VIEWER)).json.data.certificate.replace(/\s/g, ''), caPem.replace(/\s/g, ''));
  t.equal((await rest(d, 'DELETE', `${V1}/ca_certificates/vms-ca`)).status, 200);

  // every change audited; no plain private key anywhere under the root
  const audit = readFileSync(join(root, 'var/log/belfry/audit-certd.log'), 'utf8');
  for (const a of ['cert.httpd_key_migrated', 'cert.created', 'cert.replaced', 'cert.https_selected', 'cert.imported_pkcs12', 'cert.ca_added', 'cert.ca_deleted']) t.match(audit, `"action":"${a}"`, `${a} audited`);
  t.match(audit, '"user":"root"', 'with the user');
  t.same(plainKeys(root), [], 'no plain private key under the device root');
  // no secret in any file under the root: the PKCS#12 passphrase, the imported key's lines
  const keyLines = readFileSync(join(work, 'o.key'), 'utf8').split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'));
  const everything = (readdirSync(root, { recursive: true }) as string[]).map((n) => join(root, n)).filter((p) => statSync(p, { throwIfNoEntry: false })?.isFile());
  const leaks = everything.filter((p) => {
    const text = readFileSync(p, 'latin1');
    return text.includes(P12_PASS) || keyLines.some((l) => text.includes(l));
  });
  t.same(leaks, [], 'no passphrase or key material in any file (logs, stores, audit)');
});

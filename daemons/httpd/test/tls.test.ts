import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '@belfry/core/testing';
import { ensureSelfSigned, type TlsMaterial } from '../src/tls.js';
import { startDevice } from './device.js';
import { ADMIN, rawReq, waitFor } from './cgi-helpers.js';

/** The HTTPS certificate (tls.ts), its hot replacement, and moving the listeners (§9, main.ts). */

/** The certificate a fresh TLS connection is given. */
function peerCert(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'localhost' }, () => {
      const c = s.getPeerX509Certificate();
      s.end();
      if (c) resolve(c);
      else reject(new Error('no certificate'));
    });
    s.on('error', reject);
  });
}

/** A GET over HTTPS through `agent`; answers the status and which local port (= connection) served it. */
function viaAgent(port: number, agent: Agent, path: string): Promise<{ status: number; localPort: number; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path, agent, method: 'GET' }, (res) => {
      const sock = res.socket as import('node:tls').TLSSocket;
      const info = { status: res.statusCode ?? 0, localPort: sock.localPort ?? 0, fingerprint: sock.getPeerCertificate().fingerprint256 };
      res.resume();
      res.on('end', () => resolve(info));
    });
    r.on('error', reject);
    r.end();
  });
}

/** Replaces a file the way an installer should: write aside, then rename. */
function replace(file: string, text: string): void {
  writeFileSync(`${file}.new`, text, { mode: 0o600 });
  renameSync(`${file}.new`, file);
}

async function newPair(hostname: string): Promise<TlsMaterial> {
  const dir = mkdtempSync(join(tmpdir(), 'belfry-tls-'));
  try {
    return await ensureSelfSigned(dir, { hostname, serial: '02BE1F000099', addresses: ['127.0.0.1'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test('the self-signed certificate', async (t) => {
  const d = await startDevice(t);
  const dir = join(d.tb.paths.state, 'httpd');
  const hostname = (await d.params.get({ names: ['Network.HostName'] })).params['Network.HostName']!;
  for (const f of ['https.key', 'https.crt']) t.equal(statSync(join(dir, f)).mode & 0o777, 0o600, `${f} is mode 0600`);
  t.equal(statSync(dir).mode & 0o077, 0, "httpd's state folder is private");
  const file = new X509Certificate(readFileSync(join(dir, 'https.crt')));
  const served = await peerCert(d.httpsPort);
  t.equal(served.fingerprint256, file.fingerprint256, 'the served certificate is the one in https.crt');
  t.equal(file.publicKey.asymmetricKeyType, 'ec');
  t.equal(file.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1', 'EC P-256');
  // (not `checkIssued`: OpenSSL wants keyCertSign in the key usage for that, which a leaf lacks)
  t.equal(file.subject, file.issuer, 'self-issued');
  t.ok(file.verify(file.publicKey), 'self-signed');
  t.match(file.subject, `CN=${hostname}`);
  t.match(file.subject, d.tb.board.identity.serialNumber, 'the device serial in the subject');
  const san = (file.subjectAltName ?? '').split(', ');
  t.ok(san.includes(`DNS:${hostname}`), `SAN has the host name ${hostname}`);
  t.ok(san.includes('IP Address:127.0.0.1'), 'SAN has 127.0.0.1');
  t.ok(new Date(file.validTo).getTime() > Date.now() + 365 * 86400_000, 'valid for years');
  t.ok(new Date(file.validFrom).getTime() <= Date.now(), 'already valid');
  t.match(file.keyUsage?.join(',') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.1/, 'EKU serverAuth');
  t.notOk(file.ca, 'not a CA');
  // TLS 1.2 at least
  const old = await new Promise<string>((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port: d.httpsPort, rejectUnauthorized: false, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }, () => resolve('connected'));
    s.on('error', (e) => resolve(e.message));
  });
  t.not(old, 'connected', `TLS 1.1 refused (${old})`);
});

t.test('replacing the certificate files', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  const dir = join(d.tb.paths.state, 'httpd');
  const keyFile = join(dir, 'https.key');
  const certFile = join(dir, 'https.crt');
  const first = new X509Certificate(readFileSync(certFile));
  const [a, b] = await Promise.all([newPair('replacement-a'), newPair('replacement-b')]);
  const fp = (m: TlsMaterial) => new X509Certificate(m.cert).fingerprint256;

  const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  t.teardown(() => agent.destroy());
  const before = await viaAgent(d.httpsPort, agent, '/axis-cgi/param.cgi?action=list&group=Brand.ProdNbr');
  t.equal(before.status, 200);
  t.equal(before.fingerprint, first.fingerprint256);

  // a half-written certificate: ignored
  replace(keyFile, a.key);
  writeFileSync(certFile, a.cert.slice(0, Math.floor(a.cert.length / 2)));
  await new Promise((r) => setTimeout(r, 600));
  t.equal((await peerCert(d.httpsPort)).fingerprint256, first.fingerprint256, 'a half-written pair is ignored');
  // a key with another pair's certificate: ignored
  replace(certFile, b.cert);
  await new Promise((r) => setTimeout(r, 600));
  t.equal((await peerCert(d.httpsPort)).fingerprint256, first.fingerprint256, 'a mismatched pair is ignored');
  // garbage: ignored
  replace(keyFile, 'not a key\n');
  await new Promise((r) => setTimeout(r, 600));
  t.equal((await peerCert(d.httpsPort)).fingerprint256, first.fingerprint256, 'an unreadable key is ignored');
  t.equal((await d.req('GET', '/axis-cgi/param.cgi?action=list&group=Brand.ProdNbr', { https: true })).status, 200, 'HTTPS kept working meanwhile');

  // the matching key for b's certificate: a valid pair, taken for new connections
  replace(keyFile, b.key);
  await waitFor('the new certificate on new connections', async () => (await peerCert(d.httpsPort)).fingerprint256 === fp(b), 3000);
  t.pass('a new valid pair is used for new TLS connections');
  const again = await viaAgent(d.httpsPort, agent, '/axis-cgi/param.cgi?action=list&group=Brand.ProdNbr');
  t.equal(again.status, 200, 'the open keep-alive connection still works');
  t.equal(again.localPort, before.localPort, 'on the same connection');
  t.equal(again.fingerprint, first.fingerprint256, 'which keeps the certificate it started with');
  const audit = await d.digest('GET', '/axis-cgi/admin/auditlog.cgi', ADMIN.user, ADMIN.pw, { https: true });
  t.equal((audit.body.match(/"action":"https\.certificate_reloaded"/g) ?? []).length, 1, 'one reload audited');

  // and once more, with the files written in the other order
  replace(certFile, a.cert);
  replace(keyFile, a.key);
  await waitFor('the second replacement', async () => (await peerCert(d.httpsPort)).fingerprint256 === fp(a), 3000);
  t.pass('a second replacement too');
});

t.test('moving the HTTP listener; HTTP and HTTPS may not share a port', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  const [next] = (await freePorts(1)) as [number];
  const upd = await d.digest('GET', `/axis-cgi/param.cgi?action=update&Network.HTTP.Port=${next}`, ADMIN.user, ADMIN.pw);
  t.equal(upd.body, 'OK\n', 'the port change is accepted');
  await waitFor('HTTP on the new port', async () => (await rawReq(next, 'GET', '/axis-cgi/param.cgi?action=list&group=Brand.ProdNbr')).status === 200);
  t.pass(`HTTP answers on ${next}`);
  const gone = await rawReq(d.httpPort, 'GET', '/axis-cgi/param.cgi?action=list&group=Brand.ProdNbr', { headers: { Connection: 'close' } }).then(
    (r) => `answered ${r.status}`,
    (e: NodeJS.ErrnoException) => e.code ?? 'error',
  );
  t.equal(gone, 'ECONNREFUSED', `the old port ${d.httpPort} is closed`);
  const listed = await rawReq(next, 'GET', '/axis-cgi/param.cgi?action=list&group=Network.HTTP.Port', { headers: { Authorization: 'x' } });
  t.equal(listed.status, 401, 'auth still applies on the new port');
  t.equal((await d.req('GET', '/axis-cgi/param.cgi?action=list&group=Brand.ProdNbr', { https: true })).status, 200, 'HTTPS did not move');

  // the same port for both: vetoed by httpd, reported like any refused update, nothing changes
  const clash = await d.digest('GET', `/axis-cgi/param.cgi?action=update&HTTPS.Port=${next}`, ADMIN.user, ADMIN.pw, { https: true });
  t.equal(clash.body, `# Error: Error setting 'HTTPS.Port' to '${next}'!\n`, 'HTTPS.Port = the HTTP port');
  const clash2 = await d.digest('GET', `/axis-cgi/param.cgi?action=update&Network.HTTP.Port=${d.httpsPort}`, ADMIN.user, ADMIN.pw, { https: true });
  t.equal(clash2.body, `# Error: Error setting 'Network.HTTP.Port' to '${d.httpsPort}'!\n`, 'Network.HTTP.Port = the HTTPS port');
  t.equal(clash2.headers['content-type'], 'text/plain');
  const ports = (await d.params.get({ names: ['Network.HTTP.Port', 'HTTPS.Port'] })).params;
  t.same(ports, { 'Network.HTTP.Port': String(next), 'HTTPS.Port': String(d.httpsPort) }, 'nothing changed');
  t.equal((await rawReq(next, 'GET', '/axis-cgi/param.cgi?action=list&group=Brand.ProdNbr')).status, 200, 'HTTP still on its port');
  t.equal((await d.req('GET', '/axis-cgi/param.cgi?action=list&group=Brand.ProdNbr', { https: true })).status, 200, 'HTTPS still on its port');
  // a viewer may read the port but not move it
  t.equal((await d.digest('GET', `/axis-cgi/param.cgi?action=update&Network.HTTP.Port=${d.httpPort}`, 'nobody', 'x', { https: true })).status, 401);
});

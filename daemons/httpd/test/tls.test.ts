import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { freePorts } from '@belfry/core/testing';
import { daemon as certd } from '@belfry/certd';
import { startDevice } from './device.js';
import { ADMIN, rawReq, waitFor } from './cgi-helpers.js';

/** The HTTPS certificate from certd (tls.ts), HTTPS without certd, and moving the listeners (§9, main.ts). */

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

/** Every file under `dir` that holds `PRIVATE KEY`. */
function plainKeys(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, n);
    const s = statSync(p, { throwIfNoEntry: false });
    if (s?.isFile() && readFileSync(p).includes('PRIVATE KEY')) out.push(p);
  }
  return out;
}

t.test("the factory certificate is certd's; httpd keeps no key on disk", async (t) => {
  const d = await startDevice(t);
  const hostname = (await d.params.get({ names: ['Network.HostName'] })).params['Network.HostName']!;
  const served = await peerCert(d.httpsPort);
  t.equal(served.publicKey.asymmetricKeyType, 'ec');
  t.equal(served.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1', 'EC P-256');
  t.equal(served.subject, served.issuer, 'self-issued');
  t.ok(served.verify(served.publicKey), 'self-signed');
  t.match(served.subject, `CN=${hostname}`);
  t.match(served.subject, `serialNumber=${d.tb.board.identity.serialNumber}`, 'the device serial in the subject');
  const san = (served.subjectAltName ?? '').split(', ');
  t.ok(san.includes(`DNS:${hostname}`), `SAN has the host name ${hostname}`);
  t.ok(san.includes('IP Address:127.0.0.1'), 'SAN has 127.0.0.1');
  t.ok(new Date(served.validTo).getTime() > Date.now() + 365 * 86400_000, 'valid for years');
  t.match(served.keyUsage?.join(',') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.1/, 'EKU serverAuth');
  t.match(served.keyUsage?.join(',') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.2/, 'EKU clientAuth');
  t.notOk(served.ca, 'not a CA');
  t.notOk(existsSync(join(d.tb.paths.state, 'httpd', 'https.key')), 'httpd has no key file');
  t.same(plainKeys(d.tb.root), [], 'no plain private key under the device root');
  const old = await new Promise<string>((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port: d.httpsPort, rejectUnauthorized: false, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }, () => resolve('connected'));
    s.on('error', (e) => resolve(e.message));
  });
  t.not(old, 'connected', `TLS 1.1 refused (${old})`);
});

t.test('the crypto policy sets the TLS floor: modern = TLS 1.3 only, without a restart', async (t) => {
  const d = await startDevice(t, { audiod: false });
  const v12 = () =>
    new Promise<string>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port: d.httpsPort, rejectUnauthorized: false, maxVersion: 'TLSv1.2' }, () => {
        resolve('connected');
        s.end();
      });
      s.on('error', (e) => resolve(e.message));
    });
  t.equal(await v12(), 'connected', 'TLS 1.2 by default');
  await d.params.update({ changes: { 'Cert.CryptoPolicy': 'modern' }, level: 'internal' });
  await waitFor('TLS 1.2 refused', async () => (await v12()) !== 'connected');
  t.pass('TLS 1.2 refused under modern');
});

t.test('certd late: HTTP serves at once, HTTPS opens when the certificate arrives', async (t) => {
  const d = await startDevice(t, { audiod: false, certd: false });
  t.equal((await d.req('GET', '/axis-cgi/param.cgi?action=list&group=Brand.ProdNbr')).status, 200, 'HTTP without certd');
  const refused = await rawReqTls(d.httpsPort);
  t.equal(refused, 'ECONNREFUSED', 'no HTTPS listener yet');
  await d.tb.run(certd);
  await waitFor('HTTPS open', async () => (await rawReqTls(d.httpsPort)) === 'connected', 10_000);
  t.equal((await d.req('GET', '/axis-cgi/param.cgi?action=list&group=Brand.ProdNbr', { https: true })).status, 200, 'HTTPS answers');
});

function rawReqTls(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve('connected');
      s.end();
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

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

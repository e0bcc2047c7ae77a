import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { startDevice, type Device } from './device.js';
import { ADMIN, waitFor } from './cgi-helpers.js';

/**
 * certd's web server TLS and 802.1X SOAP operations (§9.4, §9.5) through the real front door with
 * HTTP Digest, as NR calls them: `SetWebServerTlsConfiguration` with `Https` makes plain HTTP
 * answer 301 and HTTPS serve the chosen certificate; `SetDot1XConfiguration` then param.cgi's
 * `dot1x.Enabled=yes` agree with `GetDot1XConfiguration` and param.cgi's list; `Http` sent over
 * HTTPS is answered before HTTPS closes. The operations' details are in certd's in-process tests.
 */

const NS = 'xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:acert="http://www.axis.com/vapix/ws/cert"';
const env = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" ${NS}><SOAP-ENV:Body>${inner}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;
const TDS = 'xmlns="http://www.onvif.org/ver10/device/wsdl"';
const AWEB = 'xmlns="http://www.axis.com/vapix/ws/webserver" xmlns:aweb="http://www.axis.com/vapix/ws/webserver"';
const DOT1X = 'Network.Interface.I0.dot1x';

async function soap(d: Device, inner: string, https = false) {
  return d.digest('POST', '/vapix/services', ADMIN.user, ADMIN.pw, { body: env(inner), headers: { 'Content-Type': 'application/soap+xml; charset=utf-8' }, https });
}
const texts = (body: string, tag: string) => [...body.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);

function served(port: number, tls12Cipher?: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const only12 = tls12Cipher ? { maxVersion: 'TLSv1.2' as const, ciphers: tls12Cipher } : {};
    const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...only12 }, () => {
      const c = s.getPeerX509Certificate()!;
      s.end();
      resolve(c);
    });
    s.on('error', reject);
  });
}

const tlsSet = (admin: string, id?: string) =>
  `<aweb:SetWebServerTlsConfiguration ${AWEB}><Configuration><Tls>${admin !== 'Http'}</Tls><aweb:ConnectionPolicies><aweb:Admin>${admin}</aweb:Admin></aweb:ConnectionPolicies>` +
  `<aweb:Ciphers><acert:Cipher>ECDHE-ECDSA-AES128-GCM-SHA256</acert:Cipher><acert:Cipher>DHE-RSA-AES256-GCM-SHA384</acert:Cipher></aweb:Ciphers>` +
  `${id ? `<aweb:CertificateSet><acert:Certificates><acert:Id>${id}</acert:Id></acert:Certificates><acert:CACertificates></acert:CACertificates><acert:TrustedCertificates></acert:TrustedCertificates></aweb:CertificateSet>` : ''}</Configuration></aweb:SetWebServerTlsConfiguration>`;

t.test('web server TLS and 802.1X over SOAP through the front door', async (t) => {
  const d = await startDevice(t, { audiod: false });
  await d.addAdmin(ADMIN.user, ADMIN.pw);

  // NR: a certificate made on the device, then bound to the web server with Https
  const made = await soap(d, `<CreateCertificate2 xmlns="http://www.axis.com/vapix/ws/certificates"><Id>vms-https</Id><Subject><acert:CN>127.0.0.1</acert:CN></Subject></CreateCertificate2>`);
  t.equal(made.status, 200, made.body);
  const fp = new X509Certificate(Buffer.from(texts(made.body, 'acertificates:Certificate')[0]!, 'base64')).fingerprint256;
  const before = await soap(d, `<GetWebServerTlsConfiguration ${AWEB}/>`);
  t.equal(before.status, 200, before.body);
  t.same(texts(before.body, 'aweb:Admin'), ['HttpAndHttps'], 'the factory policy');
  const set = await soap(d, tlsSet('Https', 'vms-https'));
  t.equal(set.status, 200, set.body);
  t.match(set.body, '<aweb:SetWebServerTlsConfigurationResponse/>');
  const moved = await waitFor('plain HTTP answers 301', async () => {
    const r = await d.req('GET', '/axis-cgi/usergroup.cgi');
    return r.status === 301 ? r : undefined;
  });
  t.equal(moved.headers.location, `https://127.0.0.1:${d.httpsPort}/axis-cgi/usergroup.cgi`);
  const cert = await waitFor('HTTPS serves the chosen certificate', async () => {
    const c = await served(d.httpsPort);
    return c.fingerprint256 === fp ? c : undefined;
  });
  t.match(cert.subject, 'CN=127.0.0.1');
  const read = await soap(d, `<GetWebServerTlsConfiguration ${AWEB}/>`, true);
  t.same(texts(read.body, 'aweb:Admin'), ['Https']);
  t.same(texts(read.body, 'acert:Id'), ['vms-https'], 'exactly one acert:Id, the chosen one');
  t.same(texts(read.body, 'acert:Cipher'), ['ECDHE-ECDSA-AES128-GCM-SHA256', 'DHE-RSA-AES256-GCM-SHA384'], 'ciphers echoed');
  t.equal((await served(d.httpsPort, 'ECDHE-ECDSA-AES128-GCM-SHA256')).fingerprint256, fp, 'TLS 1.2 with a cipher of the list');
  t.equal(await served(d.httpsPort, 'ECDHE-ECDSA-AES256-GCM-SHA384').then(() => 'connected', () => 'refused'), 'refused', 'TLS 1.2 with one not in it');
  const https = await d.digest('GET', '/axis-cgi/param.cgi?action=list&group=HTTPS.Enabled,System.BoaGroupPolicy.viewer,HTTPS.Certificate', ADMIN.user, ADMIN.pw, { https: true });
  t.equal(https.body, 'root.HTTPS.Enabled=yes\nroot.System.BoaGroupPolicy.viewer=https\nroot.HTTPS.Certificate=vms-https\n', 'the same state in the params');
  t.equal((await soap(d, tlsSet('Https', 'nobody'), true)).status, 400, 'an unknown acert:Id: Sender fault');
  // without credentials, on either listener: the challenge, and the owner never sees the request
  for (const secure of [true, false]) {
    const anon = await d.req('POST', '/vapix/services', { body: env(`<CreateCertificate2 xmlns="http://www.axis.com/vapix/ws/certificates"><Id>anon-${secure}</Id></CreateCertificate2>`), headers: { 'Content-Type': 'application/soap+xml' }, https: secure });
    t.equal(anon.status, secure ? 401 : 301, secure ? 'HTTPS: 401' : 'HTTP: 301 first');
  }


  // NR's 802.1X sequence: CA and client certificates, the binding, then param.cgi turns it on
  // the RADIUS server's CA: one of the bundle's, loaded again under its own id
  const caId = 'Radius CA';
  const caData = texts((await soap(d, `<GetCACertificates ${TDS}/>`, true)).body, 'tt:Data')[0]!;
  const load = await soap(d, `<LoadCACertificates ${TDS}><CACertificate><tt:CertificateID>${caId}</tt:CertificateID><tt:Certificate><tt:Data>${caData}</tt:Data></tt:Certificate></CACertificate></LoadCACertificates>`, true);
  t.equal(load.status, 200, load.body);
  const client = await soap(d, `<CreateCertificate2 xmlns="http://www.axis.com/vapix/ws/certificates"><Id>dot1x-client</Id><Subject><acert:CN>belfry-02be1f000001</acert:CN></Subject></CreateCertificate2>`, true);
  t.equal(client.status, 200, client.body);
  const bind = await soap(d, `<tds:SetDot1XConfiguration ${TDS} xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><Dot1XConfiguration><tt:Dot1XConfigurationToken>EAPTLS_WIRED</tt:Dot1XConfigurationToken><tt:Identity>belfry-02be1f000001</tt:Identity><tt:EAPMethod>13</tt:EAPMethod><tt:EAPMethodConfiguration><tt:TLSConfiguration><tt:CertificateID>dot1x-client</tt:CertificateID></tt:TLSConfiguration></tt:EAPMethodConfiguration><tt:CACertificateID>${caId}</tt:CACertificateID></Dot1XConfiguration></tds:SetDot1XConfiguration>`, true);
  t.equal(bind.status, 200, bind.body);
  const on = await d.digest('GET', `/axis-cgi/param.cgi?action=update&${DOT1X}.Enabled=yes&${DOT1X}.EAPOLVersion=2`, ADMIN.user, ADMIN.pw, { https: true });
  t.equal(on.body, 'OK\n');
  const got = await soap(d, `<GetDot1XConfiguration ${TDS}><Dot1XConfigurationToken>EAPTLS_WIRED</Dot1XConfigurationToken></GetDot1XConfiguration>`, true);
  t.equal(got.status, 200, got.body);
  t.same(texts(got.body, 'tt:CertificateID'), ['dot1x-client']);
  t.same(texts(got.body, 'tt:CACertificateID'), [caId]);
  const list = await d.digest('GET', `/axis-cgi/param.cgi?action=list&group=${DOT1X}`, ADMIN.user, ADMIN.pw, { https: true });
  const p = Object.fromEntries(list.body.trim().split('\n').map((l) => l.replace(/^root\./, '').split('=') as [string, string]));
  t.equal(p[`${DOT1X}.Enabled`], 'yes');
  t.equal(p[`${DOT1X}.EAPOLVersion`], '2');
  t.equal(p[`${DOT1X}.EAPTLS.Identity`], texts(got.body, 'tt:Identity')[0], 'GetDot1XConfiguration and param.cgi agree on the identity');
  t.equal(p[`${DOT1X}.Status`], 'Stopped', 'no supplicant yet');
  t.notOk(`${DOT1X}.EAPTLS.PrivateKeyPassword` in p, 'the password is never listed');
  const del = await d.digest('DELETE', '/config/rest/cert/v1/certificates/dot1x-client', ADMIN.user, ADMIN.pw, { https: true });
  t.equal(del.status, 409, 'a bound certificate is not deleted');

  // Http sent over HTTPS: the answer comes first, then HTTPS closes and plain HTTP serves again
  const off = await soap(d, tlsSet('Http'), true);
  t.equal(off.status, 200, off.body);
  await waitFor('HTTPS closed', async () => (await served(d.httpsPort).then(() => false, () => true)) || undefined);
  t.equal((await d.digest('GET', '/axis-cgi/usergroup.cgi', ADMIN.user, ADMIN.pw)).status, 200, 'plain HTTP without a redirect');
  t.same(texts((await soap(d, `<GetWebServerTlsConfiguration ${AWEB}/>`)).body, 'aweb:Tls'), ['false']);

  // (checked last: a request wrongly forwarded would long have been served)
  t.notMatch((await soap(d, `<GetCertificates ${TDS}/>`)).body, 'anon-', 'no certificate made by an anonymous request');
  const audit = readFileSync(join(d.dev.root, 'var/log/belfry/audit-certd.log'), 'utf8');
  for (const a of ['cert.webserver_tls_set', 'cert.https_selected', 'cert.dot1x_bound', 'cert.dot1x_identity_set']) t.match(audit, `"action":"${a}"`, `${a} audited`);
});

import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { answer } from '../src/soap/index.js';
import { FACTORY_HTTPS_ALIAS } from '../src/store/file-store.js';
import { opensslCa, tempDir, testStore } from './helpers.js';

const ENV = (inner: string) => `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${inner}</s:Body></s:Envelope>`;
const TDS = 'xmlns="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"';
const ACS = 'xmlns="http://www.axis.com/vapix/ws/certificates" xmlns:acert="http://www.axis.com/vapix/ws/cert"';

async function soap(t: { teardown(fn: () => void): void }) {
  const dir = tempDir(t);
  const s = await testStore(dir);
  const call = async (inner: string) => answer(Buffer.from(ENV(inner)), s.store, 'root');
  return { ...s, dir, call };
}
const one = (body: string, tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(body)?.[1];

t.test("NR's sequence: list, information, create, CSR, signed by a CA, loaded, selected", async (t) => {
  const { call, store, dir } = await soap(t);
  const list = await call(`<GetCertificates ${TDS}/>`);
  t.equal(list.status, 200);
  t.match(list.body, /<SOAP-ENV:Envelope xmlns:SOAP-ENV="http:\/\/www.w3.org\/2003\/05\/soap-envelope" xmlns:tt=.* xmlns:tds=.* xmlns:acert=.* xmlns:acertificates=.* xmlns:aweb=.* xmlns:ter=/, 'every prefix on the envelope');
  t.match(list.body, `<tds:NvtCertificate><tt:CertificateID>${FACTORY_HTTPS_ALIAS}</tt:CertificateID><tt:Certificate><tt:Data>`);
  const data = one(list.body, 'tt:Data')!;
  t.match(data, /^[A-Za-z0-9+/=]+$/, 'base64 DER on one line, no armour');
  t.ok(new X509Certificate(Buffer.from(data, 'base64')), 'a certificate');
  const info = await call(`<GetCertificateInformation ${TDS}><CertificateID>${FACTORY_HTTPS_ALIAS}</CertificateID></GetCertificateInformation>`);
  t.match(info.body, /<tt:Validity><tt:From>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/tt:From><tt:Until>/, 'Validity always');
  t.match(info.body, /<acert:CertificatePEM>-----BEGIN CERTIFICATE-----/, 'the PEM extension always');

  const created = await call(`<acertificates:CreateCertificate2 ${ACS} xmlns:acertificates="http://www.axis.com/vapix/ws/certificates"><acertificates:Id>vms-https</acertificates:Id><acertificates:Subject><acert:C>SE</acert:C><acert:ST></acert:ST><acert:CN>127.0.0.1</acert:CN></acertificates:Subject><acertificates:ValidNotBefore>2026-01-15T10:00:00</acertificates:ValidNotBefore><acertificates:ValidNotAfter>2027-01-15T10:00:00</acertificates:ValidNotAfter></acertificates:CreateCertificate2>`);
  t.equal(created.status, 200, created.body);
  t.equal(one(created.body, 'acertificates:Id'), 'vms-https');
  const self = new X509Certificate(Buffer.from(one(created.body, 'acertificates:Certificate')!, 'base64'));
  t.match(self.subject, /CN=127.0.0.1/);
  t.equal(self.validFrom.includes('2026'), true, 'ValidNotBefore taken');
  const csr = await call(`<GetPkcs10Request2 ${ACS}><Id>vms-https</Id></GetPkcs10Request2>`);
  const b64 = one(csr.body, 'acertificates:Pkcs10Request')!;
  t.match(b64, /^[A-Za-z0-9+/=]+$/, 'the request on one line');
  const ca = opensslCa(dir);
  const signed = ca.sign(`-----BEGIN CERTIFICATE REQUEST-----\n${b64.replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`, 'IP:127.0.0.1');
  // NR strips the armour lines only: newlines stay in
  const body = signed.replace(/-----[A-Z ]+-----/g, '');
  const loaded = await call(`<LoadCertificates ${TDS}><NVTCertificate><tt:CertificateID>vms-https</tt:CertificateID><tt:Certificate><tt:Data>${body}</tt:Data></tt:Certificate></NVTCertificate></LoadCertificates>`);
  t.equal(loaded.status, 200, loaded.body);
  t.equal(new X509Certificate(store.get('vms-https')!.certificate).issuer, 'CN=Test CA', 'the CA-signed certificate replaced the self-signed one');
  const set = await call(`<SetCertSet ${ACS}><CertSetName>WebServer</CertSetName><CertSet><acert:Certificates><acert:Id>vms-https</acert:Id></acert:Certificates></CertSet></SetCertSet>`);
  t.equal(set.status, 200, set.body);
  t.equal(store.httpsAlias(), 'vms-https', 'selected for HTTPS');
  const got = await call(`<GetCertSet ${ACS}><CertSetName>WebServer</CertSetName></GetCertSet>`);
  t.equal(got.body.match(/<acert:Id>/g)?.length, 1, 'exactly one acert:Id');
  t.match((await call(`<ListCertSets ${ACS}/>`)).body, '<acert:CertSetNames>WebServer</acert:CertSetNames>');
});

t.test('CA certificates, import with a key, delete', async (t) => {
  const { call, store, dir } = await soap(t);
  const ca = opensslCa(dir);
  const der = new X509Certificate(ca.pem).raw.toString('base64');
  const load = (id: string) => call(`<LoadCACertificates ${TDS}><CACertificate><tt:CertificateID>${id}</tt:CertificateID><tt:Certificate><tt:Data>${der}</tt:Data></tt:Certificate></CACertificate></LoadCACertificates>`);
  t.equal((await load('vms-ca')).status, 200);
  t.ok(store.getCa('vms-ca'), 'stored');
  const dup = await load('vms-ca');
  t.equal(dup.status, 400);
  t.match(dup.body, 'the CA certificate ID already exists', 'the reason text RS sorts on');
  t.match((await call(`<GetCACertificates ${TDS}/>`)).body, '<tt:CertificateID>vms-ca</tt:CertificateID>');
  const before = store.list().length;
  const gone = await call(`<DeleteCertificates ${TDS}><CertificateID>vms-ca</CertificateID><CertificateID>nobody</CertificateID></DeleteCertificates>`);
  t.equal(gone.status, 400);
  t.match(gone.body, 'The CertificateID does not exist');
  t.ok(store.getCa('vms-ca'), 'all or nothing: the known one stays');
  t.equal((await call(`<DeleteCertificates ${TDS}><CertificateID>vms-ca</CertificateID></DeleteCertificates>`)).status, 200);
  t.notOk(store.getCa('vms-ca'), 'deleted');
  t.equal(store.list().length, before);
});

t.test('bad input: the right fault, nothing stored', async (t) => {
  const { call, store, dir } = await soap(t);
  const n = store.list().length;
  const info = await call(`<GetCertificateInformation ${TDS}><CertificateID>nobody</CertificateID></GetCertificateInformation>`);
  t.equal(info.status, 400);
  t.match(info.body, 'The CertificateID does not exist');
  const garbage = await call(`<LoadCertificates ${TDS}><NVTCertificate><tt:CertificateID>x</tt:CertificateID><tt:Certificate><tt:Data>%%%not base64</tt:Data></tt:Certificate></NVTCertificate></LoadCertificates>`);
  t.equal(garbage.status, 400);
  t.match(garbage.body, 'not base64');
  const notCert = await call(`<LoadCACertificates ${TDS}><CACertificate><tt:CertificateID>x</tt:CertificateID><tt:Certificate><tt:Data>AAAA</tt:Data></tt:Certificate></CACertificate></LoadCACertificates>`);
  t.match(notCert.body, 'not an X.509 certificate');
  const foreign = new X509Certificate(opensslCa(dir, 'Foreign').pem).raw.toString('base64');
  const ext = await call(`<LoadCertificates ${TDS}><NVTCertificate><tt:CertificateID>x</tt:CertificateID><tt:Certificate><tt:Data>${foreign}</tt:Data></tt:Certificate></NVTCertificate></LoadCertificates>`);
  t.equal(ext.status, 400, 'a certificate for no on-device key');
  t.match(ext.body, 'no on-device key matches');
  const bomb = await answer(Buffer.from(`<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>${ENV(`<GetCertificates ${TDS}>&b;</GetCertificates>`)}`), store, 'root');
  t.equal(bomb.status, 400);
  t.match(bomb.body, 'ter:WellFormed');
  const unsupported = await call(`<GetSomething ${TDS}/>`);
  t.equal(unsupported.status, 500);
  t.match(unsupported.body, 'ter:ActionNotSupported');
  t.match((await call(`<CreateCertificate2 ${ACS}><Id>${'x'.repeat(129)}</Id></CreateCertificate2>`)).body, 'longer than 128');
  t.match((await call(`<SetCertSet ${ACS}><CertSetName>WebServer</CertSetName><CertSet><acert:Certificates><acert:Id>nobody</acert:Id></acert:Certificates></CertSet></SetCertSet>`)).body, /Fault/);
  t.equal(store.httpsAlias(), FACTORY_HTTPS_ALIAS, 'selection unchanged');
  t.equal(store.list().length, n, 'nothing stored');
});

import t from 'tap';
import { answer } from '../src/soap/index.js';
import { CIPHER_MAX, MAX_CIPHERS, MAX_SET_CAS } from '../src/soap/webserver.js';
import { FACTORY_HTTPS_ALIAS } from '../src/store/file-store.js';
import { opensslCa, paramsEnv, tempDir } from './helpers.js';

/** aweb:Get/SetWebServerTlsConfiguration (§9.4) in process: a real param store, a temporary certificate store. */

const ENV = (inner: string) => `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${inner}</s:Body></s:Envelope>`;
const AWEB = 'xmlns="http://www.axis.com/vapix/ws/webserver" xmlns:aweb="http://www.axis.com/vapix/ws/webserver" xmlns:acert="http://www.axis.com/vapix/ws/cert"';
const EIGHT = ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305', 'DHE-RSA-AES128-GCM-SHA256', 'DHE-RSA-AES256-GCM-SHA384'];

async function setup(t: { teardown(fn: () => void): void }) {
  const dir = tempDir(t);
  const s = await paramsEnv(dir);
  const call = (inner: string) => answer(Buffer.from(ENV(inner)), s.store, 'root', s.env);
  const get = async () => (await call(`<GetWebServerTlsConfiguration ${AWEB}/>`)).body;
  const params = () => s.db.get(['HTTPS.Enabled', 'System.BoaGroupPolicy.admin', 'System.BoaGroupPolicy.operator', 'System.BoaGroupPolicy.viewer', 'HTTPS.Ciphers', 'HTTPS.Certificate'], 'internal');
  return { ...s, dir, call, get, params };
}

/** KF's SetHttpsBinding.xml, with the certificate, the policy and the ciphers given. */
const setReq = (o: { id?: string; admin?: string; tls?: string; ciphers?: string[]; cas?: string[]; ids?: string[] }) =>
  `<aweb:SetWebServerTlsConfiguration ${AWEB}><Configuration>${o.tls === undefined ? '' : `<Tls>${o.tls}</Tls>`}` +
  `${o.admin === undefined ? '' : `<aweb:ConnectionPolicies><aweb:Admin>${o.admin}</aweb:Admin></aweb:ConnectionPolicies>`}` +
  `${o.ciphers ? `<aweb:Ciphers>${o.ciphers.map((c) => `<acert:Cipher>${c}</acert:Cipher>`).join('')}</aweb:Ciphers>` : ''}` +
  `<aweb:CertificateSet><acert:Certificates>${(o.ids ?? (o.id ? [o.id] : [])).map((i) => `<acert:Id>${i}</acert:Id>`).join('')}</acert:Certificates><acert:CACertificates>${(o.cas ?? []).map((i) => `<acert:Id>${i}</acert:Id>`).join('')}</acert:CACertificates><acert:TrustedCertificates></acert:TrustedCertificates></aweb:CertificateSet></Configuration></aweb:SetWebServerTlsConfiguration>`;

t.test('the factory state read in the AXIS OS 12.11 shape, exactly one acert:Id', async (t) => {
  const { get } = await setup(t);
  const body = await get();
  t.match(body, '<aweb:GetWebServerTlsConfigurationResponse><aweb:Configuration name="WebServer"><aweb:Tls>true</aweb:Tls><aweb:ConnectionPolicies><aweb:Admin>HttpAndHttps</aweb:Admin></aweb:ConnectionPolicies>');
  t.equal(body.match(/<acert:Cipher>/g)?.length, 8, 'the eight ciphers of the default');
  t.equal(body.match(/<acert:Id>/g)?.length, 1, 'one acert:Id in the whole document');
  t.match(body, `<acert:Certificates><acert:Id>${FACTORY_HTTPS_ALIAS}</acert:Id></acert:Certificates><acert:CACertificates></acert:CACertificates><acert:TrustedCertificates></acert:TrustedCertificates>`);
  t.match(body, /xmlns:aweb="http:\/\/www.axis.com\/vapix\/ws\/webserver"/, 'aweb declared on the envelope');
});

t.test("KF's binding: Https with a new certificate, one batch, audited, TLS held until the reply is out", async (t) => {
  const { call, get, params, store, audits, holds } = await setup(t);
  await store.create({ alias: 'vms-https', subject: 'CN=vms' }, { via: 'system' });
  const r = await call(setReq({ id: 'vms-https', admin: 'Https', tls: 'true', ciphers: EIGHT.slice(0, 3) }));
  t.equal(r.status, 200, r.body);
  t.match(r.body, '<aweb:SetWebServerTlsConfigurationResponse/>');
  t.same(params(), { 'HTTPS.Enabled': 'yes', 'System.BoaGroupPolicy.admin': 'https', 'System.BoaGroupPolicy.operator': 'https', 'System.BoaGroupPolicy.viewer': 'https', 'HTTPS.Ciphers': EIGHT.slice(0, 3).join(':'), 'HTTPS.Certificate': 'vms-https' }, 'every role, the ciphers stored, the certificate selected');
  t.equal(holds.taken, 1, 'the TLS reload held');
  t.equal(holds.released, 0, 'until the answer is sent');
  t.equal(r.after.length, 1);
  for (const fn of r.after) fn();
  t.equal(holds.released, 1, 'released once sent');
  t.match(audits.find((a) => a.action === 'cert.webserver_tls_set')?.fields, { certificate: 'vms-https', 'System.BoaGroupPolicy.admin': 'https', user: 'root', via: 'soap' });
  const body = await get();
  t.match(body, '<aweb:Admin>Https</aweb:Admin>');
  t.match(body, '<acert:Id>vms-https</acert:Id>');
  t.same([...body.matchAll(/<acert:Cipher>([^<]+)</g)].map((m) => m[1]), EIGHT.slice(0, 3), 'ciphers echoed');
});

t.test('HttpAndHttps (NR), Http and Tls=false turn HTTPS off, Tls=true turns it on again', async (t) => {
  const { call, get, params } = await setup(t);
  t.equal((await call(setReq({ admin: 'Http' }))).status, 200);
  t.equal(params()['System.BoaGroupPolicy.viewer'], 'http');
  t.match(await get(), '<aweb:Tls>false</aweb:Tls><aweb:ConnectionPolicies><aweb:Admin>Http</aweb:Admin>');
  t.equal((await call(setReq({ admin: 'HttpAndHttps' }))).status, 200);
  t.match(params(), { 'HTTPS.Enabled': 'yes', 'System.BoaGroupPolicy.admin': 'both' });
  t.equal((await call(setReq({ tls: 'false' }))).status, 200);
  t.equal(params()['HTTPS.Enabled'], 'no');
  t.match(await get(), '<aweb:Tls>false</aweb:Tls><aweb:ConnectionPolicies><aweb:Admin>Http</aweb:Admin>', 'HTTPS off reads as Http');
  t.equal((await call(setReq({ tls: 'true' }))).status, 200);
  t.match(await get(), '<aweb:Tls>true</aweb:Tls><aweb:ConnectionPolicies><aweb:Admin>HttpAndHttps</aweb:Admin>');
  const same = await call(setReq({ admin: 'HttpAndHttps', id: FACTORY_HTTPS_ALIAS }));
  t.equal(same.status, 200, 'nothing to change is fine');
  t.equal(same.after.length, 0, 'and reloads nothing');
});

t.test('bad input: the Sender fault, nothing changed', async (t) => {
  const { call, params, store, dir } = await setup(t);
  const ca = opensslCa(dir);
  await store.addCa({ alias: 'ca', certificate: ca.pem }, { via: 'system' });
  await store.create({ alias: 'other', subject: 'CN=o' }, { via: 'system' });
  const before = params();
  const bad = async (what: string, inner: string, reason: RegExp | string) => {
    const r = await call(inner);
    t.equal(r.status, 400, what);
    t.match(r.body, /<SOAP-ENV:Value>SOAP-ENV:Sender<\/SOAP-ENV:Value>/, `${what}: Sender`);
    t.match(r.body, reason, `${what}: the reason`);
    t.equal(r.after.length, 0, `${what}: no reload`);
  };
  await bad('unknown acert:Id', setReq({ id: 'nobody', admin: 'Https' }), 'The CertificateID does not exist: nobody');
  await bad('two acert:Id', setReq({ ids: ['other', FACTORY_HTTPS_ALIAS], admin: 'Https' }), 'exactly one certificate Id');
  await bad('a CA id that does not exist', setReq({ id: 'other', cas: ['nope'] }), 'The CertificateID does not exist: nope');
  await bad(`${MAX_SET_CAS + 1} CA ids`, setReq({ id: 'other', cas: Array(MAX_SET_CAS + 1).fill('ca') }), `at most ${MAX_SET_CAS}`);
  await bad('unknown Admin', setReq({ admin: 'Ftp', id: 'other' }), 'Admin must be Https, HttpAndHttps or Http');
  await bad('Tls not a boolean', setReq({ tls: 'maybe', id: 'other' }), 'Tls must be true or false');
  await bad('Tls=false with Https', setReq({ tls: 'false', admin: 'Https', id: 'other' }), 'contradicts');
  await bad('Tls=true with Http', setReq({ tls: 'true', admin: 'Http', id: 'other' }), 'contradicts');
  await bad(`${MAX_CIPHERS + 1} ciphers`, setReq({ ciphers: Array.from({ length: MAX_CIPHERS + 1 }, (_, i) => `C${i}`), id: 'other' }), `at most ${MAX_CIPHERS} Cipher`);
  await bad('a cipher name too long', setReq({ ciphers: ['A'.repeat(CIPHER_MAX + 1)], id: 'other' }), `1–${CIPHER_MAX}`);
  await bad('a cipher with a colon', setReq({ ciphers: ['A:B'], id: 'other' }), 'Cipher');
  await bad('no Configuration', `<SetWebServerTlsConfiguration ${AWEB}/>`, 'Configuration is required');
  t.same(params(), before, 'nothing changed');
  // at the limits: accepted
  const max = Array.from({ length: MAX_CIPHERS }, (_, i) => `${'C'.repeat(CIPHER_MAX - 3)}${String(i).padStart(3, '0')}`);
  const ok = await call(setReq({ ciphers: max, cas: Array(MAX_SET_CAS).fill('ca'), id: 'other' }));
  t.equal(ok.status, 200, `${MAX_CIPHERS} ciphers of ${CIPHER_MAX} characters, ${MAX_SET_CAS} CA ids`);
  t.equal(params()['HTTPS.Ciphers'], max.join(':'), 'stored whole');
  t.equal(params()['HTTPS.Certificate'], 'other');
});

t.test('without the daemon the operation is an internal error, not a crash; garbage XML', async (t) => {
  const dir = tempDir(t);
  const s = await paramsEnv(dir);
  const gone = await answer(Buffer.from(ENV(`<GetWebServerTlsConfiguration ${AWEB}/>`)), s.store, 'root');
  t.equal(gone.status, 500);
  t.match(gone.body, 'Receiver');
  const garbage = await answer(Buffer.from('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><GetWebServerTlsConfiguration'), s.store, 'root', s.env);
  t.equal(garbage.status, 400, 'garbage XML');
  t.match(garbage.body, 'ter:WellFormed');
});

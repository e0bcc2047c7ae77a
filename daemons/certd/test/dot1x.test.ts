import t from 'tap';
import { join } from 'node:path';
import { sim } from '@belfry/board';
import { answer } from '../src/soap/index.js';
import { IDENTITY, IDENTITY_MAX } from '../src/soap/dot1x.js';
import { provisionSimDeviceId } from '../src/store/device-id.js';
import { DEVICE_ID_ALIAS, deviceIdSource } from '../src/store/device-id-source.js';
import { MAX_DOT1X_CAS } from '../src/store/file-store.js';
import { code, opensslCa, paramsEnv, tempDir } from './helpers.js';

/** ONVIF Get/SetDot1XConfiguration (§9.5) in process: the binding in the store, the identity a real param. */

const ENV = (inner: string) => `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${inner}</s:Body></s:Envelope>`;
const TDS = 'xmlns="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"';
const GET = (token = 'EAPTLS_WIRED') => `<GetDot1XConfiguration ${TDS}><Dot1XConfigurationToken>${token}</Dot1XConfigurationToken></GetDot1XConfiguration>`;
const who = { user: 'root', via: 'rest' as const };

/** NR's request (CACertificateID after EAPMethodConfiguration), or KF's (before) with `caFirst`. */
function setReq(o: { token?: string; identity?: string; method?: string; cert?: string | string[]; cas?: string[]; caFirst?: boolean; noConf?: boolean }) {
  if (o.noConf) return `<tds:SetDot1XConfiguration ${TDS} xmlns:tds="http://www.onvif.org/ver10/device/wsdl"/>`;
  const cas = (o.cas ?? []).map((c) => `<tt:CACertificateID>${c}</tt:CACertificateID>`).join('');
  const certs = (o.cert === undefined ? [] : Array.isArray(o.cert) ? o.cert : [o.cert]).map((c) => `<tt:CertificateID>${c}</tt:CertificateID>`).join('');
  const method = `<tt:EAPMethodConfiguration><tt:TLSConfiguration>${certs}</tt:TLSConfiguration></tt:EAPMethodConfiguration>`;
  return `<tds:SetDot1XConfiguration ${TDS} xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><Dot1XConfiguration><tt:Dot1XConfigurationToken>${o.token ?? 'EAPTLS_WIRED'}</tt:Dot1XConfigurationToken><tt:Identity>${o.identity ?? 'belfry-02be1f000001'}</tt:Identity><tt:EAPMethod>${o.method ?? '13'}</tt:EAPMethod>${o.caFirst ? cas + method : method + cas}</Dot1XConfiguration></tds:SetDot1XConfiguration>`;
}

async function setup(t: { teardown(fn: () => void): void }) {
  const dir = tempDir(t);
  const security = sim.simSecurity(join(dir, 'factory'), '02BE1F000001');
  await provisionSimDeviceId(security, '02BE1F000001');
  const s = await paramsEnv(dir, { deviceId: await deviceIdSource(security) });
  const call = (inner: string) => answer(Buffer.from(ENV(inner)), s.store, 'root', s.env);
  const ca = opensslCa(dir, 'Radius CA');
  await s.store.addCa({ alias: 'radius-ca', certificate: ca.pem }, who);
  await s.store.create({ alias: 'dot1x-client', subject: 'CN=speaker-client' }, who);
  return { ...s, dir, call };
}
const texts = (body: string, tag: string) => [...body.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);

t.test('unconfigured: 200 with exactly one empty tt:CertificateID', async (t) => {
  const { call } = await setup(t);
  const r = await call(GET());
  t.equal(r.status, 200);
  t.match(r.body, '<tds:GetDot1XConfigurationResponse><tds:Dot1XConfiguration><tt:Dot1XConfigurationToken>EAPTLS_WIRED</tt:Dot1XConfigurationToken><tt:Identity></tt:Identity><tt:EAPMethod>13</tt:EAPMethod><tt:EAPMethodConfiguration><tt:TLSConfiguration><tt:CertificateID></tt:CertificateID></tt:TLSConfiguration></tt:EAPMethodConfiguration>');
  t.equal(r.body.match(/<tt:CertificateID>/g)?.length, 1, 'one tt:CertificateID');
});

t.test("NR's and KF's sets: alias or common name, CA before or after, read back; Enabled unchanged", async (t) => {
  const { call, store, db, audits } = await setup(t);
  const nr = await call(setReq({ cert: 'dot1x-client', cas: ['radius-ca'] }));
  t.equal(nr.status, 200, nr.body);
  t.match(nr.body, '<tds:SetDot1XConfigurationResponse/>');
  t.same(store.dot1x(), { client: 'dot1x-client', ca: ['radius-ca'] });
  t.equal(db.get([IDENTITY], 'internal')[IDENTITY], 'belfry-02be1f000001', 'the identity is the param');
  const got = (await call(GET())).body;
  t.same(texts(got, 'tt:CertificateID'), ['dot1x-client']);
  t.same(texts(got, 'tt:CACertificateID'), ['radius-ca']);
  t.same(texts(got, 'tt:Identity'), ['belfry-02be1f000001']);
  t.ok(got.indexOf('<tt:CACertificateID>') < got.indexOf('<tt:EAPMethodConfiguration>'), 'answered in the schema order');
  // KF: the literal identity, CA first, names by common name
  t.equal((await call(setReq({ identity: 'identity', cert: 'speaker-client', cas: ['Radius CA', 'radius-ca'], caFirst: true }))).status, 200);
  t.same(store.dot1x(), { client: 'dot1x-client', ca: ['radius-ca'] }, 'common names resolved to aliases, duplicates once');
  t.equal(db.get(['Network.Interface.I0.dot1x.Enabled'], 'internal')['Network.Interface.I0.dot1x.Enabled'], 'no', 'Enabled left alone');
  // the device ID is an 802.1AR identity: bindable here (and never for HTTPS)
  t.equal((await call(setReq({ cert: DEVICE_ID_ALIAS }))).status, 200);
  t.same(store.dot1x(), { client: DEVICE_ID_ALIAS, ca: [] }, 'a set is the whole configuration: no CA given, none bound');
  const https = await call(`<SetWebServerTlsConfiguration xmlns="http://www.axis.com/vapix/ws/webserver"><Configuration><CertificateSet><Certificates><Id>${DEVICE_ID_ALIAS}</Id></Certificates></CertificateSet></Configuration></SetWebServerTlsConfiguration>`);
  t.equal(https.status, 400, 'but not for the web server');
  t.match(https.body, 'not for HTTPS');
  // unbinding: an empty CertificateID
  t.equal((await call(setReq({ cert: '' }))).status, 200);
  t.same(texts((await call(GET())).body, 'tt:CertificateID'), [''], 'one empty CertificateID again');
  t.ok(audits.some((a) => a.action === 'cert.dot1x_identity_set' && a.fields.identity === 'identity' && a.fields.via === 'soap'), 'identity audited');
  t.equal((await call(setReq({ cert: 'dot1x-client', cas: ['radius-ca'] }))).status, 200);
  await store.factoryReset(who);
  t.same(store.dot1x(), { client: '', ca: [] }, 'a factory default (every certificate gone) unbinds');
});

t.test('bound certificates are not deleted; unbound they are', async (t) => {
  const { call, store } = await setup(t);
  await call(setReq({ cert: 'dot1x-client', cas: ['radius-ca'] }));
  t.equal(await code(store.delete('dot1x-client', who)), 'failed_precondition', 'the client certificate');
  t.equal(await code(store.deleteCa('radius-ca', who)), 'failed_precondition', 'the CA');
  const del = await call(`<DeleteCertificates ${TDS}><CertificateID>radius-ca</CertificateID></DeleteCertificates>`);
  t.equal(del.status, 400, 'SOAP DeleteCertificates refused');
  t.match(del.body, 'in use by 802.1X');
  t.ok(store.getCa('radius-ca'), 'kept');
  await call(setReq({ cert: '' }));
  t.equal(await code(store.delete('dot1x-client', who)), 'ok', 'unbound: deleted');
  t.equal(await code(store.deleteCa('radius-ca', who)), 'ok');
});

t.test('bad input: Sender faults, nothing changed; the plural operation faults', async (t) => {
  const { call, store, db } = await setup(t);
  t.equal((await call(setReq({ cert: 'dot1x-client', cas: ['radius-ca'] }))).status, 200);
  const before = { b: store.dot1x(), id: db.get([IDENTITY], 'internal') };
  const bad = async (what: string, inner: string, reason: string) => {
    const r = await call(inner);
    t.equal(r.status, 400, what);
    t.match(r.body, 'SOAP-ENV:Sender', what);
    t.match(r.body, reason, `${what}: ${reason}`);
  };
  await bad('Get with another token', GET('EAPPEAP_WIRED'), 'the device has EAPTLS_WIRED');
  await bad('Get without a token', `<GetDot1XConfiguration ${TDS}/>`, 'the device has EAPTLS_WIRED');
  await bad('Set with another token', setReq({ token: 'WIFI', cert: 'dot1x-client' }), 'the device has EAPTLS_WIRED');
  await bad('an unknown certificate', setReq({ cert: 'nobody', identity: 'changed' }), 'The CertificateID does not exist: nobody');
  await bad('a CA id that is a client certificate', setReq({ cert: 'dot1x-client', cas: ['dot1x-client'], identity: 'changed' }), 'The CertificateID does not exist: dot1x-client');
  await bad('a CA certificate as the client one (no key)', setReq({ cert: 'radius-ca', identity: 'changed' }), 'The CertificateID does not exist: radius-ca');
  await bad('two CertificateID', setReq({ cert: ['dot1x-client', 'dot1x-client'] }), 'exactly one CertificateID');
  await bad(`${MAX_DOT1X_CAS + 1} CA ids`, setReq({ cert: 'dot1x-client', cas: Array(MAX_DOT1X_CAS + 1).fill('radius-ca') }), `at most ${MAX_DOT1X_CAS}`);
  await bad('another EAP method (PEAP)', setReq({ cert: 'dot1x-client', method: '25' }), 'EAP-TLS (13)');
  await bad(`an identity of ${IDENTITY_MAX + 1}`, setReq({ cert: 'dot1x-client', identity: 'i'.repeat(IDENTITY_MAX + 1) }), `at most ${IDENTITY_MAX}`);
  await bad('an identity with a control character', setReq({ cert: 'dot1x-client', identity: 'a&#x1;b' }), 'no control characters');
  await bad('no Dot1XConfiguration', setReq({ noConf: true }), 'Dot1XConfiguration is required');
  t.same({ b: store.dot1x(), id: db.get([IDENTITY], 'internal') }, before, 'nothing changed');
  t.equal((await call(setReq({ cert: 'dot1x-client', cas: Array(MAX_DOT1X_CAS).fill('radius-ca'), identity: 'i'.repeat(IDENTITY_MAX) }))).status, 200, 'at the limits');
  const plural = await call(`<GetDot1XConfigurations ${TDS}/>`);
  t.equal(plural.status, 500);
  t.match(plural.body, 'ter:ActionNotSupported', 'GetDot1XConfigurations faults, as on AXIS OS 12.11');
});

t.test('the EAPTLS_WIRED certificate set (acertificates, T3) is the same binding', async (t) => {
  const { call, store } = await setup(t);
  const ACS = 'xmlns="http://www.axis.com/vapix/ws/certificates" xmlns:acert="http://www.axis.com/vapix/ws/cert"';
  t.match((await call(`<ListCertSets ${ACS}/>`)).body, '<acert:CertSetNames>WebServer</acert:CertSetNames><acert:CertSetNames>EAPTLS_WIRED</acert:CertSetNames>');
  const set = (client: string[], cas: string[]) => call(`<SetCertSet ${ACS}><CertSetName>EAPTLS_WIRED</CertSetName><CertSet><acert:Certificates>${client.map((c) => `<acert:Id>${c}</acert:Id>`).join('')}</acert:Certificates><acert:CACertificates>${cas.map((c) => `<acert:Id>${c}</acert:Id>`).join('')}</acert:CACertificates></CertSet></SetCertSet>`);
  t.equal((await set(['dot1x-client'], ['radius-ca'])).status, 200);
  t.same(store.dot1x(), { client: 'dot1x-client', ca: ['radius-ca'] });
  const got = (await call(`<GetCertSet ${ACS}><CertSetName>EAPTLS_WIRED</CertSetName></GetCertSet>`)).body;
  t.match(got, '<acert:Certificates><acert:Id>dot1x-client</acert:Id></acert:Certificates><acert:CACertificates><acert:Id>radius-ca</acert:Id></acert:CACertificates>');
  t.same(texts((await call(GET())).body, 'tt:CertificateID'), ['dot1x-client'], 'GetDot1XConfiguration agrees');
  const bad = await set(['dot1x-client'], ['nope']);
  t.equal(bad.status, 400);
  t.match(bad.body, 'The CertificateID does not exist');
  t.equal((await set(['dot1x-client', 'dot1x-client'], [])).status, 400, 'two client certificates');
  t.equal((await set(['dot1x-client'], Array(MAX_DOT1X_CAS + 1).fill('radius-ca'))).status, 400, `${MAX_DOT1X_CAS + 1} CA ids`);
  t.same(store.dot1x(), { client: 'dot1x-client', ca: ['radius-ca'] }, 'unchanged by the refused sets');
  t.equal((await set([], [])).status, 200, 'empty: unbound');
  t.same(store.dot1x(), { client: '', ca: [] });
});

t.test('an acknowledged binding survives a restart (the store and the param on disk)', async (t) => {
  const { call, dir, kek } = await setup(t);
  t.equal((await call(setReq({ cert: 'dot1x-client', cas: ['radius-ca'], identity: 'kept' }))).status, 200);
  // certd and paramd again on the same files, as after a crash
  const again = await paramsEnv(dir, { kek });
  t.same(again.store.dot1x(), { client: 'dot1x-client', ca: ['radius-ca'] });
  t.equal(again.db.get([IDENTITY], 'internal')[IDENTITY], 'kept');
});

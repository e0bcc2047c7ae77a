import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { callerHeaders, routeServer } from '@belfry/core/http';
import { REST_ROUTES } from '../src/contract/rest.js';
import { restHandlers } from '../src/rest/handlers.js';
import { FACTORY_HTTPS_ALIAS } from '../src/store/file-store.js';
import { openssl, opensslCa, tempDir, testStore } from './helpers.js';

/** The REST handlers in process (§9.2), behind core's route layer as certd serves them, with the front door's forwarded caller. */
async function api(t: { teardown(fn: () => void): void }) {
  const dir = tempDir(t);
  const s = await testStore(dir);
  const app = routeServer(REST_ROUTES, { ...restHandlers(s.store, '/config/rest/cert/v1'), ...restHandlers(s.store, '/config/rest/cert/v1beta') });
  t.teardown(() => void app.close());
  const call = async (method: string, url: string, data?: unknown, role: 'viewer' | 'operator' | 'admin' = 'admin', raw?: string) => {
    const r = await app.inject({ method: method as 'GET', url, headers: { ...callerHeaders({ user: 'root', role, via: 'digest', ptz: false, proto: 'https', addr: '127.0.0.1' }), 'content-type': 'application/json' }, payload: raw ?? (data === undefined ? undefined : JSON.stringify({ data })) });
    return { status: r.statusCode, json: JSON.parse(r.body) };
  };
  return { ...s, dir, call };
}

const V1 = '/config/rest/cert/v1';

t.test('reads: lists, items by percent-decoded alias, keystores, settings; v1beta the same', async (t) => {
  const { call } = await api(t);
  const list = await call('GET', `${V1}/certificates`, undefined, 'viewer');
  t.equal(list.status, 200);
  t.equal(list.json.status, 'success');
  t.same(Object.keys(list.json.data[0]), ['alias', 'certificate', 'keystore']);
  const one = await call('GET', `${V1}/certificates/${encodeURIComponent(FACTORY_HTTPS_ALIAS)}`, undefined, 'viewer');
  t.equal(one.json.data.alias, FACTORY_HTTPS_ALIAS, 'the key percent-decoded');
  t.same((await call('GET', '/config/rest/cert/v1beta/certificates', undefined, 'viewer')).json, list.json, 'v1beta answers the same');
  const ks = (await call('GET', `${V1}/keystores`, undefined, 'viewer')).json.data;
  t.match(ks, [{ id: 'SOFTWARE0', security_level: 'SOFTWARE', certifications: [] }]);
  t.notOk(ks[0].key_types.includes('RSA-1024'), 'key types of the policy');
  t.equal((await call('GET', `${V1}/keystores/SOFTWARE0`, undefined, 'viewer')).json.data.id, 'SOFTWARE0');
  t.equal((await call('GET', `${V1}/keystores/TPM0`, undefined, 'viewer')).status, 404);
  t.same((await call('GET', `${V1}/settings`, undefined, 'viewer')).json, { status: 'success', data: { keystore: 'SOFTWARE0' } });
  t.same((await call('GET', `${V1}/settings/keystore`, undefined, 'viewer')).json, { status: 'success', data: 'SOFTWARE0' });
  const all = (await call('GET', V1, undefined, 'viewer')).json.data;
  t.ok(all.certificates.length === 1 && all.ca_certificates.length > 100 && all.keystores.length === 1, 'the root holds everything');
  t.same((await call('GET', `${V1}/certificates/${encodeURIComponent(FACTORY_HTTPS_ALIAS)}/keystore`, undefined, 'viewer')).json, { status: 'success', data: 'SOFTWARE0' }, 'a property');
  t.equal((await call('GET', `${V1}/certificates/${encodeURIComponent(FACTORY_HTTPS_ALIAS)}/private_key`, undefined, 'viewer')).status, 404, 'no private_key property to read');
  const nf = await call('GET', `${V1}/certificates/nope`, undefined, 'viewer');
  t.equal(nf.status, 404);
  t.match(nf.json, { status: 'error', error: { code: 1, message: /^Resource not found: / } });
});

t.test('writes: admin only; create, CSR, PATCH and the ≤ 11.10 PUT, POST certificates 201, delete; errors in the config-rest shape', async (t) => {
  const { call, dir } = await api(t);
  for (const role of ['viewer', 'operator'] as const) {
    const r = await call('POST', `${V1}/create_certificate`, { alias: 'x', subject: 'CN=x' }, role);
    t.equal(r.status, 403, `${role} refused`);
    t.match(r.json, { status: 'error', error: { code: 3 } });
  }
  t.same((await call('POST', `${V1}/create_certificate`, { alias: 'a b/c?', subject: 'CN=a' })).json, { status: 'error', error: { code: 5, message: "Validation error: alias: 1–128 characters, no control characters or '/'" } }, "an alias with '/' refused");
  t.same((await call('PUT', `${V1}/create_certificate`, { alias: 'a b', subject: 'CN=a', key_type: 'EC-P384', valid_from: 0, valid_to: 0 })).json, { status: 'success' }, 'PUT (≤ 11.10) creates too');
  const dup = await call('POST', `${V1}/create_certificate`, { alias: 'a b', subject: 'CN=a' });
  t.equal(dup.status, 409);
  t.equal(dup.json.error.code, 6);
  t.equal((await call('POST', `${V1}/create_certificate`, { alias: 'u', subject: 'CN=u', extra: 1 })).status, 400, 'unknown fields refused');
  t.equal((await call('POST', `${V1}/create_certificate`, { alias: 'u', subject: 7 })).status, 400, 'wrong types refused');
  t.equal((await call('POST', `${V1}/create_certificate`, undefined, 'admin', '{nope')).json.error.code, 2, 'not JSON: code 2');
  const csr = await call('PUT', `${V1}/certificates/a%20b/get_csr`, {});
  t.match(csr.json.data, /^-----BEGIN CERTIFICATE REQUEST-----\n/, 'get_csr by PUT too');
  const ca = opensslCa(dir);
  const signed = ca.sign(csr.json.data, 'DNS:a.example');
  t.same((await call('PUT', `${V1}/certificates/a%20b`, { certificate: signed })).json, { status: 'success' }, 'PUT replaces (≤ 11.10)');
  t.match((await call('PATCH', `${V1}/certificates/a%20b`, { certificate: ca.pem })).json, { status: 'error', error: { code: 5 } }, 'PATCH with another key refused');
  t.same((await call('PATCH', `${V1}/certificates/a%20b/certificate`, signed)).json, { status: 'success' }, 'PATCH of the certificate property');
  t.equal((await call('PATCH', `${V1}/certificates/a%20b/certificate`, signed, 'operator')).status, 403);
  t.equal((await call('PATCH', `${V1}/certificates/a%20b/keystore`, 'SOFTWARE0')).status, 400, 'keystore is not settable');
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'i.key', '-out', 'i.pem', '-subj', '/CN=i', '-days', '5'], dir);
  const imported = await call('POST', `${V1}/certificates`, { alias: 'imp', certificate: readFileSync(join(dir, 'i.pem'), 'utf8'), private_key: readFileSync(join(dir, 'i.key'), 'utf8') });
  t.equal(imported.status, 201);
  t.equal(new X509Certificate((await call('GET', `${V1}/certificates/imp`)).json.data.certificate).subject, 'CN=i');
  t.equal((await call('POST', `${V1}/ca_certificates`, { alias: 'ca1', certificate: ca.pem })).status, 201);
  t.equal((await call('PATCH', `${V1}/settings/keystore`, 'TPM0')).status, 400, 'only SOFTWARE0');
  t.equal((await call('PATCH', `${V1}/settings/keystore`, 'SOFTWARE0')).status, 200);
  t.equal((await call('DELETE', `${V1}/certificates/imp`)).status, 200);
  t.equal((await call('DELETE', `${V1}/certificates/imp`)).status, 404);
  t.equal((await call('DELETE', `${V1}/ca_certificates/ca1`)).status, 200);
  t.equal((await call('POST', `${V1}/install_from_pkcs12`, { alias: 'p', pkcs12: '!!!', passphrase: 'x' })).status, 400, 'not base64');
});

import type { HttpMethod, RouteSpec } from '@belfry/core/contract';

/**
 * `/config/rest/cert/v1` (§9.2) and the same under `v1beta` (KF uses it; AXIS OS 12.11 still answers
 * it). Reads are viewer, writes admin: the route's least role is viewer and the handler refuses
 * writes below admin (documented per method). Bodies are JSON `{"data": …}`.
 */
export const CERT_API_ID = 'cert';
export const CERT_API_VERSION = '1.1.2';
/** request bodies: 64 KiB, a PKCS#12 upload (base64 in JSON) 256 KiB */
export const REST_BODY_LIMIT = 64 * 1024;
export const PKCS12_BODY_LIMIT = 256 * 1024;

const READ: readonly HttpMethod[] = ['GET'];
const WRITE_ITEM: readonly HttpMethod[] = ['GET', 'PATCH', 'PUT', 'DELETE'];
const ACTION: readonly HttpMethod[] = ['POST', 'PUT'];
const WRITE_PROP: readonly HttpMethod[] = ['GET', 'PATCH', 'PUT'];
const adminWrites = (methods: readonly HttpMethod[]) => Object.fromEntries(methods.filter((m) => m !== 'GET').map((m) => [m, { access: 'admin' as const }]));

type Probe = RouteSpec['probe'];

function restRoutes(base: string, state: 'released' | 'beta'): RouteSpec[] {
  const configApi = { id: CERT_API_ID, major: 1, version: CERT_API_VERSION, state };
  const get = (path: string): Probe => ({ method: 'GET', url: `${base}${path}`, needs: 'viewer' });
  const post = (path: string, data: unknown): Probe => ({ method: 'POST', url: `${base}${path}`, body: JSON.stringify({ data }), contentType: 'application/json', needs: 'admin' });
  const route = (path: string, methods: readonly HttpMethod[], summary: string, probe: Probe, bodyLimit = REST_BODY_LIMIT): RouteSpec => ({
    path: `${base}${path}`,
    methods,
    access: 'viewer',
    errors: 'config-rest',
    bodyLimit,
    summary,
    configApi,
    ...(methods.some((m) => m !== 'GET') ? { schema: adminWrites(methods) } : {}),
    probe,
  });
  const factory = '/certificates/Belfry%20default%20HTTPS';
  return [
    route('', READ, 'the whole certificate API: certificates, CA certificates, keystores, settings', get('')),
    route('/certificates', ['GET', 'POST'], 'client certificates with their keys: list, import certificate + private key', get('/certificates')),
    route('/certificates/:alias', WRITE_ITEM, 'one certificate: read, replace with a CA-signed one for the same key (PATCH; ≤ 11.10 PUT), delete', get(factory)),
    route('/certificates/:alias/get_csr', ACTION, 'a PKCS#10 request for the key of a certificate', post(`${factory}/get_csr`, {})),
    route('/certificates/:alias/:property', WRITE_PROP, 'one property of a certificate (alias, certificate, keystore); PATCH/PUT certificate replaces it', get(`${factory}/keystore`)),
    route('/ca_certificates', ['GET', 'POST'], 'CA certificates: list, add', get('/ca_certificates')),
    route('/ca_certificates/:alias', WRITE_ITEM, 'one CA certificate: read, replace, delete', get('/ca_certificates/probe')),
    route('/ca_certificates/:alias/:property', WRITE_PROP, 'one property of a CA certificate (alias, certificate); PATCH/PUT certificate replaces it', get('/ca_certificates/probe/certificate')),
    route('/create_certificate', ACTION, 'a new key and a self-signed certificate', post('/create_certificate', { alias: `probe-${state}`, subject: 'CN=probe' })),
    route('/install_from_pkcs12', ACTION, 'a certificate and key from a PKCS#12 file (base64)', post('/install_from_pkcs12', {}), PKCS12_BODY_LIMIT),
    route('/keystores', READ, 'the keystores', get('/keystores')),
    route('/keystores/:id', READ, 'one keystore', get('/keystores/SOFTWARE0')),
    route('/settings', READ, 'settings', get('/settings')),
    route('/settings/keystore', ['GET', 'PATCH', 'PUT'], 'the keystore new keys go to', get('/settings/keystore')),
  ];
}

export const REST_ROUTES: RouteSpec[] = [...restRoutes('/config/rest/cert/v1', 'released'), ...restRoutes('/config/rest/cert/v1beta', 'beta')];

// certd's /config/rest/cert/v1 (Certificate Management) and the HTTPS certificate selection.
// Shapes as the wire contract gives them (certificates carry only alias, PEM and keystore).
import { request } from '../../api/http.js';
import { vapix } from '../../api/vapix.js';
import { rest, seg } from './rest.js';

const BASE = '/config/rest/cert/v1';

export const KEY_TYPES = ['EC-P256', 'EC-P384', 'RSA-2048', 'RSA-3072', 'RSA-4096'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export interface Certificate {
  alias: string;
  certificate: string;
  keystore: string;
}
export interface CaCertificate {
  alias: string;
  certificate: string;
}
export interface NewSelfSigned {
  alias: string;
  subject: string;
  key_type?: KeyType;
  subject_alt_names?: string[];
  /** Unix seconds */
  valid_from?: number;
  valid_to?: number;
}

/** The param naming the certificate httpd serves (certd owns it; param.cgi reads and writes it). */
export const HTTPS_PARAM = 'HTTPS.Certificate';

export const certApi = {
  certificates: () => rest<Certificate[]>('GET', `${BASE}/certificates`),
  caCertificates: () => rest<CaCertificate[]>('GET', `${BASE}/ca_certificates`),
  createSelfSigned: (b: NewSelfSigned) => rest('POST', `${BASE}/create_certificate`, b),
  csr: (alias: string, b: { subject?: string; subject_alt_names?: string[] } = {}) => rest<string>('POST', `${BASE}/certificates/${seg(alias)}/get_csr`, b),
  installSigned: (alias: string, certificate: string) => rest('PATCH', `${BASE}/certificates/${seg(alias)}`, { certificate }),
  importWithKey: (b: { alias: string; certificate: string; private_key: string }) => rest('POST', `${BASE}/certificates`, b),
  importPkcs12: (b: { alias: string; pkcs12: string; passphrase: string }) => rest('POST', `${BASE}/install_from_pkcs12`, b),
  remove: (alias: string) => rest('DELETE', `${BASE}/certificates/${seg(alias)}`),
  addCa: (b: CaCertificate) => rest('POST', `${BASE}/ca_certificates`, b),
  removeCa: (alias: string) => rest('DELETE', `${BASE}/ca_certificates/${seg(alias)}`),
  httpsCertificate: async () => (await vapix.params('HTTPS'))[HTTPS_PARAM] ?? '',
  selectHttps: (alias: string) => vapix.update({ [HTTPS_PARAM]: alias }),
  /** whether the device answers on a path (used to wait for HTTPS to switch) */
  ping: () => request<string>('GET', '/axis-cgi/param.cgi', { query: { action: 'list', group: 'HTTPS' }, as: 'text' }),
};

/** A file's bytes as base64 (PKCS#12 travels so). */
export async function base64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** A certificate or key file as PEM: PEM files as they are, DER (.der, .cer) wrapped in armour. */
export async function asPem(file: Blob, type: 'CERTIFICATE' | 'PRIVATE KEY'): Promise<string> {
  const text = await file.text();
  if (text.includes('-----BEGIN ')) return text;
  const lines = (await base64(file)).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

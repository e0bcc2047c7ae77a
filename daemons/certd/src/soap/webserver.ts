import { esc, type XmlEl } from '@belfry/core/xml';
import type { CertStore } from '../store/types.js';
import { NO_SUCH_ID, invalid, kid, textsIn } from './envelope.js';
import type { Op } from './ops.js';

/**
 * `aweb:Get/SetWebServerTlsConfiguration` (§9.4). The state is httpd's params and certd's
 * selection, no copy of its own: `HTTPS.Enabled`, `System.BoaGroupPolicy.admin|operator|viewer`
 * (`http|https|both` ↔ `Http|Https|HttpAndHttps`), `HTTPS.Ciphers` (colon-separated, stored and
 * echoed) and `HTTPS.Certificate` (the one `acert:Id`).
 */

export const ENABLED = 'HTTPS.Enabled';
export const CIPHERS = 'HTTPS.Ciphers';
export const POLICIES = ['System.BoaGroupPolicy.admin', 'System.BoaGroupPolicy.operator', 'System.BoaGroupPolicy.viewer'] as const;

/** Most cipher names one set may carry, and their length (32 × 60 fits `HTTPS.Ciphers`' 2048). */
export const MAX_CIPHERS = 32;
export const CIPHER_MAX = 60;
/** Most CA ids a CertificateSet may name (checked to exist, then left to the certificate's own chain). */
export const MAX_SET_CAS = 16;

const TO_WIRE: Record<string, string> = { http: 'Http', https: 'Https', both: 'HttpAndHttps' };
const FROM_WIRE: Record<string, string> = { Http: 'http', Https: 'https', HttpAndHttps: 'both' };

function bool(el: XmlEl | undefined, name: string): boolean | undefined {
  const v = el?.text.trim();
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalid(`${name} must be true or false`);
}

function ciphersOf(conf: XmlEl): string | undefined {
  const names = textsIn(conf, 'Ciphers', 'Cipher');
  // absent or empty: unchanged (OA sends back what it read)
  if (!names.length) return undefined;
  if (names.length > MAX_CIPHERS) throw invalid(`at most ${MAX_CIPHERS} Cipher in one request`);
  for (const n of names) if (!new RegExp(`^[A-Za-z0-9_+-]{1,${CIPHER_MAX}}$`).test(n)) throw invalid(`Cipher ${JSON.stringify(n.slice(0, CIPHER_MAX))}: 1–${CIPHER_MAX} of A–Z, a–z, 0–9, _ + -`);
  return [...new Set(names)].join(':');
}

/** The one certificate of `CertificateSet/Certificates` (absent: unchanged); its CA ids must exist. */
function certificateOf(conf: XmlEl, store: CertStore): string | undefined {
  const set = kid(conf, 'CertificateSet');
  if (!set) return undefined;
  const ids = textsIn(set, 'Certificates', 'Id');
  if (ids.length > 1) throw invalid('the web server takes exactly one certificate Id');
  const cas = [...textsIn(set, 'CACertificates', 'Id'), ...textsIn(set, 'TrustedCertificates', 'Id')];
  if (cas.length > MAX_SET_CAS) throw invalid(`at most ${MAX_SET_CAS} CA certificate Ids`);
  for (const ca of cas) if (!store.getCa(ca)) throw invalid(`${NO_SUCH_ID}: ${ca.slice(0, 128)}`);
  const id = ids[0];
  if (id === undefined) return undefined;
  if (!store.get(id)) throw invalid(`${NO_SUCH_ID}: ${id.slice(0, 128)}`);
  if (store.get(id)!.kind === 'device-id') throw invalid('the device ID is for 802.1AR identity, not for HTTPS');
  return id;
}

/** The param changes a Configuration asks for, checked whole: `Tls` and `Admin` must agree. */
function changesOf(conf: XmlEl, cur: Record<string, string>): Record<string, string> {
  const tls = bool(kid(conf, 'Tls'), 'Tls');
  const adminEl = kid(kid(conf, 'ConnectionPolicies') ?? conf, 'Admin');
  const admin = adminEl?.text.trim();
  if (admin !== undefined && !FROM_WIRE[admin]) throw invalid(`Admin must be Https, HttpAndHttps or Http, not ${JSON.stringify(admin.slice(0, 32))}`);
  if (tls === false && (admin === 'Https' || admin === 'HttpAndHttps')) throw invalid(`Tls false contradicts Admin ${admin}`);
  if (tls === true && admin === 'Http') throw invalid('Tls true contradicts Admin Http');
  const out: Record<string, string> = {};
  // clients send only Admin: it applies to every role
  const policy = admin ? FROM_WIRE[admin]! : tls === true && cur[POLICIES[0]] === 'http' ? 'both' : undefined;
  if (policy) for (const p of POLICIES) out[p] = policy;
  if (tls !== undefined || (admin && admin !== 'Http')) out[ENABLED] = tls === false ? 'no' : 'yes';
  const ciphers = ciphersOf(conf);
  if (ciphers !== undefined) out[CIPHERS] = ciphers;
  return Object.fromEntries(Object.entries(out).filter(([k, v]) => cur[k] !== v));
}

export const WEBSERVER_OPS: Record<string, Op> = {
  async GetWebServerTlsConfiguration(_el, store, _who, x) {
    const p = await x.env().params.get([ENABLED, POLICIES[0], CIPHERS]);
    const on = p[ENABLED] === 'yes' && p[POLICIES[0]] !== 'http';
    const admin = on ? TO_WIRE[p[POLICIES[0]] ?? 'both'] : 'Http';
    const ciphers = (p[CIPHERS] ?? '').split(':').filter(Boolean).map((c) => `<acert:Cipher>${esc(c)}</acert:Cipher>`).join('');
    // exactly one acert:Id in the whole answer (KF counts them); the chain is the certificate's own
    return (
      `<aweb:GetWebServerTlsConfigurationResponse><aweb:Configuration name="WebServer"><aweb:Tls>${on}</aweb:Tls>` +
      `<aweb:ConnectionPolicies><aweb:Admin>${admin}</aweb:Admin></aweb:ConnectionPolicies><aweb:Ciphers>${ciphers}</aweb:Ciphers>` +
      `<aweb:CertificateSet><acert:Certificates><acert:Id>${esc(store.httpsAlias())}</acert:Id></acert:Certificates><acert:CACertificates></acert:CACertificates><acert:TrustedCertificates></acert:TrustedCertificates></aweb:CertificateSet>` +
      `</aweb:Configuration></aweb:GetWebServerTlsConfigurationResponse>`
    );
  },
  async SetWebServerTlsConfiguration(el, store, who, x) {
    const env = x.env();
    const conf = kid(el, 'Configuration');
    if (!conf) throw invalid('Configuration is required');
    const cur = await env.params.get([ENABLED, ...POLICIES, CIPHERS]);
    const changes = changesOf(conf, cur);
    const cert = certificateOf(conf, store);
    const select = cert !== undefined && cert !== store.httpsAlias();
    if (!select && !Object.keys(changes).length) return '<aweb:SetWebServerTlsConfigurationResponse/>';
    // the answer goes out on the TLS it came in on: httpd reloads once it is sent
    x.afterReply(env.holdTls());
    // one batch: the selection and httpd's params change together or not at all
    if (select) await store.selectHttps(cert, who, changes);
    else await env.params.update(changes);
    env.audit('cert.webserver_tls_set', { ...changes, ...(select ? { certificate: cert } : {}), user: who.user, via: who.via });
    return '<aweb:SetWebServerTlsConfigurationResponse/>';
  },
};

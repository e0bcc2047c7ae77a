import { X509Certificate } from 'node:crypto';
import { esc, type XmlEl } from '@belfry/core/xml';
import { MAX_DOT1X_CAS } from '../store/file-store.js';
import type { CertStore } from '../store/types.js';
import { NO_SUCH_ID, invalid, kid, kids, textsIn } from './envelope.js';
import type { Op } from './ops.js';

/**
 * The ONVIF device service's 802.1X operations (§9.5) for the one configuration, `EAPTLS_WIRED`
 * (EAP-TLS, method 13, on the wired interface). The identity is the param
 * `Network.Interface.I0.dot1x.EAPTLS.Identity`; the certificates are the store's binding. A set is
 * the whole configuration (an absent CertificateID unbinds, absent CACertificateIDs bind none) and
 * leaves `dot1x.Enabled` unchanged.
 */

export const TOKEN = 'EAPTLS_WIRED';
export const IDENTITY = 'Network.Interface.I0.dot1x.EAPTLS.Identity';
export const IDENTITY_MAX = 128;
const EAP_TLS = '13';

const cnOf = (pem: string) => /^CN=(.*)$/m.exec(new X509Certificate(pem).subject)?.[1];

/** An alias, or else the common name of exactly one certificate (OA's notes quote Axis as wanting the CN). */
function resolve(v: string, entries: { alias: string; certificate: string }[], what: string): string {
  if (entries.some((e) => e.alias === v)) return v;
  const byCn = entries.filter((e) => cnOf(e.certificate) === v);
  if (byCn.length === 1) return byCn[0]!.alias;
  if (byCn.length > 1) throw invalid(`${what} ${v.slice(0, 128)} is the common name of ${byCn.length} certificates: give the alias`);
  throw invalid(`${NO_SUCH_ID}: ${v.slice(0, 128)}`);
}

function token(el: XmlEl): void {
  const t = kid(el, 'Dot1XConfigurationToken')?.text.trim() ?? '';
  if (t !== TOKEN) throw invalid(`no 802.1X configuration ${JSON.stringify(t.slice(0, 64))}: the device has ${TOKEN}`);
}

/** The binding a Dot1XConfiguration asks for, every id resolved and checked before anything changes. */
function bindingOf(conf: XmlEl, store: CertStore): { client: string; ca: string[] } {
  const eap = kid(conf, 'EAPMethod')?.text.trim();
  if (eap !== undefined && eap !== EAP_TLS) throw invalid(`EAPMethod ${JSON.stringify(eap.slice(0, 16))}: ${TOKEN} is EAP-TLS (${EAP_TLS})`);
  const method = kid(conf, 'EAPMethodConfiguration');
  const certIds = method ? textsIn(method, 'TLSConfiguration', 'CertificateID') : [];
  if (certIds.length > 1) throw invalid('TLSConfiguration takes exactly one CertificateID');
  // CACertificateID before or after EAPMethodConfiguration (NR puts it after)
  const caIds = kids(conf, 'CACertificateID').map((c) => c.text.trim());
  if (caIds.length > MAX_DOT1X_CAS) throw invalid(`at most ${MAX_DOT1X_CAS} CACertificateID`);
  const client = certIds[0] ? resolve(certIds[0], store.list(), 'CertificateID') : '';
  const cas = caIds.length ? store.listCa() : [];
  return { client, ca: caIds.map((id) => resolve(id, cas, 'CACertificateID')) };
}

export const DOT1X_OPS: Record<string, Op> = {
  async GetDot1XConfiguration(el, store, _who, x) {
    token(el);
    const identity = (await x.env().params.get([IDENTITY]))[IDENTITY] ?? '';
    const b = store.dot1x();
    // exactly one tt:CertificateID, empty when unbound (KF throws on two)
    return (
      `<tds:GetDot1XConfigurationResponse><tds:Dot1XConfiguration><tt:Dot1XConfigurationToken>${TOKEN}</tt:Dot1XConfigurationToken>` +
      `<tt:Identity>${esc(identity)}</tt:Identity><tt:EAPMethod>${EAP_TLS}</tt:EAPMethod>${b.ca.map((c) => `<tt:CACertificateID>${esc(c)}</tt:CACertificateID>`).join('')}` +
      `<tt:EAPMethodConfiguration><tt:TLSConfiguration><tt:CertificateID>${esc(b.client)}</tt:CertificateID></tt:TLSConfiguration></tt:EAPMethodConfiguration>` +
      `</tds:Dot1XConfiguration></tds:GetDot1XConfigurationResponse>`
    );
  },
  async SetDot1XConfiguration(el, store, who, x) {
    const env = x.env();
    const conf = kid(el, 'Dot1XConfiguration');
    if (!conf) throw invalid('Dot1XConfiguration is required');
    token(conf);
    const identity = kid(conf, 'Identity')?.text.trim() ?? '';
    // eslint-disable-next-line no-control-regex
    if (identity.length > IDENTITY_MAX || /[\u0000-\u001f\u007f]/.test(identity)) throw invalid(`Identity: at most ${IDENTITY_MAX} characters, no control characters`);
    const next = bindingOf(conf, store);
    const cur = (await env.params.get([IDENTITY]))[IDENTITY] ?? '';
    const prev = store.dot1x();
    await store.setDot1x(next, who);
    if (identity !== cur) {
      try {
        await env.params.update({ [IDENTITY]: identity });
      } catch (err) {
        // all or nothing: the binding goes back
        await store.setDot1x(prev, who);
        throw err;
      }
      env.audit('cert.dot1x_identity_set', { identity, user: who.user, via: who.via });
    }
    return '<tds:SetDot1XConfigurationResponse/>';
  },
};

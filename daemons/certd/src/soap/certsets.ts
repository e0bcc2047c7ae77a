import { esc } from '@belfry/core/xml';
import { MAX_DOT1X_CAS } from '../store/file-store.js';
import { need, invalid, kid, textsIn } from './envelope.js';
import type { Op } from './ops.js';

/** The certificate sets certd knows (T3): the web server's (the HTTPS selection) and 802.1X's (its binding). */
const SETS = ['WebServer', 'EAPTLS_WIRED'] as const;

const unknownSet = (name: string) => invalid(`unknown CertSetName: ${name.slice(0, 64)}`);
const ids = (list: string[]) => list.map((i) => `<acert:Id>${esc(i)}</acert:Id>`).join('');

function setName(el: Parameters<Op>[0]): (typeof SETS)[number] {
  const name = need(el, 'CertSetName', 64);
  if (!(SETS as readonly string[]).includes(name)) throw unknownSet(name);
  return name as (typeof SETS)[number];
}

/** `acertificates:ListCertSets` / `GetCertSet` / `SetCertSet` (§9.3, T3). */
export const CERTSET_OPS: Record<string, Op> = {
  async ListCertSets() {
    return `<acertificates:ListCertSetsResponse><acertificates:CertSetNameList>${SETS.map((s) => `<acert:CertSetNames>${s}</acert:CertSetNames>`).join('')}</acertificates:CertSetNameList></acertificates:ListCertSetsResponse>`;
  },
  async GetCertSet(el, store) {
    const name = setName(el);
    const b = name === 'WebServer' ? { client: store.httpsAlias(), ca: [] } : store.dot1x();
    return `<acertificates:GetCertSetResponse><acertificates:CertSet><acert:Certificates>${ids(b.client ? [b.client] : [])}</acert:Certificates><acert:CACertificates>${ids(b.ca)}</acert:CACertificates><acert:TrustedCertificates></acert:TrustedCertificates></acertificates:CertSet></acertificates:GetCertSetResponse>`;
  },
  async SetCertSet(el, store, who) {
    const name = setName(el);
    const set = kid(el, 'CertSet') ?? el;
    const certs = textsIn(set, 'Certificates', 'Id');
    if (name === 'WebServer') {
      if (certs.length !== 1) throw invalid('the WebServer set takes exactly one certificate Id');
      await store.selectHttps(certs[0]!, who);
    } else {
      // 802.1X: at most one client certificate (none: unbound) and its CA certificates
      const cas = textsIn(set, 'CACertificates', 'Id');
      if (certs.length > 1) throw invalid('the EAPTLS_WIRED set takes at most one certificate Id');
      if (cas.length > MAX_DOT1X_CAS) throw invalid(`at most ${MAX_DOT1X_CAS} CA certificate Ids`);
      await store.setDot1x({ client: certs[0] ?? '', ca: cas }, who);
    }
    return '<acertificates:SetCertSetResponse/>';
  },
};

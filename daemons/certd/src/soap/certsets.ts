import { esc } from '@belfry/core/xml';
import { need, invalid } from './envelope.js';
import type { Op } from './ops.js';

/** The certificate sets certd knows (T3): the web server's, bound to the HTTPS selection. */
const SETS = ['WebServer'] as const;

const unknownSet = (name: string) => invalid(`unknown CertSetName: ${name.slice(0, 64)}`);

/** `acertificates:ListCertSets` / `GetCertSet` / `SetCertSet` (§9.3, T3). */
export const CERTSET_OPS: Record<string, Op> = {
  async ListCertSets() {
    return `<acertificates:ListCertSetsResponse><acertificates:CertSetNameList>${SETS.map((s) => `<acert:CertSetNames>${s}</acert:CertSetNames>`).join('')}</acertificates:CertSetNameList></acertificates:ListCertSetsResponse>`;
  },
  async GetCertSet(el, store) {
    const name = need(el, 'CertSetName', 64);
    if (name !== 'WebServer') throw unknownSet(name);
    return `<acertificates:GetCertSetResponse><acertificates:CertSet><acert:Certificates><acert:Id>${esc(store.httpsAlias())}</acert:Id></acert:Certificates><acert:CACertificates></acert:CACertificates><acert:TrustedCertificates></acert:TrustedCertificates></acertificates:CertSet></acertificates:GetCertSetResponse>`;
  },
  async SetCertSet(el, store, who) {
    const name = need(el, 'CertSetName', 64);
    if (name !== 'WebServer') throw unknownSet(name);
    const set = el.children.find((c) => c.name === 'CertSet') ?? el;
    const ids = (set.children.find((c) => c.name === 'Certificates')?.children ?? []).filter((c) => c.name === 'Id').map((c) => c.text.trim());
    if (ids.length !== 1) throw invalid('the WebServer set takes exactly one certificate Id');
    await store.selectHttps(ids[0]!, who);
    return '<acertificates:SetCertSetResponse/>';
  },
};

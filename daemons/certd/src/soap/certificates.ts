import { X509Certificate } from 'node:crypto';
import { esc, type XmlEl } from '@belfry/core/xml';
import { CA_EXISTS, NO_SUCH_ID, derIn, derLine, kid, kids, need, pemLine, invalid } from './envelope.js';
import type { Op } from './ops.js';

/** Most certificates one Load* or Delete* request may carry. */
export const MAX_PER_REQUEST = 16;

const SUBJECT_KEYS = ['C', 'ST', 'L', 'O', 'OU', 'CN'] as const;

/** `Subject{C,ST,L,O,OU,CN}` → RFC 4514 (empty parts left out; `,+"\<>;` escaped). */
function subjectOf(el: XmlEl | undefined): string | undefined {
  if (!el) return undefined;
  const parts = SUBJECT_KEYS.map((k) => [k, kid(el, k)?.text.trim() ?? ''] as const).filter(([, v]) => v);
  return parts.map(([k, v]) => `${k}=${v.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`)}`).join(',');
}

function seconds(el: XmlEl, name: string): number | undefined {
  const v = kid(el, name)?.text.trim();
  if (!v) return undefined;
  const ms = Date.parse(/Z|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  if (!Number.isFinite(ms) || ms < 0) throw invalid(`${name} is not a date and time`);
  return Math.floor(ms / 1000);
}

function many(el: XmlEl, name: string): XmlEl[] {
  const list = kids(el, name);
  if (!list.length) throw invalid(`${name} is required`);
  if (list.length > MAX_PER_REQUEST) throw invalid(`at most ${MAX_PER_REQUEST} ${name} in one request`);
  return list;
}

const item = (tag: string, id: string, pem: string) => `<tds:${tag}><tt:CertificateID>${esc(id)}</tt:CertificateID><tt:Certificate><tt:Data>${derLine(pem)}</tt:Data></tt:Certificate></tds:${tag}>`;

function keyLength(keyType: string): string {
  const m = /(\d+)$/.exec(keyType);
  return m ? m[1]! : '0';
}

/** A certificate's DER as PEM for the store. */
const pemOf = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;

/** The uploaded certificate, checked to be one before anything is stored. */
function certIn(el: XmlEl): { id: string; pem: string; x: X509Certificate } {
  const id = need(el, 'CertificateID', 128);
  const data = kid(kid(el, 'Certificate') ?? el, 'Data')?.text ?? '';
  const pem = pemOf(derIn(data, 'Certificate/Data'));
  try {
    return { id, pem, x: new X509Certificate(pem) };
  } catch {
    throw invalid('Certificate/Data is not an X.509 certificate');
  }
}

const spki = (x: X509Certificate) => x.publicKey.export({ type: 'spki', format: 'der' });

/** The operations of `acertificates:` and the certificate part of `tds:` (§9.3), by local name. */
export const CERTIFICATE_OPS: Record<string, Record<string, Op>> = {
  acertificates: {
    async CreateCertificate2(el, store, who) {
      const id = need(el, 'Id', 128);
      const e = await store.create({ alias: id, subject: subjectOf(kid(el, 'Subject')) || 'CN=belfry', validFrom: seconds(el, 'ValidNotBefore'), validTo: seconds(el, 'ValidNotAfter') }, who);
      return `<acertificates:CreateCertificate2Response><acertificates:Id>${esc(e.alias)}</acertificates:Id><acertificates:Certificate>${derLine(e.certificate)}</acertificates:Certificate></acertificates:CreateCertificate2Response>`;
    },
    async GetPkcs10Request2(el, store) {
      const id = need(el, 'Id', 128);
      if (!store.get(id)) throw invalid(`${NO_SUCH_ID}: ${id}`);
      const subject = subjectOf(kid(el, 'Subject'));
      const csr = await store.csr(id, subject ? { subject } : {});
      return `<acertificates:GetPkcs10Request2Response><acertificates:Pkcs10Request>${pemLine(csr)}</acertificates:Pkcs10Request></acertificates:GetPkcs10Request2Response>`;
    },
  },
  tds: {
    async GetCertificates(_el, store) {
      return `<tds:GetCertificatesResponse>${store.list().map((c) => item('NvtCertificate', c.alias, c.certificate)).join('')}</tds:GetCertificatesResponse>`;
    },
    async GetCACertificates(_el, store) {
      return `<tds:GetCACertificatesResponse>${store.listCa().map((c) => item('CACertificate', c.alias, c.certificate)).join('')}</tds:GetCACertificatesResponse>`;
    },
    async GetCertificateInformation(el, store) {
      const id = need(el, 'CertificateID', 128);
      const d = store.details(id);
      const pem = store.get(id)?.certificate;
      if (!d || !pem) throw invalid(`${NO_SUCH_ID}: ${id}`);
      const leafPem = new X509Certificate(pem).toString();
      return (
        `<tds:GetCertificateInformationResponse><tds:CertificateInformation><tt:CertificateID>${esc(id)}</tt:CertificateID>` +
        `<tt:IssuerDN>${esc(d.issuer)}</tt:IssuerDN><tt:SubjectDN>${esc(d.subject)}</tt:SubjectDN><tt:KeyLength>${keyLength(d.keyType)}</tt:KeyLength><tt:SerialNum>${esc(d.serialNumber)}</tt:SerialNum>` +
        `<tt:Validity><tt:From>${d.notBefore.replace(/\.\d+Z$/, 'Z')}</tt:From><tt:Until>${d.notAfter.replace(/\.\d+Z$/, 'Z')}</tt:Until></tt:Validity>` +
        `<tt:Extension><acert:CertificateInformationExtension><acert:CertificatePEM>${esc(leafPem)}</acert:CertificatePEM></acert:CertificateInformationExtension></tt:Extension>` +
        `</tds:CertificateInformation></tds:GetCertificateInformationResponse>`
      );
    },
    async LoadCertificateWithPrivateKey(el, store, who) {
      const items = many(el, 'CertificateWithPrivateKey').map((c) => ({ ...certIn(c), key: derIn(kid(kid(c, 'PrivateKey') ?? c, 'Data')?.text ?? '', 'PrivateKey/Data') }));
      for (const c of items) await store.importPem({ alias: c.id, certificate: c.pem, privateKey: c.key }, who);
      return '<tds:LoadCertificateWithPrivateKeyResponse/>';
    },
    async LoadCertificates(el, store, who) {
      // each binds to the on-device key it matches: the entry of its id, else any entry with that key
      const items = many(el, 'NVTCertificate').map(certIn);
      const targets = items.map((c) => {
        const byKey = (alias: string) => spki(new X509Certificate(store.get(alias)!.certificate)).equals(spki(c.x));
        const own = store.get(c.id) && byKey(c.id) ? c.id : store.list().find((e) => e.kind === 'user' && byKey(e.alias))?.alias;
        if (!own) throw invalid(`no on-device key matches the certificate for ${c.id.slice(0, 128)}`);
        return own;
      });
      for (const [i, c] of items.entries()) await store.replace(targets[i]!, c.pem, who);
      return '<tds:LoadCertificatesResponse/>';
    },
    async LoadCACertificates(el, store, who) {
      const items = many(el, 'CACertificate').map(certIn);
      const ids = new Set<string>();
      for (const c of items) {
        if (store.getCa(c.id) || ids.has(c.id)) throw invalid(`${CA_EXISTS}: ${c.id}`);
        ids.add(c.id);
      }
      for (const c of items) await store.addCa({ alias: c.id, certificate: c.pem }, who);
      return '<tds:LoadCACertificatesResponse/>';
    },
    async DeleteCertificates(el, store, who) {
      const ids = many(el, 'CertificateID').map((c) => c.text.trim());
      // all or nothing: every id is checked before the first goes
      for (const id of ids) if (!store.get(id) && !store.getCa(id)) throw invalid(`${NO_SUCH_ID}: ${id.slice(0, 128)}`);
      for (const id of ids) await (store.get(id) ? store.delete(id, who) : store.deleteCa(id, who));
      return '<tds:DeleteCertificatesResponse/>';
    },
  },
};

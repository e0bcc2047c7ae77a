// One client/server certificate in the list: what it is (read from its PEM), whether it serves
// HTTPS, and its actions — use for HTTPS, make a CSR (shown, copied, downloaded), install the
// CA-signed certificate for its key, delete.
import { useState } from 'preact/hooks';
import { save } from '../../api/http.js';
import { ErrorBox, Notice, Progress, useAction } from '../../components.js';
import { t } from '../../i18n/index.js';
import { certApi, type Certificate } from './cert-api.js';
import { PemInput } from './pem-input.js';
import { certInfo, type CertInfo } from './x509.js';

export const day = (d: Date) => d.toISOString().slice(0, 10);

export function Validity(p: { info?: CertInfo }) {
  if (!p.info) return <td>—</td>;
  const expired = p.info.notAfter.getTime() < Date.now();
  return <td>{day(p.info.notBefore)} – {day(p.info.notAfter)}{expired && <span class="badge bad">{t('cert.expired')}</span>}</td>;
}

function Csr(p: { alias: string; close: () => void }) {
  const [pem, setPem] = useState<string>();
  const [copied, setCopied] = useState(false);
  const a = useAction();
  const make = () => void a.run(async () => setPem(await certApi.csr(p.alias)));
  const copy = () => void a.run(async () => (await navigator.clipboard.writeText(pem!), setCopied(true)));
  return (
    <div class="sub">
      {!pem && <button type="button" class="primary" disabled={a.busy} onClick={make}>{t('cert.csrMake', { alias: p.alias })}</button>}
      {a.busy && !pem && <Progress label={t('cert.csrMaking')} />}
      {pem && (
        <>
          <label for={`csr-${p.alias}`}>{t('cert.csrFor', { alias: p.alias })}</label>
          <textarea id={`csr-${p.alias}`} class="mono" readOnly rows={8} value={pem} />
          <button type="button" onClick={copy}>{t('common.copy')}</button>
          <button type="button" onClick={() => save(new Blob([pem], { type: 'application/pkcs10' }), `${p.alias}.csr`)}>{t('audio.download')}</button>
          <Notice text={copied ? t('cert.csrCopied') : undefined} />
        </>
      )}
      <button type="button" onClick={p.close}>{t('common.close')}</button>
      <ErrorBox error={a.error} />
    </div>
  );
}

function Install(p: { alias: string; close: () => void; done: () => void }) {
  const [pem, setPem] = useState('');
  const a = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void a.run(async () => (await certApi.installSigned(p.alias, pem), p.done()));
  };
  return (
    <form class="sub" onSubmit={submit}>
      <PemInput label={t('cert.signedFor', { alias: p.alias })} type="CERTIFICATE" value={pem} set={setPem} />
      <button type="submit" class="primary" disabled={a.busy}>{t('cert.install')}</button>
      <button type="button" onClick={p.close}>{t('common.cancel')}</button>
      <ErrorBox error={a.error} />
    </form>
  );
}

export function CertRow(p: { cert: Certificate; https: boolean; fixed: boolean; select: (alias: string) => Promise<void>; reload: () => void }) {
  const [open, setOpen] = useState<'csr' | 'install'>();
  const a = useAction();
  const c = p.cert;
  const info = certInfo(c.certificate);
  const remove = () => confirm(t('cert.confirmDelete', { alias: c.alias })) && void a.run(async () => (await certApi.remove(c.alias), p.reload()));
  const toggle = (w: 'csr' | 'install') => setOpen(open === w ? undefined : w);
  return (
    <>
      <tr>
        <th scope="row">{c.alias}{p.https && <span class="badge">{t('cert.httpsBadge')}</span>}</th>
        <td class="dn">{info?.subject ?? t('cert.unreadable')}{info && info.sans.length > 0 && <p class="hint">{info.sans.join(', ')}</p>}</td>
        <td class="dn">{info ? (info.selfSigned ? t('cert.selfSigned') : info.issuer) : '—'}</td>
        <Validity info={info} />
        <td>{info?.keyType ?? '—'}</td>
        <td class="actions">
          {!p.https && !p.fixed && <button type="button" aria-label={t('cert.useHttpsFor', { alias: c.alias })} disabled={a.busy} onClick={() => void a.run(() => p.select(c.alias))}>{t('cert.useHttps')}</button>}
          <button type="button" aria-label={t('cert.csrOf', { alias: c.alias })} aria-expanded={open === 'csr'} onClick={() => toggle('csr')}>{t('cert.csr')}</button>
          {!p.fixed && <button type="button" aria-label={t('cert.installFor', { alias: c.alias })} aria-expanded={open === 'install'} onClick={() => toggle('install')}>{t('cert.installSigned')}</button>}
          {!p.fixed && !p.https && <button type="button" class="danger" aria-label={`${t('common.delete')} ${c.alias}`} disabled={a.busy} onClick={remove}>{t('common.delete')}</button>}
          {p.fixed && <p class="hint">{t('cert.fixed')}</p>}
          {p.https && !p.fixed && <p class="hint">{t('cert.inUse')}</p>}
          <ErrorBox error={a.error} />
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={6}>
            {open === 'csr' ? <Csr alias={c.alias} close={() => setOpen(undefined)} /> : <Install alias={c.alias} close={() => setOpen(undefined)} done={() => (setOpen(undefined), p.reload())} />}
          </td>
        </tr>
      )}
    </>
  );
}

// Security > Certificates: the client/server certificates (which one serves HTTPS), creating,
// importing, CSRs and signed certificates, the HTTPS selection; then the CA certificates.
import { useEffect, useState } from 'preact/hooks';
import { Card, ErrorBox, Loading, Notice, Scroll, useAction } from '../../components.js';
import { t } from '../../i18n/index.js';
import { certApi, type CaCertificate, type Certificate } from './cert-api.js';
import { CreateSelfSigned } from './cert-create.js';
import { ImportCertificate } from './cert-import.js';
import { CertRow, Validity } from './cert-row.js';
import { PemInput } from './pem-input.js';
import { certInfo } from './x509.js';

/** The device identity certificate is issued at the factory: listed, never deleted or replaced. */
export const isFactoryId = (alias: string) => /device[ -]?id/i.test(alias);

export function Certificates() {
  const [list, setList] = useState<Certificate[]>();
  const [https, setHttps] = useState<string>();
  const [err, setErr] = useState<unknown>();
  const [note, setNote] = useState<string>();
  const reload = () => void Promise.all([certApi.certificates(), certApi.httpsCertificate()]).then(([l, h]) => (setList(l), setHttps(h), setErr(undefined)), setErr);
  useEffect(reload, []);
  const select = async (alias: string) => {
    setNote(undefined);
    await certApi.selectHttps(alias);
    reload();
    setNote(t('cert.httpsNow', { alias }));
  };
  return (
    <Card title={t('cert.title')} id="certificates">
      <p class="hint">{t('cert.intro')}</p>
      <ErrorBox error={err} />
      {!list && !err && <Loading />}
      {list && (
        <Scroll label={t('cert.title')}>
          <table class="stack">
            <thead>
              <tr>
                <th scope="col">{t('cert.alias')}</th>
                <th scope="col">{t('cert.subject')}</th>
                <th scope="col">{t('cert.issuer')}</th>
                <th scope="col">{t('cert.validity')}</th>
                <th scope="col">{t('cert.keyType')}</th>
                <th scope="col">{t('audio.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => <CertRow key={`${c.alias}-${c.certificate.length}`} cert={c} https={c.alias === https} fixed={isFactoryId(c.alias)} select={select} reload={reload} />)}
              {list.length === 0 && <tr><td colSpan={6}>{t('cert.none')}</td></tr>}
            </tbody>
          </table>
        </Scroll>
      )}
      <Notice text={note} />
      <CreateSelfSigned done={reload} />
      <ImportCertificate done={reload} />
    </Card>
  );
}

function AddCa(p: { done: () => void }) {
  const [alias, setAlias] = useState('');
  const [pem, setPem] = useState('');
  const a = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void a.run(async () => (await certApi.addCa({ alias, certificate: pem }), setAlias(''), setPem(''), p.done()));
  };
  return (
    <form class="sub" onSubmit={submit}>
      <fieldset>
        <legend>{t('ca.add')}</legend>
        <label for="ca-alias">{t('cert.alias')}</label>
        <input id="ca-alias" required maxLength={128} value={alias} onInput={(e) => setAlias(e.currentTarget.value)} />
        <PemInput label={t('cert.certificate')} type="CERTIFICATE" value={pem} set={setPem} />
        <button type="submit" class="primary" disabled={a.busy}>{t('ca.addButton')}</button>
        <ErrorBox error={a.error} />
      </fieldset>
    </form>
  );
}

export function CaCertificates() {
  const [list, setList] = useState<CaCertificate[]>();
  const [err, setErr] = useState<unknown>();
  const a = useAction();
  const reload = () => void certApi.caCertificates().then((l) => (setList(l), setErr(undefined)), setErr);
  useEffect(reload, []);
  const remove = (alias: string) => confirm(t('cert.confirmDelete', { alias })) && void a.run(async () => (await certApi.removeCa(alias), reload()));
  return (
    <Card title={t('ca.title')} id="ca-certificates">
      <p class="hint">{t('ca.intro')}</p>
      <ErrorBox error={err ?? a.error} />
      {!list && !err && <Loading />}
      {list && (
        // the bundle holds some 140 authorities: folded, so the firewall is not pages away
        <details>
          <summary>{t('ca.show', { n: list.length })}</summary>
          <Scroll label={t('ca.title')}>
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">{t('cert.alias')}</th>
                  <th scope="col">{t('cert.subject')}</th>
                  <th scope="col">{t('cert.validity')}</th>
                  <th scope="col">{t('audio.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((c) => {
                  const info = certInfo(c.certificate);
                  return (
                    <tr key={c.alias}>
                      <th scope="row">{c.alias}</th>
                      <td class="dn">{info?.subject ?? t('cert.unreadable')}</td>
                      <Validity info={info} />
                      <td class="actions"><button type="button" class="danger" aria-label={`${t('common.delete')} ${c.alias}`} disabled={a.busy} onClick={() => remove(c.alias)}>{t('common.delete')}</button></td>
                    </tr>
                  );
                })}
                {list.length === 0 && <tr><td colSpan={4}>{t('ca.none')}</td></tr>}
              </tbody>
            </table>
          </Scroll>
        </details>
      )}
      <AddCa done={reload} />
    </Card>
  );
}

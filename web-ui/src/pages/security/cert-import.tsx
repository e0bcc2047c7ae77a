// Import a certificate with its private key (PEM/DER, pasted or from files) or a PKCS#12 file with
// its passphrase. The device checks them (wrong passphrase, garbage, a key that does not match) and
// its own words are shown.
import { useState } from 'preact/hooks';
import { ErrorBox, Field, Notice, Progress, useAction } from '../../components.js';
import { t } from '../../i18n/index.js';
import { base64, certApi } from './cert-api.js';
import { PemInput } from './pem-input.js';

export function ImportCertificate(p: { done: () => void }) {
  const [kind, setKind] = useState<'pem' | 'p12'>('pem');
  const [alias, setAlias] = useState('');
  const [cert, setCert] = useState('');
  const [key, setKey] = useState('');
  const [file, setFile] = useState<File>();
  const [pass, setPass] = useState('');
  const [done, setDone] = useState<string>();
  const a = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    setDone(undefined);
    void a.run(async () => {
      if (kind === 'pem') await certApi.importWithKey({ alias, certificate: cert, private_key: key });
      else {
        if (!file) throw new Error(t('cert.p12Missing'));
        await certApi.importPkcs12({ alias, pkcs12: await base64(file), passphrase: pass });
      }
      setDone(alias);
      setKey('');
      setPass('');
      p.done();
    });
  };
  return (
    <form onSubmit={submit} class="sub">
      <fieldset>
        <legend>{t('cert.import')}</legend>
        <div class="choice" role="radiogroup" aria-label={t('cert.importKind')}>
          <label class="check"><input type="radio" name="kind" checked={kind === 'pem'} onChange={() => setKind('pem')} /><span>{t('cert.kindPem')}</span></label>
          <label class="check"><input type="radio" name="kind" checked={kind === 'p12'} onChange={() => setKind('p12')} /><span>{t('cert.kindP12')}</span></label>
        </div>
        <Field label={t('cert.alias')} hint={t('cert.aliasHint')}>{(id, d) => <input id={id} aria-describedby={d} required maxLength={128} value={alias} onInput={(e) => setAlias(e.currentTarget.value)} />}</Field>
        {kind === 'pem' ? (
          <div class="cols">
            <PemInput label={t('cert.certificate')} type="CERTIFICATE" value={cert} set={setCert} />
            <PemInput label={t('cert.privateKey')} type="PRIVATE KEY" value={key} set={setKey} />
          </div>
        ) : (
          <div class="cols">
            <Field label={t('cert.p12File')}>{(id) => <input id={id} type="file" accept=".p12,.pfx" onChange={(e) => setFile(e.currentTarget.files?.[0])} />}</Field>
            <Field label={t('cert.passphrase')}>{(id) => <input id={id} type="password" autocomplete="off" value={pass} onInput={(e) => setPass(e.currentTarget.value)} />}</Field>
          </div>
        )}
        <button type="submit" class="primary" disabled={a.busy}>{t('cert.importButton')}</button>
        {a.busy && <Progress label={t('cert.importing')} />}
        <ErrorBox error={a.error} />
        <Notice text={done && t('cert.imported', { alias: done })} />
      </fieldset>
    </form>
  );
}

// Create a self-signed certificate on the device (key type, subject, SANs, validity). RSA 4096 key
// generation takes seconds, so the form shows a progress bar while the device works.
import { useState } from 'preact/hooks';
import { ErrorBox, Field, Notice, Progress, useAction } from '../../components.js';
import { t } from '../../i18n/index.js';
import { certApi, KEY_TYPES, type KeyType } from './cert-api.js';

const DAY = 86_400;

/** `DNS:a, IP:1.2.3.4` or bare names/addresses, separated by commas, spaces or lines. */
export function parseSans(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean).map((s) => (/^(DNS|IP):/i.test(s) ? s.replace(/^(dns|ip):/i, (m) => m.toUpperCase()) : /^[\d.]+$|:/.test(s) ? `IP:${s}` : `DNS:${s}`));
}

export function CreateSelfSigned(p: { done: (alias: string) => void }) {
  const [alias, setAlias] = useState('');
  const [keyType, setKeyType] = useState<KeyType>('EC-P256');
  const [subject, setSubject] = useState(`CN=${location.hostname}`);
  const [sans, setSans] = useState(location.hostname);
  const [days, setDays] = useState('365');
  const [made, setMade] = useState<string>();
  const a = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    setMade(undefined);
    void a.run(async () => {
      const now = Math.floor(Date.now() / 1000);
      await certApi.createSelfSigned({ alias, subject, key_type: keyType, subject_alt_names: parseSans(sans), valid_from: now, valid_to: now + Number(days) * DAY });
      setMade(alias);
      p.done(alias);
    });
  };
  return (
    <form onSubmit={submit} class="sub">
      <fieldset>
        <legend>{t('cert.create')}</legend>
        <div class="cols">
          <Field label={t('cert.alias')} hint={t('cert.aliasHint')}>{(id, d) => <input id={id} aria-describedby={d} required maxLength={128} value={alias} onInput={(e) => setAlias(e.currentTarget.value)} />}</Field>
          <Field label={t('cert.keyType')} hint={t('cert.keyTypeHint')}>
            {(id, d) => <select id={id} aria-describedby={d} value={keyType} onChange={(e) => setKeyType(e.currentTarget.value as KeyType)}>{KEY_TYPES.map((k) => <option key={k} value={k}>{k}</option>)}</select>}
          </Field>
          <Field label={t('cert.subject')} hint={t('cert.subjectHint')}>{(id, d) => <input id={id} aria-describedby={d} value={subject} onInput={(e) => setSubject(e.currentTarget.value)} />}</Field>
          <Field label={t('cert.sans')} hint={t('cert.sansHint')}>{(id, d) => <input id={id} aria-describedby={d} value={sans} onInput={(e) => setSans(e.currentTarget.value)} />}</Field>
          <Field label={t('cert.days')} hint={t('cert.daysHint')}>{(id, d) => <input id={id} aria-describedby={d} type="number" min={1} max={3650} value={days} onInput={(e) => setDays(e.currentTarget.value)} />}</Field>
        </div>
        <button type="submit" class="primary" disabled={a.busy}>{t('cert.createButton')}</button>
        {a.busy && <Progress label={t('cert.creating', { type: keyType })} />}
        <ErrorBox error={a.error} />
        <Notice text={made && t('cert.created', { alias: made })} />
      </fieldset>
    </form>
  );
}

// A PEM given either way: pasted into the text box, or read from a chosen file (PEM or DER).
import { useId } from 'preact/hooks';
import { Field } from '../../components.js';
import { t } from '../../i18n/index.js';
import { asPem } from './cert-api.js';

export function PemInput(p: { label: string; type: 'CERTIFICATE' | 'PRIVATE KEY'; value: string; set: (v: string) => void; error?: string }) {
  const fileId = useId();
  const pick = (e: Event) => {
    const f = (e.currentTarget as HTMLInputElement).files?.[0];
    if (f) void asPem(f, p.type).then(p.set);
  };
  return (
    <div class="pem">
      <Field label={p.label} hint={t('sec.pemHint')} error={p.error}>
        {(id, d) => <textarea id={id} aria-describedby={d} rows={5} spellcheck={false} value={p.value} onInput={(e) => p.set(e.currentTarget.value)} />}
      </Field>
      <label for={fileId} class="file">{t('sec.pemFile', { what: p.label })}</label>
      <input id={fileId} type="file" accept=".pem,.crt,.cer,.der,.key" onChange={pick} />
    </div>
  );
}

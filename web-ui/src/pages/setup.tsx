// First run: the device has no account; only the administrator's can be created here.
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { t, type Key } from '../i18n/index.js';
import { ErrorBox, Field, useAction } from '../components.js';
import { strength } from '../strength.js';

const USER_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
const PASSWORD_RE = /^[\x20-\x7e]{1,64}$/;

export function StrengthMeter(p: { password: string }) {
  const s = strength(p.password);
  return (
    <div class="strength">
      <meter aria-label={t('strength.label')} min={0} max={4} low={2} high={3} optimum={4} value={s} />
      <span>{t(`strength.${s}` as Key)}</span>
    </div>
  );
}

export function Setup(p: { done: () => void }) {
  const [user, setUser] = useState('root');
  const [pw, setPw] = useState('');
  const [pw2, setPw2] = useState('');
  const [licence, setLicence] = useState(false);
  const a = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    if (!USER_RE.test(user)) return a.setError(new Error(t('setup.badUser')));
    if (!PASSWORD_RE.test(pw)) return a.setError(new Error(t('setup.badPassword')));
    if (pw !== pw2) return a.setError(new Error(t('setup.mismatch')));
    if (!licence) return a.setError(new Error(t('setup.needLicence')));
    void a.run(async () => {
      await api.addUser({ user, password: pw, role: 'admin' });
      p.done();
    });
  };
  return (
    <form class="card narrow" onSubmit={submit} noValidate>
      <h1>{t('setup.title')}</h1>
      <p>{t('setup.intro')}</p>
      <Field label={t('setup.user')} hint={t('setup.userHint')}>
        {(id, d) => <input id={id} aria-describedby={d} name="user" autocomplete="username" required value={user} onInput={(e) => setUser(e.currentTarget.value)} />}
      </Field>
      <Field label={t('setup.password')} hint={t('setup.guidance')}>
        {(id, d) => <input id={id} aria-describedby={d} name="password" type="password" autocomplete="new-password" required value={pw} onInput={(e) => setPw(e.currentTarget.value)} />}
      </Field>
      <StrengthMeter password={pw} />
      <Field label={t('setup.password2')}>
        {(id) => <input id={id} name="password2" type="password" autocomplete="new-password" required value={pw2} onInput={(e) => setPw2(e.currentTarget.value)} />}
      </Field>
      <label class="check">
        <input type="checkbox" name="licence" checked={licence} onChange={(e) => setLicence(e.currentTarget.checked)} />
        <span>{t('setup.licence')}</span>
      </label>
      <ErrorBox error={a.error} />
      <button type="submit" class="primary" disabled={a.busy}>{t('setup.create')}</button>
    </form>
  );
}

import { useState } from 'preact/hooks';
import { ApiError } from '../api/http.js';
import { t } from '../i18n/index.js';
import { ErrorBox, Field, Notice, useAction } from '../components.js';
import { login, type Me } from '../session.js';

export function Login(p: { why?: string; done: (me: Me) => void }) {
  const [user, setUser] = useState('');
  const [pw, setPw] = useState('');
  const a = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void a.run(async () => {
      try {
        p.done(await login(user, pw));
      } catch (err) {
        throw err instanceof ApiError && err.status === 401 ? new Error(t('login.failed')) : err;
      }
    });
  };
  return (
    <form class="card narrow" onSubmit={submit}>
      <h1>{t('login.title')}</h1>
      <Notice text={p.why} />
      <Field label={t('login.user')}>{(id) => <input id={id} name="user" autocomplete="username" required value={user} onInput={(e) => setUser(e.currentTarget.value)} />}</Field>
      <Field label={t('login.password')}>{(id) => <input id={id} name="password" type="password" autocomplete="current-password" required value={pw} onInput={(e) => setPw(e.currentTarget.value)} />}</Field>
      <ErrorBox error={a.error} />
      <button type="submit" class="primary" disabled={a.busy}>{t('login.submit')}</button>
    </form>
  );
}

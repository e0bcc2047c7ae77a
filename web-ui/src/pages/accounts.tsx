// Accounts: list, add, edit (password, role), delete; the anonymous viewing switch.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { vapix } from '../api/vapix.js';
import type { Account, Role, Users } from '../api/types.js';
import { t } from '../i18n/index.js';
import { Card, Scroll, ErrorBox, Field, Loading, Notice, useAction } from '../components.js';
import { StrengthMeter } from './setup.js';

const ROLES: Role[] = ['viewer', 'operator', 'admin'];

function RoleSelect(p: { value: Role; onChange: (r: Role) => void; id: string }) {
  return (
    <select id={p.id} value={p.value} onChange={(e) => p.onChange(e.currentTarget.value as Role)}>
      {ROLES.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
    </select>
  );
}

/** Add (no `account`) or edit one account. */
function AccountForm(p: { account?: Account; done: () => void; cancel?: () => void }) {
  const [user, setUser] = useState(p.account?.name ?? '');
  const [pw, setPw] = useState('');
  const [role, setRole] = useState<Role>(p.account?.role ?? 'viewer');
  const [comment, setComment] = useState(p.account?.comment ?? '');
  const a = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void a.run(async () => {
      if (p.account) await api.updateUser(p.account.name, { role, comment, ...(pw ? { password: pw } : {}) });
      else await api.addUser({ user, password: pw, role, comment });
      setPw('');
      if (!p.account) setUser('');
      p.done();
    });
  };
  return (
    <form class="inline sub" onSubmit={submit}>
      <fieldset>
        <legend>{p.account ? `${t('accounts.edit')} ${p.account.name}` : t('accounts.add')}</legend>
        {!p.account && <Field label={t('accounts.user')} hint={t('setup.userHint')}>{(id, d) => <input id={id} aria-describedby={d} value={user} onInput={(e) => setUser(e.currentTarget.value)} autocomplete="off" />}</Field>}
        <Field label={p.account ? t('accounts.newPassword') : t('setup.password')} hint={t('setup.guidance')}>
          {(id, d) => <input id={id} aria-describedby={d} type="password" autocomplete="new-password" value={pw} onInput={(e) => setPw(e.currentTarget.value)} />}
        </Field>
        {pw && <StrengthMeter password={pw} />}
        <Field label={t('accounts.role')}>{(id) => <RoleSelect id={id} value={role} onChange={setRole} />}</Field>
        <Field label={t('accounts.comment')}>{(id) => <input id={id} value={comment} maxLength={64} onInput={(e) => setComment(e.currentTarget.value)} />}</Field>
        <button type="submit" class="primary" disabled={a.busy}>{p.account ? t('common.save') : t('accounts.add')}</button>
        {p.cancel && <button type="button" onClick={p.cancel}>{t('common.cancel')}</button>}
        <ErrorBox error={a.error} />
      </fieldset>
    </form>
  );
}

function Anonymous() {
  const [on, setOn] = useState<boolean>();
  const a = useAction();
  useEffect(() => void vapix.params('System.AnonymousViewing').then((p) => setOn(p['System.AnonymousViewing'] === 'yes'), a.setError), []);
  const toggle = (v: boolean) => void a.run(async () => (await vapix.update({ 'System.AnonymousViewing': v ? 'yes' : 'no' }), setOn(v)));
  return (
    <>
      <label class="check">
        <input type="checkbox" checked={on ?? false} disabled={on === undefined || a.busy} onChange={(e) => toggle(e.currentTarget.checked)} aria-describedby="anon-hint" />
        <span>{t('accounts.anonymous')}</span>
      </label>
      <p class="hint" id="anon-hint">{t('accounts.anonymousHint')}</p>
      <ErrorBox error={a.error} />
    </>
  );
}

export function Accounts() {
  const [users, setUsers] = useState<Users>();
  const [editing, setEditing] = useState<string>();
  const [done, setDone] = useState<string>();
  const a = useAction();
  const reload = () => void api.users().then(setUsers, a.setError);
  useEffect(reload, []);
  const remove = (name: string) => confirm(t('accounts.confirmDelete', { name })) && void a.run(async () => (await api.removeUser(name), reload()));
  return (
    <Card title={t('accounts.title')}>
      {!users && !a.error && <Loading />}
      {users && (
        <Scroll label={t('accounts.title')}>
          <table class="stack">
            <thead>
              <tr>
                <th scope="col">{t('accounts.user')}</th>
                <th scope="col">{t('accounts.role')}</th>
                <th scope="col">{t('accounts.comment')}</th>
                <th scope="col">{t('audio.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {users.users.map((u) => (
                <>
                  <tr key={u.name}>
                    <th scope="row">{u.name}</th>
                    <td>{t(`role.${u.role}`)}</td>
                    <td>{u.comment}</td>
                    <td class="actions">
                      <button type="button" aria-label={`${t('accounts.edit')} ${u.name}`} onClick={() => setEditing(editing === u.name ? undefined : u.name)}>{t('accounts.edit')}</button>
                      <button type="button" class="danger" aria-label={`${t('common.delete')} ${u.name}`} onClick={() => remove(u.name)}>{t('common.delete')}</button>
                    </td>
                  </tr>
                  {editing === u.name && (
                    <tr key={`${u.name}-edit`}>
                      <td colSpan={4}><AccountForm account={u} cancel={() => setEditing(undefined)} done={() => (setEditing(undefined), setDone(t('common.done')), reload())} /></td>
                    </tr>
                  )}
                </>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <ErrorBox error={a.error} />
      <Notice text={done} />
      <AccountForm done={() => (setDone(t('common.done')), reload())} />
      <Anonymous />
    </Card>
  );
}

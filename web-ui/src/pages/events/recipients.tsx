// Recipients: the list, add / edit / delete, a form per type from the device's recipient
// templates; the password is write-only (blank on an edit: unchanged); Test sends a test message
// with the form as it is, a progress bar meanwhile (the device gives up after 30 s).
import { useState } from 'preact/hooks';
import { t } from '../../i18n/index.js';
import { Card, ErrorBox, Field, Loading, Notice, Progress, Scroll, errorText, useAction } from '../../components.js';
import { events, type Recipient, type RecipientKind, type RecipientParam, type TestResult } from '../../api/events.js';
import { refusedField } from './context.js';

const LABELS: Record<string, string> = {
  upload_url: 'rcp.url', login: 'rcp.login', password: 'rcp.password', validate_server_cert: 'rcp.validate', email_to: 'rcp.emailTo', email_from: 'rcp.emailFrom',
  host: 'rcp.host', port: 'rcp.port', encryption: 'rcp.encryption', upload_path: 'rcp.folder', temporary: 'rcp.temporary', passive: 'rcp.passive',
  ssh_host_public_key_md5: 'rcp.md5', ssh_host_public_key_sha256: 'rcp.sha256',
};
const labelOf = (p: RecipientParam) => (LABELS[p.name] ? t(LABELS[p.name] as 'rcp.url') : p.name);

function check(kind: RecipientKind, params: Record<string, string>): Record<string, string | undefined> {
  const e: Record<string, string | undefined> = {};
  for (const p of kind.params) {
    const v = params[p.name] ?? '';
    if (p.secret) continue;
    if (!v) e[p.name] = p.required ? t('ev.required') : undefined;
    else if (p.type === 'int' && (!/^\d+$/.test(v) || Number(v) < (p.min ?? 0) || Number(v) > (p.max ?? Infinity))) e[p.name] = t('plain.intRange', { min: p.min ?? 0, max: p.max ?? '…' });
  }
  return e;
}

function ParamField(p: { param: RecipientParam; value: string; set: (v: string) => void; error?: string; passwordHint: string }) {
  const { param } = p;
  if (param.type === 'bool') {
    const on = (p.value || param.default) === 'yes';
    return (
      <label class="check">
        <input type="checkbox" checked={on} onChange={(e) => p.set(e.currentTarget.checked ? 'yes' : 'no')} />
        <span>{labelOf(param)}</span>
      </label>
    );
  }
  const hint = param.secret ? p.passwordHint : param.default ? t('rcp.defaultIs', { v: param.default }) : undefined;
  return (
    <Field label={labelOf(param) + (param.required ? '' : ` ${t('ev.optional')}`)} hint={hint} error={p.error}>
      {(id, d) => param.type === 'enum' ? (
        <select id={id} aria-describedby={d} value={p.value || param.default} onChange={(e) => p.set(e.currentTarget.value)}>
          {(param.values ?? []).map((v) => <option key={v} value={v}>{v}</option>)}
        </select>
      ) : (
        <input id={id} aria-describedby={d} aria-invalid={p.error ? true : undefined} type={(param.secret ? 'password' : param.type === 'int' ? 'number' : 'text') as 'text'} autocomplete={param.secret ? 'new-password' : 'off'} min={param.min} max={param.max} maxLength={param.maxLength} value={p.value} onInput={(e) => p.set(e.currentTarget.value)} />
      )}
    </Field>
  );
}

/** Add (no `rec`), edit (`rec`), or add a copy of one (`from`: its settings, not its password). */
function RecipientForm(p: { kinds: RecipientKind[]; rec?: Recipient; from?: Recipient; done: () => void; cancel: () => void }) {
  const base = p.rec ?? p.from;
  const [name, setName] = useState(p.rec?.name ?? (p.from ? t('rcp.copyName', { name: p.from.name }) : ''));
  const [template, setTemplate] = useState(base?.template ?? p.kinds[0]!.id);
  const [params, setParams] = useState<Record<string, string>>(base?.params ?? {});
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [tested, setTested] = useState<TestResult>();
  const save = useAction();
  const test = useAction();
  const kind = p.kinds.find((k) => k.id === template)!;
  const pwHint = p.rec?.passwordSet ? t('rcp.passwordKept') : p.from?.passwordSet ? t('rcp.passwordCopy') : t('rcp.passwordNone');
  const plain = () => Object.fromEntries(kind.params.filter((x) => !x.secret).map((x) => [x.name, params[x.name] ?? '']));
  const pw = () => (kind.params.some((x) => x.secret) && password ? { password } : {});
  const refused = (err: unknown) => {
    const f = refusedField(err);
    if (f) setErrors({ [f]: errorText(err) });
    throw err;
  };
  const valid = (needName: boolean) => {
    const e = check(kind, params);
    if (needName && !name.trim()) e.name = t('ev.required');
    setErrors(e);
    return !Object.values(e).some(Boolean);
  };
  const submit = (ev: Event) => {
    ev.preventDefault();
    if (!valid(true)) return save.setError(new Error(t('ev.fix')));
    const body = { name: name.trim(), template, params: plain(), ...pw() };
    void save.run(async () => {
      await (p.rec ? events.putRecipient(p.rec.id, body) : events.addRecipient(body)).catch(refused);
      p.done();
    });
  };
  const runTest = () => {
    setTested(undefined);
    if (!valid(false)) return test.setError(new Error(t('ev.fix')));
    void test.run(async () => setTested(await events.testRecipient({ template, params: plain(), ...pw(), ...(p.rec && !password ? { id: p.rec.id } : {}) }).catch(refused)));
  };
  return (
    <form class="sub" onSubmit={submit} noValidate>
      <fieldset>
        <legend>{p.rec ? t('rcp.edit', { name: p.rec.name }) : p.from ? t('rcp.copyOf', { name: p.from.name }) : t('rcp.add')}</legend>
        <Field label={t('ev.name')} error={errors.name}>{(id, d) => <input id={id} aria-describedby={d} value={name} maxLength={255} onInput={(e) => setName(e.currentTarget.value)} />}</Field>
        <Field label={t('rcp.type')}>
          {(id) => (
            <select id={id} value={template} onChange={(e) => (setTemplate(e.currentTarget.value), setErrors({}), setTested(undefined))}>
              {p.kinds.map((k) => <option key={k.id} value={k.id}>{k.niceName}</option>)}
            </select>
          )}
        </Field>
        {kind.params.map((x) => <ParamField key={`${template}-${x.name}`} param={x} value={x.secret ? password : (params[x.name] ?? '')} error={errors[x.name]} passwordHint={pwHint} set={(v) => (x.secret ? setPassword(v) : setParams({ ...params, [x.name]: v }))} />)}
        <button type="submit" class="primary" disabled={save.busy}>{t('common.save')}</button>
        <button type="button" onClick={runTest} disabled={test.busy}>{t('rcp.test')}</button>
        <button type="button" onClick={p.cancel}>{t('common.cancel')}</button>
        {test.busy && <Progress label={t('rcp.testing')} />}
        {tested?.ok && <Notice text={t('rcp.testOk')} />}
        {tested && !tested.ok && <p class="error" role="alert">{t('rcp.testFailed', { why: tested.error?.message ?? '' })}</p>}
        <ErrorBox error={test.error} />
        <ErrorBox error={save.error} />
      </fieldset>
    </form>
  );
}

const where = (r: Recipient) => r.params.upload_url || r.params.email_to || [r.params.host, r.params.port].filter(Boolean).join(':');

export function Recipients(p: { list?: Recipient[]; kinds?: RecipientKind[]; reload: () => void; error?: unknown }) {
  const [editing, setEditing] = useState<number | 'new' | { copy: number }>();
  const a = useAction();
  const copyOf = typeof editing === 'object' ? p.list?.find((r) => r.id === editing.copy) : undefined;
  const kindName = (id: string) => p.kinds?.find((k) => k.id === id)?.niceName ?? id;
  const done = () => (setEditing(undefined), p.reload());
  const remove = (r: Recipient) => confirm(t('rcp.confirmDelete', { name: r.name })) && void a.run(async () => (await events.removeRecipient(r.id), p.reload()));
  return (
    <Card title={t('rcp.title')} id="recipients">
      <p class="hint">{t('rcp.intro')}</p>
      <ErrorBox error={p.error} />
      {(!p.list || !p.kinds) && !p.error && <Loading />}
      {p.list && p.kinds && (
        <>
          <Scroll label={t('rcp.title')}>
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">{t('ev.name')}</th>
                  <th scope="col">{t('rcp.type')}</th>
                  <th scope="col">{t('rcp.where')}</th>
                  <th scope="col">{t('rcp.password')}</th>
                  <th scope="col">{t('audio.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {p.list.map((r) => (
                  <tr key={r.id}>
                    <th scope="row">{r.name}</th>
                    <td>{kindName(r.template)}</td>
                    <td>{where(r)}</td>
                    <td>{r.passwordSet ? t('rcp.set') : t('rcp.notSet')}</td>
                    <td class="actions">
                      <button type="button" aria-expanded={editing === r.id} aria-label={`${t('accounts.edit')} ${r.name}`} onClick={() => setEditing(editing === r.id ? undefined : r.id)}>{t('accounts.edit')}</button>
                      <button type="button" aria-label={`${t('rcp.copy')} ${r.name}`} onClick={() => setEditing({ copy: r.id })}>{t('rcp.copy')}</button>
                      <button type="button" class="danger" aria-label={`${t('common.delete')} ${r.name}`} onClick={() => remove(r)}>{t('common.delete')}</button>
                    </td>
                  </tr>
                ))}
                {p.list.length === 0 && <tr><td colSpan={5}>{t('rcp.none')}</td></tr>}
              </tbody>
            </table>
          </Scroll>
          <ErrorBox error={a.error} />
          {typeof editing === 'number' && <RecipientForm key={editing} kinds={p.kinds} rec={p.list.find((r) => r.id === editing)} done={done} cancel={() => setEditing(undefined)} />}
          {copyOf && <RecipientForm key={`copy-${copyOf.id}`} kinds={p.kinds} from={copyOf} done={done} cancel={() => setEditing(undefined)} />}
          {editing === 'new' ? <RecipientForm key="new" kinds={p.kinds} done={done} cancel={() => setEditing(undefined)} /> : <button type="button" class="primary" onClick={() => setEditing('new')}>{t('rcp.add')}</button>}
        </>
      )}
    </Card>
  );
}

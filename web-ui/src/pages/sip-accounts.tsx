// SIP accounts: the list with each one's registration status, add / edit / delete, the password
// write-only (never shown, kept when left empty), one default account, answer automatically.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/http.js';
import { t, type Key } from '../i18n/index.js';
import { Card, ErrorBox, Field, Loading, Notice, Progress, Scroll, useAction } from '../components.js';
import { sipApi, type AccountChange, type SipAccount, type Transport } from './sip-api.js';

const P2P = 'sip_account_p2p';
type Text = 'Name' | 'Username' | 'Password' | 'AuthenticationId' | 'CallerId' | 'PublicDomain' | 'Registrar' | 'SecondaryRegistrar';
const TEXTS: [Text, Key][] = [
  ['Name', 'sip.acc.name'],
  ['Username', 'sip.acc.user'],
  ['Password', 'sip.acc.password'],
  ['AuthenticationId', 'sip.acc.authId'],
  ['CallerId', 'sip.acc.callerId'],
  ['PublicDomain', 'sip.acc.domain'],
  ['Registrar', 'sip.acc.registrar'],
  ['SecondaryRegistrar', 'sip.acc.secondary'],
];
type Flag = 'IsDefault' | 'AutoAnswer' | 'Active' | 'VerifyServerCertificate';
const FLAGS: [Flag, Key][] = [
  ['IsDefault', 'sip.acc.default'],
  ['AutoAnswer', 'sip.acc.autoAnswer'],
  ['Active', 'sip.acc.active'],
  ['VerifyServerCertificate', 'sip.acc.verify'],
];

type Form = Record<Text, string> & Record<Flag, boolean> & { Transport: Transport; dtmfRtp: boolean; dtmfInfo: boolean; proxies: { Uri: string; Priority: string }[] };
/** sipd's limit (daemons/sipd/src/accounts.ts MAX_PROXIES) */
const MAX_PROXIES = 4;

function formOf(a?: SipAccount): Form {
  return {
    Name: a?.Name ?? '', Username: a?.Username ?? '', Password: '', AuthenticationId: a?.AuthenticationId ?? '', CallerId: a?.CallerId ?? '',
    PublicDomain: a?.PublicDomain ?? '', Registrar: a?.Registrar ?? '', SecondaryRegistrar: a?.SecondaryRegistrar ?? '',
    IsDefault: a?.IsDefault ?? false, AutoAnswer: a?.AutoAnswer ?? false, Active: a?.Active ?? true, VerifyServerCertificate: a?.VerifyServerCertificate ?? false,
    Transport: a?.Transport ?? 'udp', dtmfRtp: a?.DTMF.RTP ?? true, dtmfInfo: a?.DTMF.SIPInfo ?? true,
    proxies: (a?.Proxies ?? []).map((p) => ({ Uri: p.Uri, Priority: String(p.Priority) })),
  };
}

/** The request: every field but an empty password (the stored one stays); a registrar makes it a registered account. */
function changeOf(f: Form): AccountChange {
  const { Password, dtmfRtp, dtmfInfo, proxies, ...rest } = f;
  const Proxies = proxies.filter((p) => p.Uri.trim()).map((p) => ({ Uri: p.Uri.trim(), Priority: Number(p.Priority) }));
  return { ...rest, ...(Password ? { Password } : {}), Registered: !!f.Registrar, DTMF: { RTP: dtmfRtp, SIPInfo: dtmfInfo }, Proxies };
}

/** The account's proxies: address and priority (1 is tried first), added and removed here. */
function Proxies(p: { rows: Form['proxies']; set: (rows: Form['proxies']) => void; error?: string }) {
  const up = (i: number, patch: Partial<Form['proxies'][number]>) => p.set(p.rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset>
      <legend>{t('sip.acc.proxies')}</legend>
      <p class="hint">{t('sip.acc.proxiesHint')}</p>
      {p.rows.map((r, i) => (
        <div class="cols">
          <Field label={t('sip.acc.proxy', { n: i + 1 })}>{(id) => <input id={id} value={r.Uri} placeholder="192.0.2.20:5060" onInput={(e) => up(i, { Uri: e.currentTarget.value })} />}</Field>
          <Field label={t('sip.acc.priority', { n: i + 1 })}>{(id) => <input id={id} type="number" min={1} max={100} value={r.Priority} onInput={(e) => up(i, { Priority: e.currentTarget.value })} />}</Field>
          <button type="button" aria-label={t('sip.acc.removeProxy', { n: i + 1 })} onClick={() => p.set(p.rows.filter((_, j) => j !== i))}>{t('common.delete')}</button>
        </div>
      ))}
      {p.rows.length < MAX_PROXIES && <button type="button" onClick={() => p.set([...p.rows, { Uri: '', Priority: String(p.rows.length + 1) }])}>{t('sip.acc.addProxy')}</button>}
      {p.error && <p class="field-error" role="alert">{p.error}</p>}
    </fieldset>
  );
}

function AccountForm(p: { account?: SipAccount; done: () => void; cancel?: () => void }) {
  const [f, setF] = useState(formOf(p.account));
  const a = useAction();
  const p2p = p.account?.Id === P2P;
  const named = a.error instanceof ApiError ? a.error.field : undefined;
  const submit = (e: Event) => {
    e.preventDefault();
    void a.run(async () => {
      if (p.account) await sipApi.setAccount({ Id: p.account.Id, ...changeOf(f) });
      else await sipApi.addAccount(changeOf(f));
      if (!p.account) setF(formOf());
      p.done();
    });
  };
  const text = ([k, label]: [Text, Key]) => {
    const error = named === k ? (a.error as ApiError).message : undefined;
    const kept = k === 'Password' && p.account && !p2p ? t('sip.acc.passwordKept') : undefined;
    return (
      <Field label={t(label)} error={error} hint={k === 'Registrar' ? t('sip.acc.registrarHint') : undefined}>
        {(id, db) => <input id={id} aria-describedby={db} aria-invalid={error ? 'true' : undefined} type={(k === 'Password' ? 'password' : 'text') as 'text'} autocomplete={k === 'Password' ? 'new-password' : 'off'} placeholder={kept} value={f[k]} onInput={(e) => setF({ ...f, [k]: e.currentTarget.value })} />}
      </Field>
    );
  };
  const flag = ([k, label]: [Flag | 'dtmfRtp' | 'dtmfInfo', Key]) => (
    <label class="check">
      <input type="checkbox" checked={f[k]} onChange={(e) => setF({ ...f, [k]: e.currentTarget.checked })} />
      <span>{t(label)}</span>
    </label>
  );
  return (
    <form onSubmit={submit} noValidate aria-label={p.account ? t('sip.acc.editing', { name: p.account.Name || p.account.Id }) : t('sip.acc.add')}>
      <div class="cols">
        <fieldset>
          <legend>{t('sip.acc.identity')}</legend>
          {TEXTS.slice(0, p2p ? 1 : 6).map(text)}
        </fieldset>
        {!p2p && (
          <fieldset>
            <legend>{t('sip.acc.server')}</legend>
            {TEXTS.slice(6).map(text)}
            <Proxies rows={f.proxies} set={(proxies) => setF({ ...f, proxies })} error={named === 'Proxies' || (a.error instanceof ApiError && /proxy/i.test(a.error.message)) ? (a.error as ApiError).message : undefined} />
            <Field label={t('sip.acc.transport')} error={named === 'Transport' ? (a.error as ApiError).message : undefined}>
              {(id, db) => (
                <select id={id} aria-describedby={db} value={f.Transport} onChange={(e) => setF({ ...f, Transport: e.currentTarget.value as Transport })}>
                  {(['udp', 'tcp', 'tls'] as const).map((v) => <option value={v}>{v.toUpperCase()}</option>)}
                </select>
              )}
            </Field>
          </fieldset>
        )}
        <fieldset>
          <legend>{t('sip.acc.behaviour')}</legend>
          {FLAGS.slice(0, p2p ? 2 : 4).map(flag)}
          {flag(['dtmfRtp', 'sip.acc.dtmfRtp'])}
          {flag(['dtmfInfo', 'sip.acc.dtmfInfo'])}
        </fieldset>
      </div>
      <button type="submit" class="primary" disabled={a.busy}>{p.account ? t('common.save') : t('sip.acc.add')}</button>
      {p.cancel && <button type="button" onClick={p.cancel}>{t('common.cancel')}</button>}
      {a.busy && <Progress label={t('sip.acc.applying')} />}
      {!(named && (TEXTS.some(([k]) => k === named) || named === 'Transport' || named === 'Proxies')) && !(a.error instanceof ApiError && /proxy/i.test(a.error.message)) && <ErrorBox error={a.error} />}
    </form>
  );
}

export function SipAccounts(p: { changed: () => void }) {
  const [list, setList] = useState<SipAccount[]>();
  const [editing, setEditing] = useState<string>();
  const [done, setDone] = useState<string>();
  const a = useAction();
  const reload = () => void a.run(async () => setList(await sipApi.accounts()));
  useEffect(() => {
    reload();
    // registration runs on its own: follow its status while shown
    const timer = setInterval(() => document.hidden || void sipApi.accounts().then(setList, () => undefined), 3000);
    return () => clearInterval(timer);
  }, []);
  const changed = (what: string) => (setEditing(undefined), setDone(what), reload(), p.changed());
  const remove = (acc: SipAccount) => confirm(t('sip.acc.confirmDelete', { name: acc.Name || acc.Id })) && void a.run(async () => (await sipApi.removeAccount(acc.Id), changed(t('common.done'))));
  return (
    <Card title={t('sip.accounts')} id="sip-accounts">
      {!list && !a.error && <Loading />}
      {list && (
        <Scroll label={t('sip.accounts')}>
          <table class="stack">
            <thead>
              <tr>
                <th scope="col">{t('sip.acc.name')}</th>
                <th scope="col">{t('sip.acc.address')}</th>
                <th scope="col">{t('sip.acc.status')}</th>
                <th scope="col">{t('audio.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((acc) => (
                <>
                  <tr key={acc.Id}>
                    <th scope="row">{acc.Name || acc.Id}{acc.IsDefault ? ` (${t('sip.acc.default')})` : ''}</th>
                    <td>{acc.Id === P2P ? t('sip.acc.p2p') : `${acc.Username}@${acc.Registrar ?? acc.PublicDomain ?? ''} (${acc.Transport.toUpperCase()})`}</td>
                    <td data-account-status={acc.Id}>{acc.Status ?? (acc.Active ? '' : t('sip.acc.inactive'))}</td>
                    <td class="actions">
                      <button type="button" aria-label={`${t('sip.acc.edit')} ${acc.Name || acc.Id}`} onClick={() => setEditing(editing === acc.Id ? undefined : acc.Id)}>{t('sip.acc.edit')}</button>
                      {acc.Id !== P2P && <button type="button" class="danger" aria-label={`${t('common.delete')} ${acc.Name || acc.Id}`} onClick={() => remove(acc)}>{t('common.delete')}</button>}
                    </td>
                  </tr>
                  {editing === acc.Id && (
                    <tr key={`${acc.Id}-edit`}>
                      <td colSpan={4}><AccountForm account={acc} cancel={() => setEditing(undefined)} done={() => changed(t('sip.acc.saved'))} /></td>
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
      <h3>{t('sip.acc.add')}</h3>
      <AccountForm done={() => changed(t('sip.acc.added'))} />
    </Card>
  );
}

// The test call (from an account to a SIP address, its state followed live, ended here), the calls
// now (GetCallStatuses, polled while shown) and the DTMF sequences with their descriptions.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n/index.js';
import { Card, ErrorBox, Field, Loading, Notice, Scroll, useAction } from '../components.js';
import { sipApi, type CallStatus, type SipAccount } from './sip-api.js';

/** How often the live views ask for the call states (a call's state changes within a second). */
const POLL_MS = 1000;
const SIP_URI = /^sips?:[^\s<>"]+$/;
const DTMF_RE = /^[0-9A-D#*]{1,32}$/;

function usePoll(fn: () => void, ms = POLL_MS) {
  useEffect(() => {
    fn();
    const timer = setInterval(() => document.hidden || fn(), ms);
    return () => clearInterval(timer);
  }, []);
}

export function TestCall() {
  const [accounts, setAccounts] = useState<SipAccount[]>();
  const [account, setAccount] = useState('');
  const [to, setTo] = useState('');
  const [call, setCall] = useState<CallStatus>();
  const [toError, setToError] = useState<string>();
  const a = useAction();
  useEffect(() => {
    void sipApi.accounts().then((l) => (setAccounts(l), setAccount(l.find((x) => x.IsDefault)?.Id ?? l[0]?.Id ?? '')), a.setError);
  }, []);
  const id = call?.CallId;
  const live = !!call && call.CallState !== 'Terminated';
  useEffect(() => {
    if (!id || !live) return;
    // a call the device has forgotten (ended a while ago) is over
    const timer = setInterval(() => void sipApi.status(id).then(setCall, () => setCall((c) => c && { ...c, CallState: 'Terminated' })), POLL_MS);
    return () => clearInterval(timer);
  }, [id, live]);
  const start = (e: Event) => {
    e.preventDefault();
    setToError(SIP_URI.test(to) ? undefined : t('sip.call.badUri'));
    if (!SIP_URI.test(to)) return;
    void a.run(async () => {
      const CallId = await sipApi.call(to, account);
      setCall(await sipApi.status(CallId));
    });
  };
  const end = () => id && void a.run(async () => (await sipApi.terminate(id), setCall(await sipApi.status(id).catch(() => undefined))));
  if (!accounts) return <Card title={t('sip.call.title')}>{a.error ? <ErrorBox error={a.error} /> : <Loading />}</Card>;
  return (
    <Card title={t('sip.call.title')}>
      <form onSubmit={start} noValidate>
        <Field label={t('sip.call.account')}>
          {(fid) => <select id={fid} value={account} onChange={(e) => setAccount(e.currentTarget.value)}>{accounts.map((x) => <option value={x.Id}>{x.Name || x.Id}</option>)}</select>}
        </Field>
        <Field label={t('sip.call.to')} hint={t('sip.call.toHint')} error={toError}>
          {(fid, db) => <input id={fid} aria-describedby={db} aria-invalid={toError ? 'true' : undefined} value={to} placeholder="sip:1002@192.0.2.10" onInput={(e) => setTo(e.currentTarget.value.trim())} />}
        </Field>
        <button type="submit" class="primary" disabled={a.busy || live}>{t('sip.call.start')}</button>
        <button type="button" class="danger" disabled={!live} onClick={end}>{t('sip.call.end')}</button>
      </form>
      <ErrorBox error={a.error} />
      {call && <p id="sip-test-call-state" role="status">{t('sip.call.state', { state: call.CallState, reason: call.CallStateReason || '—' })}{call.Codec ? ` · ${call.Codec}` : ''}</p>}
    </Card>
  );
}

export function CallList() {
  const [calls, setCalls] = useState<CallStatus[]>();
  const [err, setErr] = useState<unknown>();
  usePoll(() => void sipApi.statuses().then((c) => (setCalls(c), setErr(undefined)), setErr), 2000);
  const a = useAction();
  return (
    <Card title={t('sip.calls')}>
      <ErrorBox error={err ?? a.error} />
      {!calls ? <Loading /> : !calls.length ? <p>{t('sip.calls.none')}</p> : (
        <Scroll label={t('sip.calls')}>
          <table class="stack">
            <thead>
              <tr>{(['sip.calls.remote', 'sip.calls.direction', 'sip.calls.state', 'sip.calls.since', 'audio.actions'] as const).map((k) => <th scope="col">{t(k)}</th>)}</tr>
            </thead>
            <tbody>
              {calls.map((c) => (
                <tr key={c.CallId}>
                  <th scope="row">{c.RemoteURI}</th>
                  <td>{c.Direction === 'Incoming' ? t('sip.calls.in') : t('sip.calls.out')}</td>
                  <td>{c.CallState}{c.Codec ? ` (${c.Codec})` : ''}</td>
                  <td>{new Date(c.StartTime).toLocaleTimeString()}</td>
                  <td class="actions">{c.CallState !== 'Terminated' && <button type="button" aria-label={`${t('sip.call.end')} ${c.RemoteURI}`} onClick={() => void a.run(() => sipApi.terminate(c.CallId))}>{t('sip.call.end')}</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </Card>
  );
}

export function DtmfSequences() {
  const [list, setList] = useState<{ group: string; Sequence: string; Description: string }[]>();
  const [seq, setSeq] = useState('');
  const [desc, setDesc] = useState('');
  const [seqError, setSeqError] = useState<string>();
  const [note, setNote] = useState<string>();
  const a = useAction();
  const reload = () => void sipApi.sequences().then(setList, a.setError);
  useEffect(reload, []);
  const add = (e: Event) => {
    e.preventDefault();
    setNote(undefined);
    setSeqError(DTMF_RE.test(seq) ? undefined : t('sip.dtmf.bad'));
    if (!DTMF_RE.test(seq)) return;
    void a.run(async () => (await sipApi.addSequence(seq, desc), setSeq(''), setDesc(''), setNote(t('sip.dtmf.added')), reload()));
  };
  return (
    <Card title={t('sip.dtmf')}>
      <p class="hint">{t('sip.dtmf.intro')}</p>
      {!list ? <Loading /> : list.length === 0 ? <p>{t('sip.dtmf.none')}</p> : (
        <Scroll label={t('sip.dtmf')}>
          <table class="stack">
            <thead>
              <tr><th scope="col">{t('sip.dtmf.sequence')}</th><th scope="col">{t('sip.dtmf.description')}</th><th scope="col">{t('audio.actions')}</th></tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.group}>
                  <th scope="row">{s.Sequence}</th>
                  <td>{s.Description}</td>
                  <td class="actions"><button type="button" class="danger" aria-label={`${t('common.delete')} ${s.Sequence}`} onClick={() => void a.run(async () => (await sipApi.removeSequence(s.group), reload()))}>{t('common.delete')}</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <form onSubmit={add} noValidate>
        <Field label={t('sip.dtmf.sequence')} hint={t('sip.dtmf.hint')} error={seqError}>
          {(id, db) => <input id={id} aria-describedby={db} aria-invalid={seqError ? 'true' : undefined} maxLength={32} value={seq} onInput={(e) => setSeq(e.currentTarget.value.toUpperCase())} />}
        </Field>
        <Field label={t('sip.dtmf.description')}>{(id) => <input id={id} maxLength={64} value={desc} onInput={(e) => setDesc(e.currentTarget.value)} />}</Field>
        <button type="submit" disabled={a.busy}>{t('sip.dtmf.add')}</button>
      </form>
      <ErrorBox error={a.error} />
      <Notice text={note} />
    </Card>
  );
}

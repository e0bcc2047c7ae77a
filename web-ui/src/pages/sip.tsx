// SIP (admin): the settings (the SIP.* params, saved as one param.cgi batch, the device's refusal
// at the field it names), the accounts, the DTMF sequences, a test call and the calls now.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/http.js';
import { vapix } from '../api/vapix.js';
import { t, type Key } from '../i18n/index.js';
import { Card, ErrorBox, Field, Loading, Notice, Progress, useAction } from '../components.js';
import { sipApi } from './sip-api.js';
import { SipAccounts } from './sip-accounts.js';
import { CallList, DtmfSequences, TestCall } from './sip-calls.js';

type Kind = 'bool' | 'int' | 'text';
/** The settings the form shows, by param, with their label key (ranges are the param definitions'). */
const FIELDS: [string, Kind, Key][] = [
  ['SIP.Enabled', 'bool', 'sip.enabled'],
  ['SIP.AllowIncomingCalls', 'bool', 'sip.allowIncoming'],
  ['SIP.Port', 'int', 'sip.port'],
  ['SIP.TLSPort', 'int', 'sip.tlsPort'],
  ['SIP.RTPPortRangeStart', 'int', 'sip.rtpStart'],
  ['SIP.RTPPortRangeEnd', 'int', 'sip.rtpEnd'],
  ['SIP.CallingTimeout', 'int', 'sip.callingTimeout'],
  ['SIP.IncomingCallDuration', 'int', 'sip.incomingDuration'],
  ['SIP.EndCallsAfter', 'int', 'sip.endAfter'],
  ['SIP.DTMFPayloadType', 'int', 'sip.dtmfPt'],
  ['SIP.RegistrationInterval', 'int', 'sip.regInterval'],
  ['SIP.MaxRetransmissions', 'int', 'sip.retrans'],
  ['SIP.FailbackSeconds', 'int', 'sip.failback'],
  ['SIP.UDPToTCPSwitch', 'bool', 'sip.udpToTcp'],
  ['SIP.ViaRewrite', 'bool', 'sip.viaRewrite'],
  ['SIP.ContactRewrite', 'bool', 'sip.contactRewrite'],
  ['SIP.STUN.Enabled', 'bool', 'sip.stun'],
  ['SIP.STUN.Servers', 'text', 'sip.stunServers'],
  ['SIP.TURN.Enabled', 'bool', 'sip.turn'],
  ['SIP.TURN.Servers', 'text', 'sip.turnServers'],
  ['SIP.ICE.Enabled', 'bool', 'sip.ice'],
];
const CODECS = 'SIP.AudioCodecs';
const DIRECTION = 'SIP.AudioDirection';
const NAMES = [...FIELDS.map(([n]) => n), CODECS, DIRECTION];

/** The codec priority: the supported codecs in order, each on or off, moved up with a button. */
function Codecs(p: { value: string; supported: string[]; set: (v: string) => void }) {
  const on = p.value.split(',').filter((c) => p.supported.includes(c));
  const order = [...on, ...p.supported.filter((c) => !on.includes(c))];
  const write = (list: string[], enabled: string[]) => p.set(list.filter((c) => enabled.includes(c)).join(','));
  return (
    <fieldset>
      <legend>{t('sip.codecs')}</legend>
      <p class="hint">{t('sip.codecsHint')}</p>
      {order.map((c, i) => (
        <div class="check">
          <input type="checkbox" id={`codec-${c}`} checked={on.includes(c)} onChange={(e) => write(order, e.currentTarget.checked ? [...on, c] : on.filter((x) => x !== c))} />
          <label for={`codec-${c}`}>{c}</label>
          <button type="button" aria-label={t('sip.codecUp', { name: c })} disabled={i === 0} onClick={() => write([...order.slice(0, i - 1), c, order[i - 1]!, ...order.slice(i + 1)], on)}>↑</button>
        </div>
      ))}
    </fieldset>
  );
}

function Settings() {
  const [saved, setSaved] = useState<Record<string, string>>();
  const [values, setValues] = useState<Record<string, string>>({});
  const [supported, setSupported] = useState<string[]>([]);
  const [note, setNote] = useState<string>();
  const [err, setErr] = useState<unknown>();
  const a = useAction();
  useEffect(() => {
    void vapix.params('SIP').then((all) => {
      const mine = Object.fromEntries(NAMES.map((n) => [n, all[n] ?? '']));
      setSaved(mine);
      setValues(mine);
    }, setErr);
    void sipApi.supportedCodecs().then(setSupported, setErr);
  }, []);
  if (err) return <Card title={t('sip.settings')}><ErrorBox error={err} /></Card>;
  if (!saved) return <Card title={t('sip.settings')}><Loading /></Card>;
  const set = (n: string) => (v: string) => setValues({ ...values, [n]: v });
  const named = a.error instanceof ApiError && a.error.field ? a.error.field.replace(/^root\./, '') : undefined;
  // the device's refusal goes to its field when the form has one for it, else below the form
  const bad = FIELDS.some(([n, kind]) => n === named && kind !== 'bool') ? named : undefined;
  const submit = (e: Event) => {
    e.preventDefault();
    setNote(undefined);
    const changes = Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== saved[k]));
    if (!Object.keys(changes).length) return setNote(t('plain.noChanges'));
    void a.run(async () => {
      await vapix.update(changes);
      setSaved(values);
      setNote(t('sip.saved'));
    });
  };
  const field = ([n, kind, label]: [string, Kind, Key]) => {
    const error = bad === n ? (a.error as ApiError).message : undefined;
    if (kind === 'bool')
      return (
        <div class="check">
          <input type="checkbox" id={`f-${n}`} checked={values[n] === 'yes'} onChange={(e) => set(n)(e.currentTarget.checked ? 'yes' : 'no')} />
          <label for={`f-${n}`}>{t(label)}</label>
        </div>
      );
    return <Field label={t(label)} error={error}>{(id, db) => <input id={id} aria-describedby={db} aria-invalid={error ? 'true' : undefined} type={(kind === 'int' ? 'number' : 'text') as 'text'} value={values[n]} onInput={(e) => set(n)(e.currentTarget.value)} />}</Field>;
  };
  return (
    <Card title={t('sip.settings')}>
      <form onSubmit={submit} noValidate>
        <div class="cols">
          <fieldset>
            <legend>{t('sip.general')}</legend>
            {FIELDS.slice(0, 9).map(field)}
          </fieldset>
          <fieldset>
            <legend>{t('sip.advanced')}</legend>
            <Field label={t('sip.direction')}>
              {(id) => (
                <select id={id} value={values[DIRECTION]} onChange={(e) => set(DIRECTION)(e.currentTarget.value)}>
                  {(['sendrecv', 'recvonly', 'sendonly'] as const).map((d) => <option value={d}>{t(`sip.dir.${d}`)}</option>)}
                </select>
              )}
            </Field>
            {FIELDS.slice(9, 16).map(field)}
          </fieldset>
          <fieldset>
            <legend>{t('sip.nat')}</legend>
            <p class="hint">{t('sip.natHint')}</p>
            {FIELDS.slice(16).map(field)}
          </fieldset>
        </div>
        <Codecs value={values[CODECS]!} supported={supported} set={set(CODECS)} />
        <button type="submit" class="primary" disabled={a.busy}>{t('common.save')}</button>
        {a.busy && <Progress label={t('sip.saving')} />}
        {!bad && <ErrorBox error={a.error} />}
        <Notice text={note} />
      </form>
    </Card>
  );
}

export function Sip() {
  // the test call's account list follows the accounts card
  const [version, setVersion] = useState(0);
  return (
    <>
      <h1>{t('nav.sip')}</h1>
      <Settings />
      <SipAccounts changed={() => setVersion(version + 1)} />
      <TestCall key={version} />
      <CallList />
      <DtmfSequences />
    </>
  );
}

// Network discovery (System page): WS-Discovery mode, Bonjour and UPnP on/off and their names —
// the params discoveryd announces from, read with param.cgi list and saved in one batch.
import { useEffect, useState } from 'preact/hooks';
import { vapix } from '../api/vapix.js';
import { t } from '../i18n/index.js';
import { Card, ErrorBox, Field, Loading, Notice, useAction } from '../components.js';

const MODE = 'WebService.DiscoveryMode';
const NAMES = [MODE, 'Network.Bonjour.Enabled', 'Network.Bonjour.FriendlyName', 'Network.UPnP.Enabled', 'Network.UPnP.FriendlyName'];
/** Network.Bonjour/UPnP.FriendlyName's maxLength (param-db/defs/Network.json) */
const NAME_MAX = 63;

function Switch(p: { label: string; value: string; set: (v: string) => void }) {
  return (
    <Field label={p.label}>
      {(id) => (
        <select id={id} value={p.value} onChange={(e) => p.set(e.currentTarget.value)}>
          <option value="yes">{t('disc.on')}</option>
          <option value="no">{t('disc.off')}</option>
        </select>
      )}
    </Field>
  );
}

function Name(p: { label: string; value: string; set: (v: string) => void }) {
  const error = p.value.length > NAME_MAX ? t('plain.maxlen', { n: NAME_MAX }) : undefined;
  return <Field label={p.label} hint={t('disc.nameHint')} error={error}>{(id, db) => <input id={id} aria-describedby={db} maxLength={NAME_MAX} value={p.value} onInput={(e) => p.set(e.currentTarget.value)} />}</Field>;
}

export function Discovery() {
  const [saved, setSaved] = useState<Record<string, string>>();
  const [values, setValues] = useState<Record<string, string>>({});
  const [note, setNote] = useState<string>();
  const [err, setErr] = useState<unknown>();
  const a = useAction();
  useEffect(() => {
    void Promise.all(['WebService', 'Network.Bonjour', 'Network.UPnP'].map((g) => vapix.params(g))).then((lists) => {
      const all = Object.assign({}, ...lists) as Record<string, string>;
      const mine = Object.fromEntries(NAMES.map((n) => [n, all[n] ?? '']));
      setSaved(mine);
      setValues(mine);
    }, setErr);
  }, []);
  if (err) return <Card title={t('disc.title')}><ErrorBox error={err} /></Card>;
  if (!saved) return <Card title={t('disc.title')}><Loading /></Card>;
  const set = (n: string) => (v: string) => setValues({ ...values, [n]: v });
  const submit = (e: Event) => {
    e.preventDefault();
    setNote(undefined);
    const changes = Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== saved[k]));
    if (!Object.keys(changes).length) return setNote(t('plain.noChanges'));
    void a.run(async () => {
      await vapix.update(changes);
      setSaved(values);
      setNote(t('disc.saved'));
    });
  };
  return (
    <Card title={t('disc.title')}>
      <p class="hint">{t('disc.intro')}</p>
      <form onSubmit={submit} noValidate>
        <Field label={t('disc.wsd')} hint={t('disc.wsdHint')}>
          {(id, db) => (
            <select id={id} aria-describedby={db} value={values[MODE]} onChange={(e) => set(MODE)(e.currentTarget.value)}>
              <option value="Discoverable">{t('disc.on')}</option>
              <option value="NonDiscoverable">{t('disc.off')}</option>
            </select>
          )}
        </Field>
        <Switch label={t('disc.bonjour')} value={values['Network.Bonjour.Enabled']!} set={set('Network.Bonjour.Enabled')} />
        <Name label={t('disc.bonjourName')} value={values['Network.Bonjour.FriendlyName']!} set={set('Network.Bonjour.FriendlyName')} />
        <Switch label={t('disc.upnp')} value={values['Network.UPnP.Enabled']!} set={set('Network.UPnP.Enabled')} />
        <Name label={t('disc.upnpName')} value={values['Network.UPnP.FriendlyName']!} set={set('Network.UPnP.FriendlyName')} />
        <button type="submit" class="primary" disabled={a.busy}>{t('common.save')}</button>
        <ErrorBox error={a.error} />
        <Notice text={note} />
      </form>
    </Card>
  );
}

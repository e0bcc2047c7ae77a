// MQTT: the client to an external broker (connect, broker settings), event publication, subscriptions.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n/index.js';
import { Card, ErrorBox, Field, Loading, Notice, useAction } from '../components.js';
import { mqttApi, type ClientStatus, type EventFilter, type Protocol, type Publication, type Subscription } from './mqtt-api.js';

const PORTS: Record<Protocol, number> = { tcp: 1883, ssl: 8883, ws: 80, wss: 443 };

function Check(p: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label class="check">
      <input type="checkbox" checked={p.checked} onChange={(e) => p.onChange(e.currentTarget.checked)} />
      <span>{p.label}</span>
    </label>
  );
}

function Text(p: { label: string; value: string; onInput: (v: string) => void; type?: 'text' | 'number' | 'password'; hint?: string; placeholder?: string }) {
  return <Field label={p.label} hint={p.hint}>{(id, d) => <input id={id} aria-describedby={d} type={(p.type ?? 'text') as 'text'} value={p.value} placeholder={p.placeholder} onInput={(e) => p.onInput(e.currentTarget.value)} />}</Field>;
}

function Choice<V extends string>(p: { label: string; value: V; values: readonly V[]; onChange: (v: V) => void }) {
  return <Field label={p.label}>{(id) => <select id={id} value={p.value} onChange={(e) => p.onChange(e.currentTarget.value as V)}>{p.values.map((v) => <option value={v}>{v}</option>)}</select>}</Field>;
}

/**
 * The client form. It is keyed by the device's configuration, so a save remounts it with what the
 * device now holds; "Saved." therefore lives in the page (`saved`/`setSaved`), not in the form.
 */
function Client(p: { st: ClientStatus; reload: () => void; saved: boolean; setSaved: (v: boolean) => void }) {
  const c = p.st.config;
  const [f, setF] = useState({ ...c, server: { ...c.server }, password: '', port: String(c.server.port), keepAlive: String(c.keepAliveInterval), timeout: String(c.connectTimeout) });
  const { saved, setSaved } = p;
  const a = useAction();
  const set = (patch: Partial<typeof f>) => setF({ ...f, ...patch });
  const server = (patch: Partial<typeof f.server>) => setF({ ...f, server: { ...f.server, ...patch } });
  const save = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    void a.run(async () => {
      const { password, port, keepAlive, timeout, hasPassword: _h, ...rest } = f;
      await mqttApi.configure({ ...rest, server: { ...f.server, port: Number(port) }, keepAliveInterval: Number(keepAlive), connectTimeout: Number(timeout), ...(password ? { password } : {}) });
      setSaved(true);
      p.reload();
    });
  };
  return (
    <form onSubmit={save}>
      <div class="cols">
        <fieldset>
          <legend>{t('mqtt.broker')}</legend>
          <Text label={t('mqtt.host')} value={f.server.host} onInput={(host) => server({ host })} />
          <Choice label={t('mqtt.protocol')} value={f.server.protocol} values={['tcp', 'ssl', 'ws', 'wss'] as const} onChange={(protocol) => (server({ protocol }), set({ port: String(PORTS[protocol]) }))} />
          <Text label={t('mqtt.port')} type="number" value={f.port} onInput={(port) => set({ port })} />
          {(f.server.protocol === 'ws' || f.server.protocol === 'wss') && <Text label={t('mqtt.basepath')} value={f.server.basepath} onInput={(basepath) => server({ basepath })} />}
          {(f.server.protocol === 'ssl' || f.server.protocol === 'wss') && <Text label={t('mqtt.alpn')} value={f.server.alpnProtocol} onInput={(alpnProtocol) => server({ alpnProtocol })} />}
          <Text label={t('mqtt.username')} value={f.username} onInput={(username) => set({ username })} />
          <Text label={t('mqtt.password')} type="password" value={f.password} placeholder={c.hasPassword ? t('mqtt.passwordKept') : ''} onInput={(password) => set({ password })} />
          <Check label={t('mqtt.validateCert')} checked={f.ssl.validateServerCert} onChange={(validateServerCert) => set({ ssl: { validateServerCert } })} />
        </fieldset>
        <fieldset>
          <legend>{t('mqtt.session')}</legend>
          <Text label={t('mqtt.clientId')} value={f.clientId} onInput={(clientId) => set({ clientId })} />
          <Text label={t('mqtt.prefix')} value={f.deviceTopicPrefix} onInput={(deviceTopicPrefix) => set({ deviceTopicPrefix })} />
          <Text label={t('mqtt.keepAlive')} type="number" value={f.keepAlive} onInput={(keepAlive) => set({ keepAlive })} />
          <Text label={t('mqtt.timeout')} type="number" value={f.timeout} onInput={(timeout) => set({ timeout })} />
          <Text label={t('mqtt.httpProxy')} value={f.httpProxy} onInput={(httpProxy) => set({ httpProxy })} hint={t('mqtt.proxyHint')} />
          <Text label={t('mqtt.httpsProxy')} value={f.httpsProxy} onInput={(httpsProxy) => set({ httpsProxy })} />
          <Choice label={t('mqtt.version')} value={f.mqttVersion} values={['3.1.1', '5'] as const} onChange={(mqttVersion) => set({ mqttVersion })} />
          <Check label={t('mqtt.clean')} checked={f.cleanSession} onChange={(cleanSession) => set({ cleanSession })} />
          <Check label={t('mqtt.reconnect')} checked={f.autoReconnect} onChange={(autoReconnect) => set({ autoReconnect })} />
        </fieldset>
      </div>
      <button type="submit" disabled={a.busy}>{t('common.save')}</button>
      <ErrorBox error={a.error} />
      <Notice text={saved ? t('mqtt.saved') : undefined} />
    </form>
  );
}

function StatusLine(p: { st: ClientStatus; reload: () => void }) {
  const s = p.st.status;
  const a = useAction();
  const active = s.state === 'active';
  const toggle = () => void a.run(async () => (await (active ? mqttApi.deactivate() : mqttApi.activate()), p.reload()));
  return (
    <div>
      <p id="mqtt-state">{t(s.connectionStatus === 'connected' ? 'mqtt.connected' : active ? 'mqtt.connecting' : 'mqtt.inactive')}{s.lastError ? ` — ${s.lastError}` : ''}</p>
      <p class="hint">{t('mqtt.counts', { published: s.published, queued: s.queued, overflowed: s.overflowed })}</p>
      <button type="button" onClick={toggle} disabled={a.busy || !p.st.config.server.host}>{t(active ? 'mqtt.disconnect' : 'mqtt.connect')}</button>
      <ErrorBox error={a.error} />
    </div>
  );
}

function Rows<R>(p: { rows: R[]; set: (rows: R[]) => void; blank: R; cells: (r: R, up: (patch: Partial<R>) => void) => preact.JSX.Element }) {
  return (
    <>
      {p.rows.map((r, i) => (
        <fieldset class="inline">
          {p.cells(r, (patch) => p.set(p.rows.map((x, j) => (j === i ? { ...x, ...patch } : x))))}
          <button type="button" onClick={() => p.set(p.rows.filter((_, j) => j !== i))}>{t('common.delete')}</button>
        </fieldset>
      ))}
      <button type="button" onClick={() => p.set([...p.rows, p.blank])}>{t('mqtt.add')}</button>
    </>
  );
}

function PublicationForm(p: { pub: Publication }) {
  const [f, setF] = useState(p.pub);
  const [saved, setSaved] = useState(false);
  const a = useAction();
  const save = (e: Event) => (e.preventDefault(), setSaved(false), void a.run(async () => (await mqttApi.setPublication(f), setSaved(true))));
  const blank: EventFilter = { topicFilter: '//.', qos: 0, retain: 'none' };
  return (
    <form onSubmit={save}>
      <Check label={t('mqtt.usePrefix')} checked={f.topicPrefix === 'default'} onChange={(v) => setF({ ...f, topicPrefix: v ? 'default' : 'custom' })} />
      {f.topicPrefix === 'custom' && <Text label={t('mqtt.customPrefix')} value={f.customTopicPrefix} onInput={(customTopicPrefix) => setF({ ...f, customTopicPrefix })} />}
      <Check label={t('mqtt.condition')} checked={f.appendEventTopic} onChange={(appendEventTopic) => setF({ ...f, appendEventTopic })} />
      <Check label={t('mqtt.namespaces')} checked={f.includeTopicNamespaces} onChange={(includeTopicNamespaces) => setF({ ...f, includeTopicNamespaces })} />
      <Check label={t('mqtt.serial')} checked={f.includeSerialNumberInPayload} onChange={(includeSerialNumberInPayload) => setF({ ...f, includeSerialNumberInPayload })} />
      <Rows rows={f.eventFilterList} set={(eventFilterList) => setF({ ...f, eventFilterList })} blank={blank} cells={(r, up) => (
        <>
          <Text label={t('mqtt.condFilter')} value={r.topicFilter} onInput={(topicFilter) => up({ topicFilter })} hint={t('mqtt.condHint')} />
          <Choice label={t('mqtt.retain')} value={r.retain} values={['none', 'property', 'all'] as const} onChange={(retain) => up({ retain })} />
          <Choice label={t('mqtt.qos')} value={String(r.qos) as '0'} values={['0', '1', '2'] as const} onChange={(q) => up({ qos: Number(q) as 0 })} />
        </>
      )} />
      <button type="submit" disabled={a.busy}>{t('common.save')}</button>
      <ErrorBox error={a.error} />
      <Notice text={saved ? t('mqtt.saved') : undefined} />
    </form>
  );
}

function SubscriptionsForm(p: { subs: Subscription[] }) {
  const [rows, setRows] = useState(p.subs);
  const [saved, setSaved] = useState(false);
  const a = useAction();
  const save = (e: Event) => (e.preventDefault(), setSaved(false), void a.run(async () => (await mqttApi.setSubscriptions(rows), setSaved(true))));
  return (
    <form onSubmit={save}>
      <Rows rows={rows} set={setRows} blank={{ topicFilter: '', useDeviceTopicPrefix: false, type: 'stateless', qos: 0 }} cells={(r, up) => (
        <>
          <Text label={t('mqtt.subFilter')} value={r.topicFilter} onInput={(topicFilter) => up({ topicFilter })} />
          <Choice label={t('mqtt.subType')} value={r.type} values={['stateless', 'stateful'] as const} onChange={(type) => up({ type })} />
          <Choice label={t('mqtt.qos')} value={String(r.qos) as '0'} values={['0', '1', '2'] as const} onChange={(q) => up({ qos: Number(q) as 0 })} />
          <Check label={t('mqtt.subPrefix')} checked={r.useDeviceTopicPrefix} onChange={(useDeviceTopicPrefix) => up({ useDeviceTopicPrefix })} />
        </>
      )} />
      <button type="submit" disabled={a.busy}>{t('common.save')}</button>
      <ErrorBox error={a.error} />
      <Notice text={saved ? t('mqtt.saved') : undefined} />
    </form>
  );
}

export function Mqtt() {
  const [st, setSt] = useState<ClientStatus>();
  const [clientSaved, setClientSaved] = useState(false);
  const [pub, setPub] = useState<Publication>();
  const [subs, setSubs] = useState<Subscription[]>();
  const [err, setErr] = useState<unknown>();
  const reload = () => void mqttApi.status().then(setSt, setErr);
  useEffect(() => {
    reload();
    void mqttApi.publication().then(setPub, setErr);
    void mqttApi.subscriptions().then(setSubs, setErr);
    // the connection state changes on its own (a broker going away): follow it while shown
    const timer = setInterval(() => document.hidden || reload(), 2000);
    return () => clearInterval(timer);
  }, []);
  return (
    <>
      <h1>{t('mqtt.title')}</h1>
      <ErrorBox error={err} />
      <Card title={t('mqtt.client')}>{st ? <><StatusLine st={st} reload={reload} /><Client key={JSON.stringify(st.config)} st={st} reload={reload} saved={clientSaved} setSaved={setClientSaved} /></> : <Loading />}</Card>
      <Card title={t('mqtt.publication')}>{pub ? <PublicationForm pub={pub} /> : <Loading />}</Card>
      <Card title={t('mqtt.subscriptions')}>{subs ? <SubscriptionsForm subs={subs} /> : <Loading />}</Card>
    </>
  );
}

// Manual triggers (VirtualPort 1–32) and virtual inputs (VirtualInput 1–32): pick a port, turn it
// on or off; the state of all of them, polled every 2 s while the page is open (so a change made
// elsewhere, a timed revert or a CGI call, shows too).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../i18n/index.js';
import { Card, ErrorBox, Field, Loading, useAction } from '../../components.js';
import { events } from '../../api/events.js';

const POLL_MS = 2000;
type Port = { port: number; active: boolean };

interface Kind {
  id: string;
  legend: 'trg.manual' | 'trg.virtual';
  list: () => Promise<Port[]>;
  set: (port: number, active: boolean) => Promise<Port>;
}
const KINDS: Kind[] = [
  { id: 'trigger', legend: 'trg.manual', list: async () => (await events.triggers()).triggers, set: events.setTrigger },
  { id: 'input', legend: 'trg.virtual', list: async () => (await events.virtualInputs()).inputs, set: events.setVirtualInput },
];

function usePolled(list: () => Promise<Port[]>): [Port[] | undefined, unknown, (p: Port) => void] {
  const [ports, setPorts] = useState<Port[]>();
  const [err, setErr] = useState<unknown>();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    // a hidden tab asks nothing (the device's access log and CPU)
    const poll = () => void (document.hidden ? Promise.resolve(undefined) : list()).then((l) => l && live && (setPorts(l), setErr(undefined)), (e) => live && setErr(e)).finally(() => live && (timer = setTimeout(poll, POLL_MS)));
    poll();
    return () => ((live = false), clearTimeout(timer));
  }, []);
  return [ports, err, (p) => setPorts((l) => l?.map((x) => (x.port === p.port ? p : x)))];
}

function PortSwitch(p: { kind: Kind }) {
  const { kind } = p;
  const [ports, err, update] = usePolled(kind.list);
  const [port, setPort] = useState(1);
  const a = useAction();
  const state = ports?.find((x) => x.port === port)?.active;
  const name = t(kind.legend);
  const set = (active: boolean) => void a.run(async () => update(await kind.set(port, active)));
  const on = ports?.filter((x) => x.active).map((x) => x.port) ?? [];
  return (
    <fieldset>
      <legend>{name}</legend>
      <ErrorBox error={err} />
      {!ports && !err && <Loading />}
      {ports && (
        <>
          <div class="cols">
            <Field label={t('trg.port', { name })}>
              {(id) => (
                <select id={id} value={port} onChange={(e) => setPort(Number(e.currentTarget.value))}>
                  {ports.map((x) => <option key={x.port} value={x.port}>{x.port}</option>)}
                </select>
              )}
            </Field>
            <p role="status" data-testid={`${kind.id}-state`}>{t('trg.state', { name, port, state: state ? t('trg.on') : t('trg.off') })}</p>
          </div>
          <button type="button" class="primary" disabled={a.busy || state === true} onClick={() => set(true)}>{t('trg.turnOn', { name, port })}</button>
          <button type="button" disabled={a.busy || state === false} onClick={() => set(false)}>{t('trg.turnOff', { name, port })}</button>
          <p>{on.length ? t('trg.active', { ports: on.join(', ') }) : t('trg.noneActive')}</p>
          <ErrorBox error={a.error} />
        </>
      )}
    </fieldset>
  );
}

export function Triggers() {
  return (
    <Card title={t('trg.title')} id="manual-trigger">
      <p class="hint">{t('trg.intro')}</p>
      {KINDS.map((k) => <PortSwitch key={k.id} kind={k} />)}
    </Card>
  );
}

// Manual triggers (VirtualPort 1–32): pick one, turn it on or off; the state of all of them,
// polled every 2 s while the page is open (a rule on a trigger shows its effect at once).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../i18n/index.js';
import { Card, ErrorBox, Field, Loading, useAction } from '../../components.js';
import { events, type Triggers as List } from '../../api/events.js';

const POLL_MS = 2000;

export function Triggers() {
  const [list, setList] = useState<List>();
  const [port, setPort] = useState(1);
  const [err, setErr] = useState<unknown>();
  const a = useAction();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    const poll = () => void events.triggers().then((l) => live && (setList(l), setErr(undefined)), (e) => live && setErr(e)).finally(() => live && (timer = setTimeout(poll, POLL_MS)));
    poll();
    return () => ((live = false), clearTimeout(timer));
  }, []);
  const state = list?.triggers.find((x) => x.port === port)?.active;
  const set = (active: boolean) => void a.run(async () => {
    const r = await events.setTrigger(port, active);
    setList((l) => l && { triggers: l.triggers.map((x) => (x.port === r.port ? { ...x, active: r.active } : x)) });
  });
  const on = list?.triggers.filter((x) => x.active).map((x) => x.port) ?? [];
  return (
    <Card title={t('trg.title')} id="manual-trigger">
      <p class="hint">{t('trg.intro')}</p>
      <ErrorBox error={err} />
      {!list && !err && <Loading />}
      {list && (
        <>
          <div class="cols">
            <Field label={t('trg.port')}>
              {(id) => (
                <select id={id} value={port} onChange={(e) => setPort(Number(e.currentTarget.value))}>
                  {list.triggers.map((x) => <option key={x.port} value={x.port}>{x.port}</option>)}
                </select>
              )}
            </Field>
            <p role="status" data-testid="trigger-state">{t('trg.state', { port, state: state ? t('trg.on') : t('trg.off') })}</p>
          </div>
          <button type="button" class="primary" disabled={a.busy || state === true} onClick={() => set(true)}>{t('trg.turnOn', { port })}</button>
          <button type="button" disabled={a.busy || state === false} onClick={() => set(false)}>{t('trg.turnOff', { port })}</button>
          <p>{on.length ? t('trg.active', { ports: on.join(', ') }) : t('trg.noneActive')}</p>
          <ErrorBox error={a.error} />
        </>
      )}
    </Card>
  );
}

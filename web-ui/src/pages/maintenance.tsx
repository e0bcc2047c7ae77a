// Maintenance: restart (and wait for the device), restore, factory default, server report, logs.
import { useEffect, useState } from 'preact/hooks';
import { save, setCsrf } from '../api/http.js';
import { vapix } from '../api/vapix.js';
import { t, type Key } from '../i18n/index.js';
import { Card, ErrorBox, Field, Notice, Progress, useAction, wait } from '../components.js';

/** How long a restart may take before the UI says so. */
const BACK_WITHIN_S = 120;

/** Waits until the device answers systemready with a new boot id: it went down and came back. */
async function waitForRestart(before: string, onProgress: (f: number) => void): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < BACK_WITHIN_S * 1000) {
    await wait(1000);
    onProgress((Date.now() - t0) / (BACK_WITHIN_S * 1000));
    const r = await vapix.systemReady().catch(() => undefined);
    if (r && r.bootid !== before && r.systemready === 'yes') return;
  }
  throw new Error(t('maint.notBack', { s: BACK_WITHIN_S }));
}

function useRestart(onBack: () => void) {
  const [progress, setProgress] = useState<number>();
  const a = useAction();
  const go = (fn: () => Promise<unknown>) =>
    void a.run(async () => {
      const before = (await vapix.systemReady()).bootid;
      await fn();
      setProgress(0);
      try {
        await waitForRestart(before, setProgress);
      } finally {
        setProgress(undefined);
      }
      setCsrf(undefined);
      onBack();
    });
  return { progress, go, a };
}

function Confirmed(p: { title: string; hint: string; word: Key; button: string; onConfirm: () => void; busy: boolean }) {
  const [typed, setTyped] = useState('');
  const [err, setErr] = useState<string>();
  const word = t(p.word);
  const submit = (e: Event) => {
    e.preventDefault();
    if (typed !== word) return setErr(t('maint.confirmMismatch', { word }));
    setErr(undefined);
    p.onConfirm();
  };
  return (
    <form class="inline" onSubmit={submit}>
      <fieldset>
        <legend>{p.title}</legend>
        <p>{p.hint}</p>
        <Field label={t('maint.confirmWord', { word })} error={err}>{(id, d) => <input id={id} aria-describedby={d} autocomplete="off" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />}</Field>
        <button type="submit" class="danger" disabled={p.busy}>{p.button}</button>
      </fieldset>
    </form>
  );
}

const LOGS = ['systemlog', 'accesslog', 'auditlog'] as const;

function Logs() {
  const [which, setWhich] = useState<(typeof LOGS)[number]>('systemlog');
  const [text, setText] = useState('');
  const [filter, setFilter] = useState('');
  const a = useAction();
  const load = () => void a.run(async () => setText(await vapix.log(which)));
  useEffect(load, [which]);
  const lines = text.split('\n').filter(Boolean);
  const f = filter.toLowerCase();
  const shown = f ? lines.filter((l) => l.toLowerCase().includes(f)) : lines;
  return (
    <Card title={t('maint.logs')}>
      <div class="cols">
        <Field label={t('maint.log')}>
          {(id) => (
            <select id={id} value={which} onChange={(e) => setWhich(e.currentTarget.value as typeof which)}>
              {LOGS.map((l) => <option key={l} value={l}>{t(`maint.${l}`)}</option>)}
            </select>
          )}
        </Field>
        <Field label={t('maint.logFilter')}>{(id) => <input id={id} type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />}</Field>
      </div>
      <button type="button" onClick={load} disabled={a.busy}>{t('common.refresh')}</button>
      <ErrorBox error={a.error} />
      <p role="status">{t('maint.logLines', { shown: shown.length, total: lines.length })}</p>
      <pre class="log" role="log" tabIndex={0} aria-label={t(`maint.${which}`)}>{shown.slice(-500).join('\n')}</pre>
    </Card>
  );
}

export function Maintenance(p: { onReset: () => void }) {
  const [back, setBack] = useState(false);
  const r = useRestart(() => {
    setBack(true);
    p.onReset();
  });
  const report = useAction();
  const busy = r.a.busy;
  return (
    <>
      <h1>{t('maint.title')}</h1>
      {r.progress !== undefined && <Progress label={t('maint.restarting')} value={r.progress} />}
      <ErrorBox error={r.a.error} />
      <Notice text={back ? t('maint.back') : undefined} />
      <Card title={t('maint.restart')}>
        <p>{t('maint.restartHint')}</p>
        <button type="button" disabled={busy} onClick={() => r.go(vapix.restart)}>{t('maint.restart')}</button>
      </Card>
      <Card title={t('maint.restore')}>
        <Confirmed title={t('maint.restore')} hint={t('maint.restoreHint')} word="maint.confirmRestore" button={t('maint.restore')} busy={busy} onConfirm={() => r.go(vapix.restore)} />
      </Card>
      <Card title={t('maint.factory')}>
        <Confirmed title={t('maint.factory')} hint={t('maint.factoryHint')} word="maint.confirmFactory" button={t('maint.factory')} busy={busy} onConfirm={() => r.go(vapix.factoryDefault)} />
      </Card>
      <Card title={t('maint.report')}>
        <p>{t('maint.reportHint')}</p>
        <button type="button" disabled={report.busy} onClick={() => void report.run(async () => save(await vapix.serverReport(), 'server-report.txt'))}>{t('maint.download')}</button>
        <ErrorBox error={report.error} />
      </Card>
      <Logs />
    </>
  );
}

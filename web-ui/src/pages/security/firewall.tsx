// Security > Firewall: the activated switch, the rule list editor with the default policy, and
// applying it — tested first (the device rolls back by itself after the fallback time unless
// confirmed: a countdown with Confirm / Roll back), or without testing behind a confirmation.
import { useEffect, useState } from 'preact/hooks';
import { Card, ErrorBox, Field, Loading, Notice, useAction } from '../../components.js';
import { t } from '../../i18n/index.js';
import { errorText } from '../../components.js';
import { firewallApi, type Policy, type RulesState } from './firewall-api.js';
import { fieldOf, fromRule, NEW_RULE, toRule, type Draft } from './fw-draft.js';
import { RuleEditor } from './fw-rule.js';
import { restCode } from './rest.js';

function Activated(p: { on: boolean; set: (v: boolean) => void }) {
  const a = useAction();
  const change = (v: boolean) => void a.run(async () => (await firewallApi.setActivated(v), p.set(v)));
  return (
    <>
      <label class="check">
        <input type="checkbox" checked={p.on} disabled={a.busy} onChange={(e) => change(e.currentTarget.checked)} />
        <span>{t('fw.activated')}</span>
      </label>
      <ErrorBox error={a.error} />
    </>
  );
}

/** The running test: seconds left (the device counts), Confirm and Roll back. */
function Testing(p: { left: number; done: (what: 'confirmed' | 'rolledBack') => void }) {
  const a = useAction();
  return (
    <div class="sub testing">
      <p role="timer" aria-live="off" data-testid="fw-countdown">{t('fw.testLeft', { s: p.left })}</p>
      <p class="hint">{t('fw.testHint')}</p>
      <button type="button" class="primary" disabled={a.busy} onClick={() => void a.run(async () => (await firewallApi.confirm(), p.done('confirmed')))}>{t('fw.confirm')}</button>
      <button type="button" disabled={a.busy} onClick={() => void a.run(async () => (await firewallApi.rollBack(), p.done('rolledBack')))}>{t('fw.rollBack')}</button>
      <ErrorBox error={a.error} />
    </div>
  );
}

function Editor(p: { state: RulesState; activated: boolean; reload: () => void }) {
  const testing = p.state.testTimeLeft > 0;
  const [drafts, setDrafts] = useState<Draft[]>(() => (testing ? p.state.pendingRules : p.state.activeRules).map(fromRule));
  const [policy, setPolicy] = useState<Policy>((testing && p.state.pendingDefaultPolicy) || p.state.activeDefaultPolicy);
  const [fallback, setFallback] = useState('300');
  const [edited, setEdited] = useState(0);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [note, setNote] = useState<string>();
  const a = useAction();
  const update = (i: number, patch: Partial<Draft>) => (setDrafts(drafts.map((d, j) => (j === i ? { ...d, ...patch } : d))), setEdited(i));
  const move = (i: number, by: -1 | 1) => {
    const next = [...drafts];
    [next[i], next[i + by]] = [next[i + by]!, next[i]!];
    setDrafts(next);
  };
  const apply = (seconds: number) => {
    setErrors({});
    setNote(undefined);
    void a.run(async () => {
      try {
        await firewallApi.setRules(drafts.map(toRule), policy, seconds);
      } catch (e) {
        const at = fieldOf(restCode(e), errorText(e), drafts, edited);
        if (!at) throw e;
        setErrors({ [at]: errorText(e) });
        return;
      }
      setNote(seconds ? t('fw.testStarted') : t('fw.applied'));
      p.reload();
    });
  };
  const submit = (e: Event) => (e.preventDefault(), apply(Number(fallback)));
  const direct = () => confirm(t('fw.directConfirm')) && apply(0);
  return (
    <form onSubmit={submit} noValidate>
      <Field label={t('fw.defaultPolicy')} hint={t('fw.defaultHint')}>
        {(id, d) => (
          <select id={id} aria-describedby={d} value={policy} onChange={(e) => setPolicy(e.currentTarget.value as Policy)}>
            <option value="ACCEPT">{t('fw.accept')}</option>
            <option value="DROP">{t('fw.drop')}</option>
          </select>
        )}
      </Field>
      <h3>{t('fw.rules')}</h3>
      <p class="hint">{t('fw.rulesHint')}</p>
      {drafts.length === 0 && <p>{t('fw.noRules')}</p>}
      {drafts.map((d, i) => (
        <RuleEditor key={i} index={i} count={drafts.length} d={d} errors={errors} set={(patch) => update(i, patch)} move={(by) => move(i, by)} remove={() => setDrafts(drafts.filter((_, j) => j !== i))} />
      ))}
      <button type="button" onClick={() => (setDrafts([...drafts, { ...NEW_RULE }]), setEdited(drafts.length))}>{t('fw.addRule')}</button>
      <div class="apply">
        <Field label={t('fw.fallback')} hint={t('fw.fallbackHint')}>
          {(id, d) => <input id={id} aria-describedby={d} type="number" min={1} value={fallback} onInput={(e) => setFallback(e.currentTarget.value)} />}
        </Field>
        <button type="submit" class="primary" disabled={a.busy || !p.activated}>{t('fw.test')}</button>
        <button type="button" disabled={a.busy} onClick={direct}>{t('fw.applyDirect')}</button>
        {!p.activated && <p class="hint">{t('fw.testNeedsOn')}</p>}
      </div>
      <ErrorBox error={a.error} />
      <Notice text={note} />
    </form>
  );
}

export function Firewall() {
  const [present, setPresent] = useState<boolean>();
  const [on, setOn] = useState<boolean>();
  const [state, setState] = useState<RulesState>();
  const [err, setErr] = useState<unknown>();
  const [note, setNote] = useState<string>();
  // a new editor when the device's rules change under it (applied, confirmed, rolled back)
  const [generation, setGeneration] = useState(0);
  const reload = () => Promise.all([firewallApi.activated(), firewallApi.rules()]).then(([a, r]) => (setOn(a), setState(r), setErr(undefined)), setErr);
  useEffect(() => {
    void firewallApi.present().then((p) => {
      setPresent(p);
      if (p) void reload();
    }, setErr);
  }, []);
  const left = state?.testTimeLeft ?? 0;
  useEffect(() => {
    if (left <= 0) return;
    // the device counts down; asking each second shows it and notices the rollback at zero
    const timer = setTimeout(() => void firewallApi.rules().then((r) => {
      if (r.testTimeLeft <= 0) {
        setNote(t('fw.expired'));
        setGeneration((g) => g + 1);
      }
      setState(r);
    }, setErr), 1000);
    return () => clearTimeout(timer);
  }, [state]);
  // the new editor starts from the rules the device holds now, so it is made once they are read
  const after = (what: 'confirmed' | 'rolledBack') => (setNote(t(what === 'confirmed' ? 'fw.confirmed' : 'fw.rolledBack')), void reload().then(() => setGeneration((g) => g + 1)));
  return (
    <Card title={t('fw.title')} id="firewall">
      <p class="hint">{t('fw.intro')}</p>
      <ErrorBox error={err} />
      {present === false && <p>{t('fw.absent')}</p>}
      {present !== false && (on === undefined || !state) && !err && <Loading />}
      {on !== undefined && state && (
        <>
          <Activated on={on} set={(v) => (setOn(v), void reload())} />
          {left > 0 && <Testing left={left} done={after} />}
          <Notice text={note} />
          <Editor key={generation} state={state} activated={on} reload={() => (setNote(undefined), void reload())} />
        </>
      )}
    </Card>
  );
}

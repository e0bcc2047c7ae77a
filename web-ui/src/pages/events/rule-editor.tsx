// Add or edit a rule: name, enabled, wait between actions, conditions (the first may be the
// trigger; each may be inverted), the action and its parameters. The device checks it again; its
// refusal is shown at the field it names.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../i18n/index.js';
import { ErrorBox, Field, errorText, useAction } from '../../components.js';
import { events, type Condition, type Rule, type RuleBody, type Topic } from '../../api/events.js';
import { ActionFields, paramError, paramsFor, type Params } from './action-fields.js';
import { refusedField, type Catalogue } from './context.js';
import { buildContent, choices, defaults, itemsOf, parseContent, type Values } from './filter.js';

interface Cond {
  topic: string;
  values: Values;
  /** a filter the form cannot show as fields, kept as written */
  raw?: string;
  invert: boolean;
  trigger: boolean;
}

const condOf = (c: Condition): Cond => {
  const v = parseContent(c.content);
  return { topic: c.topic, values: v ?? {}, raw: v ? undefined : c.content, invert: !!c.invert, trigger: !!c.trigger };
};
const WAIT = /^\d{1,2}:[0-5]\d:[0-5]\d$/;

function ConditionBox(p: { n: number; c: Cond; set: (c: Cond) => void; remove?: () => void; cat: Catalogue; error?: string }) {
  const { c, n } = p;
  const first = n === 0;
  // a stateless event can only be the trigger: offered first only
  const topics = p.cat.topics.filter((x) => first || x.stateful);
  const topic = p.cat.topics.find((x) => x.topic === c.topic);
  const pick = (name: string) => {
    const tp = p.cat.topics.find((x) => x.topic === name);
    if (tp) p.set({ ...c, topic: name, values: defaults(tp, p.cat.schedules), raw: undefined, trigger: c.trigger || !tp.stateful, invert: tp.stateful && c.invert });
  };
  return (
    <fieldset>
      <legend>{first ? t('ev.condition') : t('ev.conditionN', { n: n + 1 })}</legend>
      <Field label={t('ev.event')} error={p.error}>
        {(id, d) => (
          <select id={id} aria-describedby={d} value={c.topic} onChange={(e) => pick(e.currentTarget.value)}>
            {!topic && <option value={c.topic}>{c.topic || t('ev.choose')}</option>}
            {topics.map((x) => <option key={x.topic} value={x.topic}>{x.niceName}</option>)}
          </select>
        )}
      </Field>
      {topic && c.raw === undefined && <ItemFields topic={topic} values={c.values} set={(values) => p.set({ ...c, values })} cat={p.cat} />}
      {c.raw !== undefined && <Field label={t('ev.filter')}>{(id) => <input id={id} value={c.raw} onInput={(e) => p.set({ ...c, raw: e.currentTarget.value })} />}</Field>}
      {first && (
        <label class="check">
          <input type="checkbox" checked={c.trigger} disabled={topic && !topic.stateful} onChange={(e) => p.set({ ...c, trigger: e.currentTarget.checked, invert: false })} aria-describedby={`trig-hint-${n}`} />
          <span>{t('ev.trigger')}</span>
        </label>
      )}
      {first && <p class="hint" id={`trig-hint-${n}`}>{t('ev.triggerHint')}</p>}
      {!c.trigger && (
        <label class="check">
          <input type="checkbox" checked={c.invert} onChange={(e) => p.set({ ...c, invert: e.currentTarget.checked })} />
          <span>{t('ev.invert')}</span>
        </label>
      )}
      {p.remove && <button type="button" onClick={p.remove}>{t('ev.removeCondition', { n: n + 1 })}</button>}
    </fieldset>
  );
}

function ItemFields(p: { topic: Topic; values: Values; set: (v: Values) => void; cat: Catalogue }) {
  return (
    <div class="cols">
      {itemsOf(p.topic).map((item) => {
        const opts = choices(p.topic, item, p.cat.schedules, t('common.yes'), t('common.no'));
        const v = p.values[item.name] ?? '';
        const set = (x: string) => p.set({ ...p.values, [item.name]: x });
        return (
          <Field key={item.name} label={item.niceName ?? item.name}>
            {(id) => opts ? (
              <select id={id} value={v} onChange={(e) => set(e.currentTarget.value)}>
                <option value="">{t('ev.any')}</option>
                {opts.map(([val, lab]) => <option key={val} value={val}>{lab}</option>)}
              </select>
            ) : <input id={id} value={v} placeholder={t('ev.any')} onInput={(e) => set(e.currentTarget.value)} />}
          </Field>
        );
      })}
    </div>
  );
}

export function RuleEditor(p: { rule?: Rule; cat: Catalogue; done: () => void; cancel: () => void }) {
  const r = p.rule;
  const [name, setName] = useState(r?.name ?? '');
  const [enabled, setEnabled] = useState(r?.enabled ?? true);
  const [wait, setWait] = useState(r?.wait ?? '00:00:00');
  const [conds, setConds] = useState<Cond[]>(r ? r.conditions.map(condOf) : [{ topic: '', values: {}, invert: false, trigger: false }]);
  const [template, setTemplate] = useState(r?.action.template ?? '');
  const [params, setParams] = useState<Params>(r?.action.params ?? {});
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const a = useAction();
  const tpl = p.cat.templates.find((x) => x.id === template);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []); // the button that opened the editor is gone: focus moves in, not to the page

  const body = (): RuleBody => ({
    name: name.trim(),
    enabled,
    wait,
    conditions: conds.map((c, i) => {
      const content = c.raw ?? buildContent(c.values);
      return { topic: c.topic, ...(content ? { content } : {}), ...(c.invert && !c.trigger ? { invert: true } : {}), ...(i === 0 && c.trigger ? { trigger: true } : {}) };
    }),
    // a template this device does not declare (a preconfigured rule's): its parameters as they were
    action: { template, params: tpl ? paramsFor(tpl, params) : params },
  });
  const check = (): Record<string, string | undefined> => {
    const e: Record<string, string | undefined> = {};
    if (!name.trim()) e.name = t('ev.required');
    if (!WAIT.test(wait)) e.wait = t('ev.waitFormat');
    conds.forEach((c, i) => !c.topic && (e[`cond${i}`] = t('ev.required')));
    if (!template) e.template = t('ev.required');
    for (const x of tpl?.params ?? []) e[x.name] = paramError(x, params[x.name] ?? '');
    return e;
  };
  const submit = (ev: Event) => {
    ev.preventDefault();
    const e = check();
    setErrors(e);
    if (Object.values(e).some(Boolean)) return a.setError(new Error(t('ev.fix')));
    void a.run(async () => {
      try {
        await (r ? events.putRule(r.id, body()) : events.addRule(body()));
      } catch (err) {
        const f = refusedField(err);
        const at = f === 'conditions' ? 'conditions' : f && (f in params || f === 'name' || f === 'wait') ? f : undefined;
        if (at) setErrors({ [at]: errorText(err) });
        throw err;
      }
      p.done();
    });
  };
  const setCond = (i: number, c: Cond) => setConds(conds.map((x, j) => (j === i ? c : x)));
  return (
    <form class="sub" onSubmit={submit} noValidate>
      <fieldset>
        <legend>{r ? t('ev.editRule', { name: r.name }) : t('ev.addRule')}</legend>
        <Field label={t('ev.name')} error={errors.name}>{(id, d) => <input id={id} ref={first} aria-describedby={d} value={name} maxLength={255} onInput={(e) => setName(e.currentTarget.value)} />}</Field>
        <label class="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
          <span>{t('ev.enabled')}</span>
        </label>
        <Field label={t('ev.wait')} hint={t('ev.waitHint')} error={errors.wait}>{(id, d) => <input id={id} aria-describedby={d} value={wait} pattern="\d{1,2}:[0-5]\d:[0-5]\d" onInput={(e) => setWait(e.currentTarget.value)} />}</Field>
        {conds.map((c, i) => <ConditionBox key={i} n={i} c={c} cat={p.cat} error={errors[`cond${i}`]} set={(x) => setCond(i, x)} remove={i > 0 ? () => setConds(conds.filter((_, j) => j !== i)) : undefined} />)}
        <button type="button" onClick={() => setConds([...conds, { topic: '', values: {}, invert: false, trigger: false }])}>{t('ev.addCondition')}</button>
        {errors.conditions && <p class="field-error" role="alert">{errors.conditions}</p>}
        <fieldset>
          <legend>{t('ev.action')}</legend>
          <Field label={t('ev.actionType')} error={errors.template}>
            {(id, d) => (
              <select id={id} aria-describedby={d} value={template} onChange={(e) => (setTemplate(e.currentTarget.value), setErrors({}))}>
                {!tpl && <option value={template}>{template || t('ev.choose')}</option>}
                {p.cat.templates.map((x) => <option key={x.id} value={x.id}>{x.niceName}</option>)}
              </select>
            )}
          </Field>
          {tpl && <ActionFields template={tpl} params={paramsFor(tpl, params)} cat={p.cat} errors={errors} set={(k, v) => setParams({ ...paramsFor(tpl, params), [k]: v })} />}
        </fieldset>
        <button type="submit" class="primary" disabled={a.busy}>{t('common.save')}</button>
        <button type="button" onClick={p.cancel}>{t('common.cancel')}</button>
        <ErrorBox error={a.error} />
      </fieldset>
    </form>
  );
}

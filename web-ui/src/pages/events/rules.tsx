// Rules: the list (name, enabled switch, conditions, action), add, edit, delete.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../i18n/index.js';
import { Card, ErrorBox, Loading, Scroll, useAction } from '../../components.js';
import { events, type Rule } from '../../api/events.js';
import type { Catalogue } from './context.js';
import { conditionSummary } from './filter.js';
import { RuleEditor } from './rule-editor.js';

const bodyOf = (r: Rule, enabled: boolean) => ({ name: r.name, enabled, wait: r.wait, conditions: r.conditions, action: r.action });

function actionSummary(cat: Catalogue, r: Rule): string {
  const tpl = cat.templates.find((x) => x.id === r.action.template);
  const clip = cat.clips.find((c) => c.location === r.action.params.location)?.name ?? r.action.params.location;
  const rec = cat.recipients.find((x) => String(x.id) === r.action.params.recipient_id)?.name;
  return [tpl?.niceName ?? r.action.template, clip, rec].filter(Boolean).join(': ');
}

function RuleRow(p: { r: Rule; cat: Catalogue; editing: boolean; edit: () => void; reload: () => void }) {
  const { r, cat } = p;
  const a = useAction();
  // the switch moves at once; the device's answer (a refusal: back) follows
  const [on, setOn] = useState(r.enabled);
  useEffect(() => setOn(r.enabled), [r.enabled]);
  const toggle = (v: boolean) => {
    setOn(v);
    void a.run(async () => {
      try {
        await events.putRule(r.id, bodyOf(r, v));
      } catch (e) {
        setOn(r.enabled);
        throw e;
      }
      p.reload();
    });
  };
  const remove = () => confirm(t('ev.confirmDeleteRule', { name: r.name })) && void a.run(async () => (await events.removeRule(r.id), p.reload()));
  const yes = t('common.yes');
  const no = t('common.no');
  return (
    <tr>
      <th scope="row">{r.name}{r.active && <span class="badge">{t('ev.active')}</span>}</th>
      <td>
        <label class="check">
          <input type="checkbox" checked={on} disabled={a.busy} onChange={(e) => toggle(e.currentTarget.checked)} />
          <span aria-hidden="true">{on ? t('common.yes') : t('common.no')}</span>
          <span class="vh">{t('ev.enableRule', { name: r.name })}</span>
        </label>
      </td>
      <td>{r.conditions.map((c, i) => <div key={i}>{c.trigger ? `${t('ev.triggerShort')} ` : ''}{c.invert ? `${t('ev.not')} ` : ''}{conditionSummary(cat.topics, cat.schedules, c, yes, no)}</div>)}</td>
      <td>{actionSummary(cat, r)}</td>
      <td class="actions">
        <button type="button" aria-expanded={p.editing} aria-label={`${t('accounts.edit')} ${r.name}`} onClick={p.edit}>{t('accounts.edit')}</button>
        <button type="button" class="danger" aria-label={`${t('common.delete')} ${r.name}`} onClick={remove}>{t('common.delete')}</button>
        <ErrorBox error={a.error} />
      </td>
    </tr>
  );
}

export function Rules(p: { cat?: Catalogue; rules?: Rule[]; limit?: number; reload: () => void; error?: unknown }) {
  const [editing, setEditing] = useState<number | 'new'>();
  const cat = p.cat;
  const done = () => (setEditing(undefined), p.reload());
  return (
    <Card title={t('ev.rules')} id="rules">
      <p class="hint">{t('ev.rulesIntro', { limit: p.limit ?? 256 })}</p>
      <ErrorBox error={p.error} />
      {(!cat || !p.rules) && !p.error && <Loading />}
      {cat && p.rules && (
        <>
          <Scroll label={t('ev.rules')}>
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">{t('ev.name')}</th>
                  <th scope="col">{t('ev.enabled')}</th>
                  <th scope="col">{t('ev.conditions')}</th>
                  <th scope="col">{t('ev.action')}</th>
                  <th scope="col">{t('audio.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {p.rules.map((r) => <RuleRow key={r.id} r={r} cat={cat} editing={editing === r.id} edit={() => setEditing(editing === r.id ? undefined : r.id)} reload={p.reload} />)}
                {p.rules.length === 0 && <tr><td colSpan={5}>{t('ev.noRules')}</td></tr>}
              </tbody>
            </table>
          </Scroll>
          {typeof editing === 'number' && <RuleEditor key={editing} rule={p.rules.find((r) => r.id === editing)} cat={cat} done={done} cancel={() => setEditing(undefined)} />}
          {editing === 'new' ? <RuleEditor key="new" cat={cat} done={done} cancel={() => setEditing(undefined)} /> : <button type="button" class="primary" onClick={() => setEditing('new')}>{t('ev.addRule')}</button>}
        </>
      )}
    </Card>
  );
}

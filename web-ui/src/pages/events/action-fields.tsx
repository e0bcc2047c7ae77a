// An action template's parameters as fields, checked here as the device checks them (type, range,
// enum, required); recipients and clips are picked from their lists.
import { t, type Key } from '../../i18n/index.js';
import { Field } from '../../components.js';
import type { Template, TemplateParam } from '../../api/events.js';
import { recipientKindOf, type Catalogue } from './context.js';

export type Params = Record<string, string>;

/** What is wrong with one value, or undefined. */
export function paramError(p: TemplateParam, v: string): string | undefined {
  if (v === '') return p.optional ? undefined : t('ev.required');
  if (p.type === 'int') {
    if (!/^-?\d+$/.test(v)) return t('plain.int');
    const n = Number(v);
    if ((p.min !== undefined && n < p.min) || (p.max !== undefined && n > p.max)) return t('plain.intRange', { min: p.min ?? '…', max: p.max ?? '…' });
  }
  if (p.type === 'enum' && !(p.values ?? []).includes(v)) return t('ev.oneOf', { values: (p.values ?? []).join(', ') });
  return undefined;
}

/** Every parameter the template declares, with what the rule had (new ones empty). */
export const paramsFor = (tpl: Template | undefined, had: Params): Params => Object.fromEntries((tpl?.params ?? []).map((p) => [p.name, had[p.name] ?? (p.name === 'volume' ? '100' : p.name === 'repeat' ? '0' : '')]));

// the names the UI words itself (a declaration's niceName otherwise, then the bare name)
const LABELS: Record<string, Key> = { location: 'ev.clip', recipient_id: 'ev.recipient', volume: 'ev.volume', repeat: 'ev.repeat' };
const label = (p: TemplateParam) => (LABELS[p.name] ? t(LABELS[p.name]!) : (p.niceName ?? p.name)) + (p.optional ? ` ${t('ev.optional')}` : '');

function Control(p: { param: TemplateParam; value: string; set: (v: string) => void; cat: Catalogue; template: string; id: string; d?: string }) {
  const { param, value, set, id, d } = p;
  const invalid = p.d?.includes('-err') ? true : undefined;
  if (param.name === 'recipient_id') {
    const kind = recipientKindOf(p.template);
    const list = p.cat.recipients.filter((r) => r.template === `com.axis.recipient.${kind}`);
    return (
      <select id={id} aria-describedby={d} aria-invalid={invalid} value={value} onChange={(e) => set(e.currentTarget.value)}>
        <option value="">{list.length ? t('ev.choose') : t('ev.noRecipients')}</option>
        {list.map((r) => <option key={r.id} value={String(r.id)}>{r.name}</option>)}
      </select>
    );
  }
  if (param.name === 'location') {
    const known = p.cat.clips.some((c) => c.location === value);
    return (
      <select id={id} aria-describedby={d} aria-invalid={invalid} value={value} onChange={(e) => set(e.currentTarget.value)}>
        <option value="">{t('ev.choose')}</option>
        {!known && value && <option value={value}>{value}</option>}
        {p.cat.clips.map((c) => <option key={c.id} value={c.location}>{c.name}</option>)}
      </select>
    );
  }
  if (param.type === 'enum' || param.type === 'bool') {
    const values = param.type === 'bool' ? ['yes', 'no'] : (param.values ?? []);
    return (
      <select id={id} aria-describedby={d} aria-invalid={invalid} value={value} onChange={(e) => set(e.currentTarget.value)}>
        {param.optional && <option value="">{t('ev.default')}</option>}
        {values.map((v) => <option key={v} value={v}>{v}</option>)}
      </select>
    );
  }
  if (param.type === 'int') return <input id={id} aria-describedby={d} aria-invalid={invalid} type="number" min={param.min} max={param.max} value={value} onInput={(e) => set(e.currentTarget.value)} />;
  return <input id={id} aria-describedby={d} aria-invalid={invalid} value={value} maxLength={8192} onInput={(e) => set(e.currentTarget.value)} />;
}

/** The fields; optional ones the declaration gives no name (the audio output's ids) under "More". */
export function ActionFields(p: { template: Template; params: Params; set: (name: string, v: string) => void; cat: Catalogue; errors: Record<string, string | undefined> }) {
  const field = (param: TemplateParam) => (
    <Field key={param.name} label={label(param)} error={p.errors[param.name]}>
      {(id, d) => <Control param={param} value={p.params[param.name] ?? ''} set={(v) => p.set(param.name, v)} cat={p.cat} template={p.template.id} id={id} d={d} />}
    </Field>
  );
  const more = p.template.params.filter((x) => x.optional && !x.niceName);
  return (
    <>
      {p.template.params.filter((x) => !more.includes(x)).map(field)}
      {more.length > 0 && (
        <details class="group">
          <summary>{t('ev.more')}</summary>
          {more.map(field)}
        </details>
      )}
    </>
  );
}

// Plain config: every parameter the caller may see, by group, edited within its definition (type,
// range, enum, length) and saved per group; what the device refuses is shown in its own words.
import { useEffect, useState } from 'preact/hooks';
import { vapix, type ParamDef } from '../api/vapix.js';
import { t } from '../i18n/index.js';
import { Card, ErrorBox, Field, Loading, Notice, useAction } from '../components.js';

/** Why a value does not fit its definition, or undefined when it does (the device checks again). */
export function invalid(d: ParamDef, v: string): string | undefined {
  const ty = d.type;
  if (ty.kind === 'int') {
    const n = Number(v);
    const ranged = ty.min !== undefined && ty.max !== undefined;
    if (!/^-?\d+$/.test(v.trim()) || (ty.min !== undefined && n < ty.min) || (ty.max !== undefined && n > ty.max)) return ranged ? t('plain.intRange', { min: ty.min!, max: ty.max! }) : t('plain.int');
  }
  if (ty.kind === 'float') {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || (ty.min !== undefined && n < ty.min) || (ty.max !== undefined && n > ty.max)) return t('plain.float', { min: ty.min ?? '−∞', max: ty.max ?? '∞' });
  }
  if (ty.kind === 'string' && ty.maxlen !== undefined && v.length > ty.maxlen) return t('plain.maxlen', { n: ty.maxlen });
  return undefined;
}

function Input(p: { d: ParamDef; id: string; describedBy?: string; value: string; set: (v: string) => void }) {
  const { d } = p;
  const common = { id: p.id, name: d.name, 'aria-describedby': p.describedBy, disabled: d.readonly };
  if (d.type.kind === 'enum') return <select {...common} value={p.value} onChange={(e) => p.set(e.currentTarget.value)}>{d.type.values.map((v) => <option key={v} value={v}>{v}</option>)}</select>;
  if (d.type.kind === 'bool') {
    const ty = d.type;
    return <select {...common} value={p.value} onChange={(e) => p.set(e.currentTarget.value)}><option value={ty.on}>{ty.on}</option><option value={ty.off}>{ty.off}</option></select>;
  }
  const numeric = d.type.kind === 'int' || d.type.kind === 'float';
  return <input {...common} inputMode={numeric ? 'numeric' : undefined} maxLength={d.type.kind === 'string' ? d.type.maxlen : undefined} value={p.value} onInput={(e) => p.set(e.currentTarget.value)} />;
}

function Group(p: { name: string; defs: ParamDef[] }) {
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(p.defs.map((d) => [d.name, d.value])));
  const [saved, setSaved] = useState<Record<string, string>>(values);
  const [note, setNote] = useState<string>();
  const a = useAction();
  const errors = Object.fromEntries(p.defs.map((d) => [d.name, d.readonly ? undefined : invalid(d, values[d.name] ?? '')]));
  const submit = (e: Event) => {
    e.preventDefault();
    setNote(undefined);
    const changes = Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== saved[k]));
    if (Object.keys(changes).some((k) => errors[k])) return;
    if (!Object.keys(changes).length) return setNote(t('plain.noChanges'));
    void a.run(async () => {
      try {
        await vapix.update(changes);
      } catch (err) {
        throw new Error(t('plain.refused', { why: err instanceof Error ? err.message : String(err) }));
      }
      setSaved(values);
      setNote(t('plain.saved', { n: Object.keys(changes).length, group: p.name }));
    });
  };
  return (
    <details class="group">
      <summary>{p.name} <span class="hint">({p.defs.length})</span></summary>
      <form onSubmit={submit} noValidate>
        {p.defs.map((d) => (
          <Field key={d.name} label={d.name + (d.readonly ? ` (${t('plain.readonly')})` : '')} hint={d.niceName} error={values[d.name] !== saved[d.name] ? errors[d.name] : undefined}>
            {(id, db) => <Input d={d} id={id} describedBy={db} value={values[d.name] ?? ''} set={(v) => setValues({ ...values, [d.name]: v })} />}
          </Field>
        ))}
        <button type="submit" class="primary" disabled={a.busy}>{t('common.save')} {p.name}</button>
        <ErrorBox error={a.error} />
        <Notice text={note} />
      </form>
    </details>
  );
}

export function PlainConfig() {
  const [defs, setDefs] = useState<ParamDef[]>();
  const [filter, setFilter] = useState('');
  const [err, setErr] = useState<unknown>();
  useEffect(() => void vapix.definitions().then(setDefs, setErr), []);
  const shown = (defs ?? []).filter((d) => !filter || d.name.toLowerCase().includes(filter.toLowerCase()));
  const groups = new Map<string, ParamDef[]>();
  for (const d of shown) {
    const g = d.name.split('.')[0]!;
    groups.set(g, [...(groups.get(g) ?? []), d]);
  }
  return (
    <Card title={t('plain.title')}>
      <p>{t('plain.intro')}</p>
      <ErrorBox error={err} />
      {!defs && !err && <Loading />}
      <Field label={t('plain.filter')}>{(id) => <input id={id} type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />}</Field>
      {[...groups].map(([g, ds]) => <Group key={`${g}:${filter}`} name={g} defs={ds} />)}
    </Card>
  );
}

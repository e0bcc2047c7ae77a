// Schedules and pulses: the list (the defaults among them) with what each does and its next
// occurrence, a friendly editor (days, from–to, or every N minutes) writing the iCalendar text the
// device takes, delete. The device's refusal is shown as it says it.
import { useState } from 'preact/hooks';
import { t } from '../../i18n/index.js';
import { Card, ErrorBox, Field, Loading, Scroll, useAction } from '../../components.js';
import { events, type Schedule } from '../../api/events.js';
import { DAYS, fromIcal, toIcal, type Day, type Friendly } from './ical.js';

const dayName = (d: Day) => t(`day.${d}`);
function when(iso: string | undefined, zone: string): string {
  if (!iso) return '—';
  try {
    return new Date(iso).toLocaleString(undefined, { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' });
  } catch {
    return `${iso.slice(0, 16).replace('T', ' ')} UTC`; // a zone this browser does not know
  }
}

/** a text the editor did not write: its times in words where it can (daily, weekly), else as it is */
function plain(ical: string): string {
  const text = ical.replace(/\\n/g, '\n');
  const at = (k: string) => /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)/.exec(new RegExp(`^${k}:(\\S+)$`, 'm').exec(text)?.[1] ?? '');
  const [s, e] = [at('DTSTART'), at('DTEND')];
  const freq = /RRULE:FREQ=(DAILY|WEEKLY)$/m.exec(text)?.[1];
  if (!s || !e || !freq) return text.replace(/\n/g, ' · ');
  const day = (m: RegExpExecArray) => dayName(DAYS[(new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)).getUTCDay() + 6) % 7]!);
  const hm = (m: RegExpExecArray) => `${m[4]}:${m[5]}`;
  return freq === 'DAILY' ? t('sch.daily', { from: hm(s), to: hm(e) }) : t('sch.weekly', { from: `${day(s)} ${hm(s)}`, to: `${day(e)} ${hm(e)}` });
}

export function describe(ical: string): string {
  const f = fromIcal(ical);
  if (!f) return plain(ical);
  if (f.kind === 'every') return t('sch.everyN', { n: f.minutes });
  const days = f.days.map(dayName).join(', ');
  return f.kind === 'at' ? t('sch.atOn', { at: f.at, days }) : t('sch.window', { days, from: f.from, to: f.to });
}

function AddSchedule(p: { done: () => void; cancel: () => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Friendly['kind']>('window');
  const [days, setDays] = useState<Day[]>(['MO', 'TU', 'WE', 'TH', 'FR']);
  const [from, setFrom] = useState('08:00');
  const [to, setTo] = useState('17:00');
  const [at, setAt] = useState('12:00');
  const [minutes, setMinutes] = useState('15');
  const [bad, setBad] = useState<string>();
  const a = useAction();
  const friendly = (): Friendly => (kind === 'every' ? { kind, minutes: Number(minutes) } : kind === 'at' ? { kind, days, at } : { kind, days, from, to });
  const submit = (e: Event) => {
    e.preventDefault();
    const why = !name.trim() ? t('sch.needName') : kind !== 'every' && !days.length ? t('sch.needDay') : kind === 'every' && !/^[1-9]\d*$/.test(minutes) ? t('sch.needMinutes') : undefined;
    setBad(why);
    if (why) return;
    void a.run(async () => (await events.addSchedule({ name: name.trim(), ical: toIcal(friendly()) }), p.done()));
  };
  const toggle = (d: Day, on: boolean) => setDays(DAYS.filter((x) => (x === d ? on : days.includes(x))));
  return (
    <form class="sub" onSubmit={submit} noValidate>
      <fieldset>
        <legend>{t('sch.add')}</legend>
        <Field label={t('ev.name')}>{(id) => <input id={id} value={name} maxLength={255} onInput={(e) => setName(e.currentTarget.value)} />}</Field>
        <Field label={t('sch.kind')}>
          {(id) => (
            <select id={id} value={kind} onChange={(e) => setKind(e.currentTarget.value as Friendly['kind'])}>
              <option value="window">{t('sch.kindWindow')}</option>
              <option value="at">{t('sch.kindAt')}</option>
              <option value="every">{t('sch.kindEvery')}</option>
            </select>
          )}
        </Field>
        {kind !== 'every' && (
          <fieldset>
            <legend>{t('sch.days')}</legend>
            <div class="days">
              {DAYS.map((d) => (
                <label key={d} class="check">
                  <input type="checkbox" checked={days.includes(d)} onChange={(e) => toggle(d, e.currentTarget.checked)} />
                  <span>{dayName(d)}</span>
                </label>
              ))}
            </div>
          </fieldset>
        )}
        {kind === 'window' && (
          <div class="cols">
            <Field label={t('sch.from')}>{(id) => <input id={id} type="time" required value={from} onInput={(e) => setFrom(e.currentTarget.value)} />}</Field>
            <Field label={t('sch.to')} hint={t('sch.toHint')}>{(id, d) => <input id={id} aria-describedby={d} type="time" required value={to} onInput={(e) => setTo(e.currentTarget.value)} />}</Field>
          </div>
        )}
        {kind === 'at' && <Field label={t('sch.at')}>{(id) => <input id={id} type="time" required value={at} onInput={(e) => setAt(e.currentTarget.value)} />}</Field>}
        {kind === 'every' && <Field label={t('sch.minutes')}>{(id) => <input id={id} type="number" min={1} value={minutes} onInput={(e) => setMinutes(e.currentTarget.value)} />}</Field>}
        <p class="hint">{t('sch.ical')} <code>{toIcal(friendly()).replace(/\n/g, ' · ')}</code></p>
        <button type="submit" class="primary" disabled={a.busy}>{t('common.save')}</button>
        <button type="button" onClick={p.cancel}>{t('common.cancel')}</button>
        {bad && <p class="error" role="alert">{bad}</p>}
        <ErrorBox error={a.error} />
      </fieldset>
    </form>
  );
}

export function Schedules(p: { list?: Schedule[]; zone?: string; reload: () => void; error?: unknown }) {
  const [adding, setAdding] = useState(false);
  const a = useAction();
  const zone = p.zone ?? 'UTC';
  const remove = (s: Schedule) => confirm(t('sch.confirmDelete', { name: s.name })) && void a.run(async () => (await events.removeSchedule(s.id), p.reload()));
  return (
    <Card title={t('sch.title')} id="schedules">
      <p class="hint">{t('sch.intro', { zone })}</p>
      <ErrorBox error={p.error} />
      {!p.list && !p.error && <Loading />}
      {p.list && (
        <>
          <Scroll label={t('sch.title')}>
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">{t('ev.name')}</th>
                  <th scope="col">{t('sch.kind')}</th>
                  <th scope="col">{t('sch.when')}</th>
                  <th scope="col">{t('sch.next')}</th>
                  <th scope="col">{t('audio.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {p.list.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">{s.name}{s.active && <span class="badge">{t('ev.active')}</span>}</th>
                    <td>{s.kind === 'pulse' ? t('sch.pulse') : t('sch.schedule')}</td>
                    <td>{describe(s.ical)}</td>
                    <td>{when(s.next[0]?.start, zone)}</td>
                    <td class="actions"><button type="button" class="danger" aria-label={`${t('common.delete')} ${s.name}`} onClick={() => remove(s)}>{t('common.delete')}</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
          <ErrorBox error={a.error} />
          {adding ? <AddSchedule done={() => (setAdding(false), p.reload())} cancel={() => setAdding(false)} /> : <button type="button" class="primary" onClick={() => setAdding(true)}>{t('sch.add')}</button>}
        </>
      )}
    </Card>
  );
}

// System > Events: rules, recipients, schedules, manual trigger. The lists the rule editor picks
// from are loaded here and again when a card changes them (a new recipient is offered at once).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { events, type RecipientKind, type Rules as RuleList, type Schedules as ScheduleList } from '../api/events.js';
import { t } from '../i18n/index.js';
import type { Catalogue } from './events/context.js';
import { Recipients } from './events/recipients.js';
import { Rules } from './events/rules.js';
import { Schedules } from './events/schedules.js';
import { Triggers } from './events/triggers.js';

const SECTIONS = [['rules', 'ev.rules'], ['recipients', 'rcp.title'], ['schedules', 'sch.title'], ['manual-trigger', 'trg.title']] as const;

export function Events() {
  const [cat, setCat] = useState<Catalogue>();
  const [rules, setRules] = useState<RuleList>();
  const [schedules, setSchedules] = useState<ScheduleList>();
  const [kinds, setKinds] = useState<RecipientKind[]>();
  const [err, setErr] = useState<unknown>();
  const load = async () => {
    const [topics, templates, recipients, sch, clips, r] = await Promise.all([events.topics(), events.templates(), events.recipients(), events.schedules(), api.clips(), events.rules()]);
    setCat({ topics: topics.topics, templates: templates.templates, recipients: recipients.recipients, schedules: sch.schedules, clips: clips.clips });
    setSchedules(sch);
    setRules(r);
  };
  const reload = () => void load().then(() => setErr(undefined), setErr);
  useEffect(() => {
    reload();
    void events.recipientKinds().then((k) => setKinds(k.templates), setErr);
  }, []);
  return (
    <>
      <h1>{t('nav.events')}</h1>
      <p class="sections">
        {t('ev.sections')} {SECTIONS.map(([id, key]) => <a key={id} href={`#${id}`}>{t(key)}</a>)}
      </p>
      <Rules cat={cat} rules={rules?.rules} limit={rules?.limit} reload={reload} error={err} />
      <Recipients list={cat?.recipients} kinds={kinds} reload={reload} error={err} />
      <Schedules list={schedules?.schedules} zone={schedules?.timeZone} reload={reload} error={err} />
      <Triggers />
    </>
  );
}

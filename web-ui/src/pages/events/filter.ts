// A condition's content filter as fields: one value per event item, joined with `and` in the ONVIF
// ItemFilter form eventd parses (the same form its preconfigured rules use). A filter written
// otherwise (over SOAP) is kept as it is, shown as text.
import type { Item, Schedule, Topic } from '../../api/events.js';

/** item name → wanted value; an item left out matches any value */
export type Values = Record<string, string>;

const TERM = /^boolean\(\/\/SimpleItem\[@Name="([^"]+)" and @Value="([^"]*)"\]\)$/;

export function buildContent(v: Values): string | undefined {
  const terms = Object.entries(v).filter(([, x]) => x !== '').map(([n, x]) => `boolean(//SimpleItem[@Name="${n}" and @Value="${x.replace(/"/g, '')}"])`);
  return terms.length ? terms.join(' and ') : undefined;
}

/** The fields of a filter in the editor's form, or undefined when it is written some other way. */
export function parseContent(content: string | undefined): Values | undefined {
  if (!content?.trim()) return {};
  const out: Values = {};
  for (const part of content.split(/\s+and\s+(?=boolean\()/)) {
    const m = TERM.exec(part.trim());
    if (!m) return undefined;
    out[m[1]!] = m[2]!;
  }
  return out;
}

export const isBool = (i: Item) => i.type === 'xsd:boolean';
export const itemsOf = (t: Topic): Item[] => [...t.source, ...(t.key ?? []), ...t.data];
/** a schedule's or a pulse's id: offered by name from the schedules list */
export const scheduleKind = (topic: string): Schedule['kind'] | undefined => (/Recurring\/(tnsaxis:)?Interval$/.test(topic) ? 'schedule' : /Recurring\/(tnsaxis:)?Pulse$/.test(topic) ? 'pulse' : undefined);

/** The choices of an item: [value, label]; undefined when free text. */
export function choices(topic: Topic, item: Item, schedules: Schedule[], yes: string, no: string): [string, string][] | undefined {
  const kind = scheduleKind(topic.topic);
  if (kind && item.name === 'id') return schedules.filter((s) => s.kind === kind).map((s) => [String(s.id), s.name]);
  if (isBool(item)) return [['1', yes], ['0', no]];
  if (item.values?.length) return item.values.map((v) => [String(v), String(v)]);
  return undefined;
}

/** What a new condition on a topic starts with: the first of each source, the boolean data true. */
export function defaults(topic: Topic, schedules: Schedule[]): Values {
  const v: Values = {};
  for (const i of topic.source) {
    const c = choices(topic, i, schedules, '1', '0');
    if (c?.length) v[i.name] = c[0]![0];
  }
  for (const i of topic.data) if (isBool(i) && topic.stateful) v[i.name] = '1';
  return v;
}

/** "Virtual input (Port number 1, Active yes)" */
export function conditionSummary(topics: Topic[], schedules: Schedule[], c: { topic: string; content?: string; invert?: boolean }, yes: string, no: string): string {
  const topic = topics.find((x) => x.topic === c.topic);
  const name = topic?.niceName ?? c.topic;
  const v = parseContent(c.content);
  if (!v) return `${name} (${c.content})`;
  const parts = Object.entries(v).map(([n, x]) => {
    const item = topic && itemsOf(topic).find((i) => i.name === n);
    const label = topic && item ? choices(topic, item, schedules, yes, no)?.find(([val]) => val === x)?.[1] : undefined;
    return `${item?.niceName ?? n} ${label ?? x}`;
  });
  return parts.length ? `${name} (${parts.join(', ')})` : name;
}

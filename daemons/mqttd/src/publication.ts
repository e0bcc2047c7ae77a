import type { BelfryEvent, ItemValue, Items } from '@belfry/core';
import { bad, bool, checkTopic, int, LIMITS, MissingParam, str } from './config.js';

export type RetainPolicy = 'none' | 'property' | 'all';

export interface EventFilter {
  /** MQTT spelling (`onvif:Device/axis:IO/VirtualPort`), `//.` = every event, a trailing `//.` = the subtree */
  topicFilter: string;
  qos: 0 | 1 | 2;
  retain: RetainPolicy;
}

/** `mqtt/event.cgi`'s configuration (§2.12, §3.6): all six keys always present. */
export interface PublicationConfig {
  topicPrefix: 'default' | 'custom';
  customTopicPrefix: string;
  appendEventTopic: boolean;
  includeTopicNamespaces: boolean;
  includeSerialNumberInPayload: boolean;
  eventFilterList: EventFilter[];
}

export const DEFAULT_PUBLICATION: PublicationConfig = {
  topicPrefix: 'default',
  customTopicPrefix: '',
  appendEventTopic: true,
  includeTopicNamespaces: false,
  includeSerialNumberInPayload: false,
  eventFilterList: [],
};

/** The internal (wire) prefixes and their MQTT spellings; other namespaces (`belfry:`) stay inside. */
const TO_MQTT: Record<string, string> = { tns1: 'onvif', tnsaxis: 'axis' };
const FROM_MQTT: Record<string, string> = { onvif: 'tns1', axis: 'tnsaxis' };
const STEP_RE = /^(?:([A-Za-z_][A-Za-z0-9_.-]*):)?([A-Za-z_][A-Za-z0-9_.-]*)$/;

/** `tns1:Device/tnsaxis:IO/Port` → `onvif:Device/axis:IO/Port`, or undefined for an internal topic. */
export function mqttTopicName(topic: string): string | undefined {
  const out: string[] = [];
  for (const step of topic.split('/')) {
    const m = STEP_RE.exec(step);
    if (!m) return undefined;
    if (m[1] === undefined) out.push(step);
    else if (TO_MQTT[m[1]]) out.push(`${TO_MQTT[m[1]]}:${m[2]}`);
    else return undefined;
  }
  return out.join('/');
}

/** A filter in MQTT spelling, checked; its steps in the internal spelling (for matching). */
export function parseEventFilter(f: string, path: string): { all: true } | { all: false; steps: string[]; subtree: boolean } {
  if (f === '//.') return { all: true };
  const subtree = f.endsWith('//.');
  const body = subtree ? f.slice(0, -3) : f;
  if (!body || Buffer.byteLength(f) > LIMITS.topic) throw bad(path, 'not a topic filter');
  const steps = body.split('/').map((step) => {
    const m = STEP_RE.exec(step);
    if (!m) throw bad(path, `bad step '${step.slice(0, 40)}' (MQTT wildcards are not event filters)`);
    if (m[1] === undefined) return step;
    const ns = FROM_MQTT[m[1]] ?? (Object.values(FROM_MQTT).includes(m[1]) ? m[1] : undefined);
    if (!ns) throw bad(path, `unknown namespace prefix '${m[1]}' (use onvif: or axis:)`);
    return `${ns}:${m[2]}`;
  });
  return { all: false, steps, subtree };
}

/** Whether an internal topic matches a parsed filter (an unprefixed filter step matches any namespace). */
export function filterMatches(filter: ReturnType<typeof parseEventFilter>, topic: string): boolean {
  if (filter.all) return true;
  const steps = topic.split('/');
  if (steps.length < filter.steps.length || (!filter.subtree && steps.length !== filter.steps.length)) return false;
  return filter.steps.every((f, i) => f === steps[i] || (!f.includes(':') && steps[i]!.endsWith(`:${f}`)));
}

function parseFilterEntry(v: unknown, i: number): EventFilter {
  const path = `eventFilterList[${i}]`;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad(path, 'must be an object');
  const o = v as Record<string, unknown>;
  if (o.topicFilter === undefined) throw new MissingParam(`${path}.topicFilter`);
  const topicFilter = str(o, 'topicFilter', `${path}.topicFilter`, LIMITS.topic, '');
  parseEventFilter(topicFilter, `${path}.topicFilter`);
  const retain = str(o, 'retain', `${path}.retain`, 16, 'none');
  if (retain !== 'none' && retain !== 'property' && retain !== 'all') throw bad(`${path}.retain`, "must be 'none', 'property' or 'all'");
  return { topicFilter, qos: int(o, 'qos', `${path}.qos`, 0, 2, 0) as 0 | 1 | 2, retain };
}

/** `configureEventPublication`'s params over the current config; throws on the first bad field. */
export function parsePublication(p: Record<string, unknown> | undefined, cur: PublicationConfig): PublicationConfig {
  const o = p ?? {};
  const list = o.eventFilterList;
  if (list !== undefined && !Array.isArray(list)) throw bad('eventFilterList', 'must be an array');
  if (Array.isArray(list) && list.length > LIMITS.filters) throw bad('eventFilterList', `at most ${LIMITS.filters} filters`);
  const topicPrefix = str(o, 'topicPrefix', 'topicPrefix', 16, cur.topicPrefix);
  if (topicPrefix !== 'default' && topicPrefix !== 'custom') throw bad('topicPrefix', "must be 'default' or 'custom'");
  const custom = str(o, 'customTopicPrefix', 'customTopicPrefix', LIMITS.text, cur.customTopicPrefix);
  if (custom) checkTopic(custom, 'customTopicPrefix');
  if (topicPrefix === 'custom' && !custom) throw new MissingParam('customTopicPrefix');
  return {
    topicPrefix,
    customTopicPrefix: custom,
    appendEventTopic: bool(o, 'appendEventTopic', 'appendEventTopic', cur.appendEventTopic),
    includeTopicNamespaces: bool(o, 'includeTopicNamespaces', 'includeTopicNamespaces', cur.includeTopicNamespaces),
    includeSerialNumberInPayload: bool(o, 'includeSerialNumberInPayload', 'includeSerialNumberInPayload', cur.includeSerialNumberInPayload),
    eventFilterList: Array.isArray(list) ? list.map(parseFilterEntry) : cur.eventFilterList,
  };
}

/** Item values travel as text, booleans as `1`/`0` (as on the other event streams). */
const text = (v: ItemValue) => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
const texts = (items: Items | undefined) => Object.fromEntries(Object.entries(items ?? {}).map(([k, v]) => [k, text(v)]));

/** The MQTT topic levels of an event topic: local names, with `tns:<ns>` where the namespace changes. */
function topicLevels(mqttName: string, namespaces: boolean): string[] {
  const out: string[] = [];
  let ns: string | undefined;
  for (const step of mqttName.split('/')) {
    const c = step.indexOf(':');
    const prefix = c < 0 ? undefined : step.slice(0, c);
    if (namespaces && prefix && prefix !== ns) out.push(`tns:${prefix}`);
    if (prefix) ns = prefix;
    out.push(c < 0 ? step : step.slice(c + 1));
  }
  return out;
}

export interface Outgoing {
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
}

/**
 * Publication: which filter an event matches (the first), and the message it becomes (§3.6).
 * Parsed once per configuration, so the per-event work is a match and a JSON.stringify.
 */
export class Publisher {
  private readonly filters: { f: ReturnType<typeof parseEventFilter>; e: EventFilter }[];
  private readonly prefix: string;

  constructor(
    private readonly cfg: PublicationConfig,
    deviceTopicPrefix: string,
    private readonly serial: string,
  ) {
    this.filters = cfg.eventFilterList.map((e, i) => ({ f: parseEventFilter(e.topicFilter, `eventFilterList[${i}]`), e }));
    this.prefix = cfg.topicPrefix === 'custom' ? cfg.customTopicPrefix : deviceTopicPrefix;
  }

  get empty(): boolean {
    return this.filters.length === 0;
  }

  message(ev: BelfryEvent): Outgoing | undefined {
    const hit = this.filters.find(({ f }) => filterMatches(f, ev.topic));
    if (!hit || ev.op === 'Deleted') return undefined;
    const name = mqttTopicName(ev.topic);
    if (!name) return undefined;
    const t = Date.parse(ev.utcTime);
    const payload: Record<string, unknown> = {
      timestamp: Number.isFinite(t) ? t : Date.now(),
      topic: name,
      message: { source: texts(ev.source), key: texts(ev.key), data: texts(ev.data) },
    };
    if (this.cfg.includeSerialNumberInPayload) payload.serialNumber = this.serial;
    const levels = [...(this.prefix ? [this.prefix] : []), 'event', ...(this.cfg.appendEventTopic ? topicLevels(name, this.cfg.includeTopicNamespaces) : [])];
    const stateful = ev.op !== undefined;
    const retain = hit.e.retain === 'all' || (hit.e.retain === 'property' && stateful);
    return { topic: levels.join('/'), payload: JSON.stringify(payload), qos: hit.e.qos, retain };
  }
}

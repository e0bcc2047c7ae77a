import { bad, bool, checkFilter, int, LIMITS, MissingParam, str } from './config.js';

/** An MQTT subscription that becomes device events (user manual: MQTT subscriptions). */
export interface Subscription {
  topicFilter: string;
  /** the filter is put after the device topic prefix */
  useDeviceTopicPrefix: boolean;
  /** stateless: each message an event; stateful: the payload is the state of its topic */
  type: 'stateless' | 'stateful';
  qos: 0 | 1 | 2;
}

export const SUB_STATELESS = 'tnsaxis:MQTT/Message/Stateless';
export const SUB_STATEFUL = 'tnsaxis:MQTT/Message/Stateful';
/** A payload longer than this is not turned into an event (an event item is text for rules and streams). */
export const MAX_EVENT_PAYLOAD = 4096;

export function parseSubscriptions(p: Record<string, unknown> | undefined): Subscription[] {
  const list = p?.subscriptions;
  if (list === undefined) throw new MissingParam('subscriptions');
  if (!Array.isArray(list)) throw bad('subscriptions', 'must be an array');
  if (list.length > LIMITS.subscriptions) throw bad('subscriptions', `at most ${LIMITS.subscriptions} subscriptions`);
  return list.map((v, i) => {
    const path = `subscriptions[${i}]`;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad(path, 'must be an object');
    const o = v as Record<string, unknown>;
    if (o.topicFilter === undefined) throw new MissingParam(`${path}.topicFilter`);
    const type = str(o, 'type', `${path}.type`, 16, 'stateless');
    if (type !== 'stateless' && type !== 'stateful') throw bad(`${path}.type`, "must be 'stateless' or 'stateful'");
    return {
      topicFilter: checkFilter(str(o, 'topicFilter', `${path}.topicFilter`, LIMITS.topic, ''), `${path}.topicFilter`),
      useDeviceTopicPrefix: bool(o, 'useDeviceTopicPrefix', `${path}.useDeviceTopicPrefix`, false),
      type,
      qos: int(o, 'qos', `${path}.qos`, 0, 2, 0) as 0 | 1 | 2,
    };
  });
}

/** The filter sent to the broker. */
export function brokerFilter(s: Subscription, prefix: string): string {
  return s.useDeviceTopicPrefix && prefix ? `${prefix}/${s.topicFilter}` : s.topicFilter;
}

/** Whether a topic matches an MQTT filter (`+` one level, `#` the rest). */
export function mqttMatch(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return !(i === 0 && t[0]?.startsWith('$'));
    if (i >= t.length) return false;
    if (f[i] === '+') {
      if (i === 0 && t[0]!.startsWith('$')) return false;
      continue;
    }
    if (f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Strict UTF-8 text of a payload, or undefined. */
export function utf8(payload: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    return undefined;
  }
}

import { BelfryError } from '../errors.js';

/** Namespace URIs of the topic prefixes a filter may use (the wire's; MQTT's behind an option). */
export const TOPIC_NAMESPACES: Readonly<Record<string, string>> = {
  tns1: 'http://www.onvif.org/ver10/topics',
  tnsaxis: 'http://www.axis.com/2009/event/topics',
  /** Belfry's own topics (boardd's `belfry:Board/Button`, …) */
  belfry: 'urn:belfry:event:topics',
};
const MQTT_NAMESPACES: Readonly<Record<string, string>> = { onvif: TOPIC_NAMESPACES.tns1!, axis: TOPIC_NAMESPACES.tnsaxis! };

/** WS-Topics / ONVIF topic expression dialects. Simple and Concrete name one topic; ConcreteSet adds `|`, `//.`, `*`. */
export const DIALECTS = {
  simple: 'http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple',
  concrete: 'http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete',
  concreteSet: 'http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet',
} as const;

/** Explicit limits of a topic expression (each tested at the limit). */
export const TOPIC_LIMITS = { length: 1024, alternatives: 32, steps: 16 } as const;

export interface TopicFilterOptions {
  /** the expression's dialect URI; absent = the full ConcreteSet syntax (streams) */
  dialect?: string;
  /** also accept the MQTT spellings `onvif:` and `axis:` */
  mqtt?: boolean;
  /** prefixes declared by the document the expression came from (SOAP), prefix → URI */
  namespaces?: Record<string, string>;
}

interface Step {
  /** namespace URI, or undefined for an unprefixed step (it matches any namespace) */
  ns?: string;
  local: string;
}

interface Alternative {
  steps: (Step | '*')[];
  /** ends in `//.`: the topic and everything below it */
  subtree: boolean;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function bad(expr: string, why: string): BelfryError {
  return new BelfryError('invalid_argument', `topic filter '${expr.slice(0, 80)}': ${why}`);
}

function parseStep(text: string, ns: Record<string, string>, expr: string, allowPrefix: boolean): Step {
  const colon = text.indexOf(':');
  const prefix = colon < 0 ? undefined : text.slice(0, colon);
  const local = colon < 0 ? text : text.slice(colon + 1);
  if (!NAME_RE.test(local) || (prefix !== undefined && !NAME_RE.test(prefix))) throw bad(expr, `bad step '${text}'`);
  if (prefix === undefined) return { local };
  const uri = ns[prefix];
  if (!uri || !allowPrefix) throw bad(expr, `unknown namespace prefix '${prefix}'`);
  return { ns: uri, local };
}

function parseAlternative(alt: string, ns: Record<string, string>, expr: string, set: boolean): Alternative {
  if (alt === '//.') {
    if (!set) throw bad(expr, `'//.' needs the ConcreteSet dialect`);
    return { steps: [], subtree: true };
  }
  const subtree = alt.endsWith('//.');
  if (subtree && !set) throw bad(expr, `'//.' needs the ConcreteSet dialect`);
  const path = subtree ? alt.slice(0, -3) : alt;
  const parts = path.split('/');
  if (parts.length > TOPIC_LIMITS.steps) throw bad(expr, `more than ${TOPIC_LIMITS.steps} steps`);
  if (parts.some((p) => p === '')) throw bad(expr, 'empty step');
  const steps = parts.map((p, i) => {
    if (p !== '*') return parseStep(p, ns, expr, true);
    if (!set) throw bad(expr, `'*' needs the ConcreteSet dialect`);
    if (i === 0) throw bad(expr, `the root step cannot be '*'`);
    return '*' as const;
  });
  const root = steps[0] as Step;
  if (!root.ns) throw bad(expr, `the root step '${parts[0]}' needs a namespace prefix`);
  return { steps, subtree };
}

/** A topic split into steps; topics repeat (every event of a kind), so their parses are kept (bounded). */
const parsedTopics = new Map<string, Step[]>();
function topicSteps(topic: string): Step[] {
  let steps = parsedTopics.get(topic);
  if (steps) return steps;
  const all = { ...TOPIC_NAMESPACES, ...MQTT_NAMESPACES };
  steps = topic.split('/').map((s) => {
    const colon = s.indexOf(':');
    return colon < 0 ? { local: s } : { ns: all[s.slice(0, colon)] ?? s.slice(0, colon), local: s.slice(colon + 1) };
  });
  if (parsedTopics.size >= 4096) parsedTopics.clear();
  parsedTopics.set(topic, steps);
  return steps;
}

/** The topic's local names: both spellings of a leaf have the same key (the engine indexes rules by it). */
export function topicKey(topic: string): string {
  return topicSteps(topic)
    .map((s) => s.local)
    .join('/');
}

function stepMatches(f: Step | '*', t: Step): boolean {
  if (f === '*') return true;
  return f.local === t.local && (!f.ns || !t.ns || f.ns === t.ns);
}

export class TopicFilter {
  constructor(
    readonly expression: string,
    private readonly alternatives: readonly Alternative[],
  ) {}

  /** Does a concrete wire topic (`tns1:Device/tnsaxis:IO/VirtualInput`) match? */
  matches(topic: string): boolean {
    const t = topicSteps(topic);
    return this.alternatives.some((a) => {
      if (a.subtree ? t.length < a.steps.length : t.length !== a.steps.length) return false;
      return a.steps.every((s, i) => stepMatches(s, t[i]!));
    });
  }

  /**
   * The topic keys (see topicKey) this filter can match, or undefined when it names a subtree or a
   * wildcard step (then it must be asked about every topic).
   */
  keys(): string[] | undefined {
    if (this.alternatives.some((a) => a.subtree || a.steps.includes('*'))) return undefined;
    return this.alternatives.map((a) => a.steps.map((s) => (s as Step).local).join('/'));
  }
}

/** Parses a topic expression; a malformed one is `invalid_argument` saying what is wrong. */
export function parseTopicFilter(expr: string, opts: TopicFilterOptions = {}): TopicFilter {
  if (typeof expr !== 'string') throw new BelfryError('invalid_argument', 'topic filter is not a string');
  if (expr.length > TOPIC_LIMITS.length) throw bad(expr, `longer than ${TOPIC_LIMITS.length} characters`);
  const text = expr.trim();
  if (!text) throw bad(expr, 'empty');
  const dialect = opts.dialect?.trim();
  if (dialect && !Object.values(DIALECTS).includes(dialect as never)) throw bad(expr, `unsupported dialect '${dialect}'`);
  const set = !dialect || dialect === DIALECTS.concreteSet;
  const ns = { ...TOPIC_NAMESPACES, ...(opts.mqtt ? MQTT_NAMESPACES : {}), ...opts.namespaces };
  const alts = text.split('|').map((a) => a.trim());
  if (alts.length > 1 && !set) throw bad(expr, `'|' needs the ConcreteSet dialect`);
  if (alts.length > TOPIC_LIMITS.alternatives) throw bad(expr, `more than ${TOPIC_LIMITS.alternatives} alternatives`);
  if (alts.some((a) => !a)) throw bad(expr, 'empty alternative');
  return new TopicFilter(text, alts.map((a) => parseAlternative(a, ns, expr, set)));
}

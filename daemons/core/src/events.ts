import type { Bus } from './bus.js';
import { BelfryError } from './errors.js';
import { T } from './topics.js';
import type { EventSpec } from './contract.js';

export type ItemValue = string | number | boolean;
export type Items = Record<string, ItemValue>;
export type PropertyOperation = 'Initialized' | 'Changed' | 'Deleted';

/** One event on the internal bus, in the ONVIF model (docs/architecture.md, the bus). */
export interface BelfryEvent {
  topic: string;
  utcTime: string;
  source: Items;
  key: Items;
  data: Items;
  /** present on stateful (property) events only */
  op?: PropertyOperation;
  /** the daemon that published it (from the bus topic, so it cannot be forged) */
  producer?: string;
}

export interface ItemDecl {
  name: string;
  /** XML schema type as ONVIF declares it: xsd:boolean, xsd:int, xsd:string, … */
  type: string;
  niceName?: string;
  /** allowed values, when the item is an enumeration */
  values?: ItemValue[];
}

export interface EventDecl {
  topic: string;
  niceName: string;
  stateful: boolean;
  source: ItemDecl[];
  key?: ItemDecl[];
  data: ItemDecl[];
}

export interface ActionParamDecl {
  name: string;
  type: 'string' | 'int' | 'bool' | 'enum';
  niceName?: string;
  values?: string[];
  min?: number;
  max?: number;
  optional?: boolean;
}

/** An action the rule engine can run; it is executed by calling `service.method` over RPC. */
export interface ActionDecl {
  id: string;
  niceName: string;
  service: string;
  method: string;
  params: ActionParamDecl[];
  /**
   * For a "while the rule is active" action (`com.axis.action.unlimited.*`): the method (same
   * service, no params) the rule engine calls when the rule stops holding.
   */
  stopMethod?: string;
}

/** ONVIF topics: `prefix:Name` steps separated by `/`; no MQTT wildcards or empty steps. */
const ONVIF_TOPIC_RE = /^[A-Za-z0-9_.:-]+(\/[A-Za-z0-9_.:-]+)*$/;

/**
 * A stateful event is retained per source instance. The instance becomes one extra topic level,
 * `~` plus the URL-encoded source items (sorted), so it can never collide with an ONVIF step and
 * never contains `/`, `+` or `#`.
 */
export function instanceLevel(source: Items): string {
  const keys = Object.keys(source).sort();
  if (!keys.length) return '~';
  return '~' + keys.map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(source[k]))}`).join('&');
}

const XSD: Record<string, string> = { string: 'xsd:string', boolean: 'xsd:boolean', integer: 'xsd:int', number: 'xsd:double' };

function itemDecls(schema: unknown): ItemDecl[] {
  const props = (schema as { properties?: Record<string, { type?: string; enum?: ItemValue[]; description?: string }> }).properties ?? {};
  return Object.entries(props).map(([name, p]) => ({
    name,
    type: XSD[p.type ?? 'string'] ?? 'xsd:string',
    ...(p.description ? { niceName: p.description } : {}),
    ...(p.enum ? { values: p.enum } : {}),
  }));
}

/** The declaration (ONVIF items) of an event from its contract entry (TypeBox object schemas). */
export function eventDecl(spec: EventSpec): EventDecl {
  return { topic: spec.topic, niceName: spec.niceName ?? spec.topic, stateful: spec.stateful, source: itemDecls(spec.source), data: itemDecls(spec.data) };
}

export class EventPublisher {
  private decls = new Map<string, EventDecl>();
  private actions: ActionDecl[] = [];
  private instances = new Set<string>();

  constructor(
    private readonly bus: Bus,
    private readonly daemon: string,
  ) {}

  /** Declares the event topics this daemon produces (published retained; eventd builds on it). */
  declare(decls: EventDecl[]): void {
    for (const d of decls) {
      if (!ONVIF_TOPIC_RE.test(d.topic)) throw new BelfryError('invalid_argument', `bad event topic '${d.topic}'`);
      this.decls.set(d.topic, d);
    }
    this.bus.publish(T.decl(this.daemon, 'events'), JSON.stringify([...this.decls.values()]), { retain: true, qos: 1 });
  }

  declareActions(actions: ActionDecl[]): void {
    this.actions = [...this.actions.filter((a) => !actions.some((b) => b.id === a.id)), ...actions];
    this.bus.publish(T.decl(this.daemon, 'actions'), JSON.stringify(this.actions), { retain: true, qos: 1 });
  }

  private decl(topic: string, stateful: boolean): EventDecl {
    const d = this.decls.get(topic);
    if (!d) throw new BelfryError('failed_precondition', `event topic '${topic}' was not declared`);
    if (d.stateful !== stateful) throw new BelfryError('failed_precondition', `event topic '${topic}' is ${d.stateful ? 'stateful' : 'stateless'}`);
    return d;
  }

  /** A stateless (pulse) event. */
  emit(topic: string, items: { source?: Items; key?: Items; data: Items }): void {
    this.decl(topic, false);
    const ev: BelfryEvent = { topic, utcTime: new Date().toISOString(), source: items.source ?? {}, key: items.key ?? {}, data: items.data };
    this.bus.publish(T.event(this.daemon, topic), JSON.stringify(ev));
  }

  /** Sets the state of one source instance of a stateful event; published retained. */
  setState(topic: string, source: Items, data: Items): void {
    this.decl(topic, true);
    const level = instanceLevel(source);
    const id = `${topic}/${level}`;
    const op: PropertyOperation = this.instances.has(id) ? 'Changed' : 'Initialized';
    this.instances.add(id);
    const ev: BelfryEvent = { topic, utcTime: new Date().toISOString(), source, key: {}, data, op };
    this.bus.publish(`${T.event(this.daemon, topic)}/${level}`, JSON.stringify(ev), { retain: true, qos: 1 });
  }

  /** Removes a source instance: a `Deleted` event, then the retained state is cleared. */
  deleteState(topic: string, source: Items): void {
    this.decl(topic, true);
    const level = instanceLevel(source);
    const full = `${T.event(this.daemon, topic)}/${level}`;
    this.instances.delete(`${topic}/${level}`);
    const ev: BelfryEvent = { topic, utcTime: new Date().toISOString(), source, key: {}, data: {}, op: 'Deleted' };
    this.bus.publish(full, JSON.stringify(ev));
    this.bus.publish(full, '', { retain: true, qos: 1 });
  }
}

/**
 * Subscribes to events. `topicFilter` is an ONVIF topic or a prefix of one (`tns1:Device/#`), or `#`
 * for all. Retained states delivered at subscription time arrive with op `Initialized`, as ONVIF
 * wants for a new subscriber. Malformed payloads are ignored.
 */
export function subscribeEvents(bus: Bus, topicFilter: string, handler: (ev: BelfryEvent) => void, producer = '+'): Promise<() => Promise<void>> {
  const filter = topicFilter === '#' ? `belfry/event/${producer}/#` : `belfry/event/${producer}/${topicFilter.replace(/\/#$/, '')}/#`;
  return bus.subscribe(filter, (mqttTopic, payload, packet) => {
    if (!payload.length) return; // a cleared retained state
    let ev: BelfryEvent;
    try {
      ev = JSON.parse(payload.toString('utf8')) as BelfryEvent;
    } catch {
      return;
    }
    if (!ev || typeof ev.topic !== 'string' || typeof ev.data !== 'object') return;
    ev.producer = mqttTopic.split('/', 3)[2];
    if (packet.retain && ev.op) ev.op = 'Initialized';
    handler(ev);
  });
}

import { BelfryError, type Catalogue } from '@belfry/core';
import { DIALECTS, eventFilter, ITEM_FILTER_DIALECT, type CompiledEventFilter } from '@belfry/core/filters';
import { attrOf, type XmlEl } from '@belfry/core/xml';
import { eventsCapabilities } from './device-info.js';
import { durationMs, iso, terminationAt } from '../events/duration.js';
import { notificationMessage } from '../events/message.js';
import { SUB_LIMITS, type Subscription, type Subscriptions } from '../events/subscriptions.js';
import { eventProperties } from '../events/topicset.js';
import { child, childText, esc, kids } from '../soap/envelope.js';
import { receiver, sender, TER } from '../soap/fault.js';
import { NS } from '../soap/names.js';
import type { Call, Operation, OperationTable } from '../soap/ops.js';
import { MAX_PULL_TIMEOUT_MS } from '../contract.js';

/** What the events operations need besides the request: the catalogue and the subscriptions. */
export interface EventsDeps {
  catalogue: Catalogue;
  subs: Subscriptions;
  /** who made each subscription: only they may pull, renew or end it */
  owners: Map<number, string>;
}

const CONSUMER = /^https?:\/\/[^\s<>"]{1,1000}$/;

/** `wsnt:Filter` → one event filter (topic and content), or none. Malformed → `wsnt:InvalidFilterFault`. */
function filterOf(op: XmlEl): CompiledEventFilter | undefined {
  const f = child(op, 'Filter');
  if (!f) return undefined;
  const topics = kids(f, 'TopicExpression');
  const contents = kids(f, 'MessageContent');
  if (topics.length > 1 || contents.length > 1) throw sender(TER.invalidFilter, 'one TopicExpression and one MessageContent at most');
  const t = topics[0];
  const d = t ? (attrOf(t, 'Dialect') ?? DIALECTS.concreteSet) : undefined;
  if (d && d !== DIALECTS.concreteSet && d !== DIALECTS.concrete && d !== DIALECTS.simple) throw sender('wsnt:TopicExpressionDialectUnknownFault', `unsupported topic dialect ${d.slice(0, 128)}`);
  const cd = contents[0] ? attrOf(contents[0], 'Dialect') : undefined;
  if (cd !== undefined && cd !== ITEM_FILTER_DIALECT) throw sender(TER.invalidFilter, `unsupported content dialect ${cd.slice(0, 128)}`);
  const namespaces = t ? Object.fromEntries([...t.scope].filter(([p]) => p && p !== 'xml')) : undefined;
  try {
    return eventFilter({ topic: t?.text.trim() || '//.', content: contents[0]?.text }, { dialect: d === DIALECTS.simple || d === DIALECTS.concrete ? d : undefined, namespaces });
  } catch (e) {
    if (e instanceof BelfryError) throw sender(TER.invalidFilter, e.message);
    throw e;
  }
}

function lifeOf(d: EventsDeps, op: XmlEl, name: string): number {
  const t = childText(op, name);
  const at = t === undefined || t === '' ? undefined : terminationAt(t, Date.now());
  if (t && at === undefined) throw sender(TER.invalidTime, `${name} is neither a duration nor a date-time`);
  if (at !== undefined && at <= Date.now()) throw sender(TER.invalidTime, `${name} is in the past`);
  return d.subs.clampLife(at);
}

function reference(call: Call, s: Subscription): string {
  // OV sends the SubscriptionId back as a header (as to Axis devices); other clients call the address
  return `<wsa5:Address>${esc(`${call.base()}/onvif/services?subscription=${s.id}`)}</wsa5:Address><wsa5:ReferenceParameters><dom0:SubscriptionId xmlns:dom0="${NS.dom0}">${s.id}</dom0:SubscriptionId></wsa5:ReferenceParameters>`;
}

function times(s: Subscription, prefix: string): string {
  return `<${prefix}:CurrentTime>${iso(Date.now())}</${prefix}:CurrentTime><${prefix}:TerminationTime>${iso(s.expires)}</${prefix}:TerminationTime>`;
}

/** The subscription a request is addressed to: its SubscriptionId header or address, and its maker. */
function target(d: EventsDeps, call: Call): Subscription {
  const id = Number(call.subscription);
  const s = Number.isSafeInteger(id) ? d.subs.get(id) : undefined;
  if (!s || d.owners.get(s.id) !== call.user) throw sender(TER.resourceUnknown, 'no such subscription (it ended, or it was never made)');
  return s;
}

function create(d: EventsDeps, op: XmlEl, call: Call, kind: Subscription['kind'], consumer?: string): Subscription {
  const filter = filterOf(op);
  const s = d.subs.create(kind, lifeOf(d, op, 'InitialTerminationTime'), filter, consumer);
  if (!s) throw receiver('ter:MaxLimitReached', `at most ${SUB_LIMITS.subscriptions} subscriptions`, 503);
  d.owners.set(s.id, call.user);
  return s;
}

export function eventOps(d: EventsDeps): OperationTable {
  const op = (ns: string, run: Operation['run'], least: Operation['least'] = 'viewer'): Operation => ({ ns, least, run });
  return {
    GetEventProperties: op(NS.tev, () => eventProperties(d.catalogue.eventDecls())),
    [`${NS.tev}|GetServiceCapabilities`]: op(NS.tev, () => `<tev:GetServiceCapabilitiesResponse><tev:Capabilities ${eventsCapabilities()}/></tev:GetServiceCapabilitiesResponse>`, 'pre'),
    CreatePullPointSubscription: op(NS.tev, (o, _c, call) => {
      const s = create(d, o, call, 'pull');
      return `<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference>${reference(call, s)}</tev:SubscriptionReference>${times(s, 'wsnt')}</tev:CreatePullPointSubscriptionResponse>`;
    }),
    PullMessages: op(NS.tev, async (o, _c, call) => {
      const s = target(d, call);
      if (s.kind !== 'pull') throw sender(TER.resourceUnknown, 'a push subscription has no pull point');
      const timeout = durationMs(childText(o, 'Timeout') ?? '');
      const limit = Number(childText(o, 'MessageLimit'));
      if (timeout === undefined) throw sender(TER.invalidArgVal, 'Timeout must be an xsd:duration');
      if (!Number.isInteger(limit) || limit < 1) throw sender(TER.invalidArgVal, 'MessageLimit must be a positive integer');
      const msgs = await d.subs.pull(s, Math.min(timeout, MAX_PULL_TIMEOUT_MS), limit, call.signal);
      return `<tev:PullMessagesResponse>${times(s, 'tev')}${msgs.map((ev) => notificationMessage(ev, d.catalogue.event(ev.topic))).join('')}</tev:PullMessagesResponse>`;
    }),
    SetSynchronizationPoint: op(NS.tev, (_o, _c, call) => {
      const s = target(d, call);
      d.subs.initialize(s);
      return '<tev:SetSynchronizationPointResponse/>';
    }),
    Renew: op(NS.wsnt, (o, _c, call) => {
      const s = target(d, call);
      const t = childText(o, 'TerminationTime');
      const at = t ? terminationAt(t, Date.now()) : undefined;
      if (t && (at === undefined || at <= Date.now())) throw sender(TER.invalidTime, 'TerminationTime is neither a future date-time nor a duration');
      d.subs.extend(s, d.subs.clampLife(at));
      return `<wsnt:RenewResponse><wsnt:TerminationTime>${iso(s.expires)}</wsnt:TerminationTime><wsnt:CurrentTime>${iso(Date.now())}</wsnt:CurrentTime></wsnt:RenewResponse>`;
    }),
    Unsubscribe: op(NS.wsnt, (_o, _c, call) => {
      const s = target(d, call);
      d.subs.remove(s.id);
      d.owners.delete(s.id);
      return '<wsnt:UnsubscribeResponse/>';
    }),
    Subscribe: op(NS.wsnt, (o, _c, call) => {
      const ref = child(o, 'ConsumerReference');
      const url = ref ? childText(ref, 'Address') : undefined;
      if (!url || !CONSUMER.test(url)) throw sender(TER.invalidArgVal, 'ConsumerReference/Address must be an http or https URL');
      const s = create(d, o, call, 'push', url);
      return `<wsnt:SubscribeResponse><wsnt:SubscriptionReference>${reference(call, s)}</wsnt:SubscriptionReference>${times(s, 'wsnt')}</wsnt:SubscribeResponse>`;
    }),
  };
}

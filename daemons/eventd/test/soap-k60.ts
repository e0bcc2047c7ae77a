import { XMLParser } from 'fast-xml-parser';

/**
 * GetEventInstances read the way K60 (Home Assistant's Axis library) reads it: xmltodict with
 * `process_namespaces=True`, `attr_prefix=""` and its namespace map (the topic namespaces become
 * `tns1`/`tnsaxis`, the SOAP, wstop and event1 ones are stripped), then the TopicSet walked: an
 * element with a `topic` attribute is an event, anything else a branch whose steps join with `/`.
 */
const K60_NAMESPACES: Record<string, string | null> = {
  'http://www.w3.org/2003/05/soap-envelope': null,
  'http://www.onvif.org/ver10/topics': 'tns1',
  'http://www.axis.com/2009/event/topics': 'tnsaxis',
  'http://docs.oasis-open.org/wsn/t-1': null,
  'http://www.axis.com/vapix/ws/event1': null,
  'http://www.w3.org/2001/XMLSchema': null,
};

type Tree = Record<string, unknown>;

/** xmltodict's namespace processing: `prefix:name` → mapped prefix (or none) by the prefix's URI. */
function processNamespaces(node: unknown, scope: Record<string, string>): unknown {
  if (Array.isArray(node)) return node.map((n) => processNamespaces(n, scope));
  if (!node || typeof node !== 'object') return node;
  const o = node as Tree;
  const inner = { ...scope };
  for (const [k, v] of Object.entries(o)) {
    if (k === 'xmlns') inner[''] = String(v);
    else if (k.startsWith('xmlns:')) inner[k.slice(6)] = String(v);
  }
  const out: Tree = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    const isAttr = typeof v !== 'object' && k !== '#text';
    const i = k.indexOf(':');
    const prefix = i < 0 ? '' : k.slice(0, i);
    const local = i < 0 ? k : k.slice(i + 1);
    const uri = prefix || !isAttr ? inner[prefix] : undefined;
    const mapped = uri === undefined ? local : uri in K60_NAMESPACES ? (K60_NAMESPACES[uri] ? `${K60_NAMESPACES[uri]}:${local}` : local) : `${uri}:${local}`;
    out[mapped] = processNamespaces(v, inner);
  }
  return out;
}

export interface K60Event {
  topic: string;
  topicFilter: string;
  isAvailable: boolean;
  isApplicationData: boolean;
  name: string;
  stateful: boolean;
  source: unknown;
  data: unknown;
}

function getEvents(data: Tree): { topic: string; data: Tree }[] {
  const events: { topic: string; data: Tree }[] = [];
  for (const [topic, value] of Object.entries(data)) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    const v = value as Tree;
    if ('topic' in v) {
      events.push({ topic, data: v });
      continue;
    }
    for (const e of getEvents(v)) events.push({ topic: `${topic}/${e.topic}`, data: e.data });
  }
  return events;
}

export function k60EventInstances(xml: string): K60Event[] {
  const raw = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, parseTagValue: false }).parse(xml) as Tree;
  const doc = processNamespaces(raw, {}) as Tree;
  const topics = ((((doc.Envelope as Tree).Body as Tree).GetEventInstancesResponse as Tree).TopicSet ?? {}) as Tree;
  return getEvents(topics).map(({ topic, data }) => {
    const message = data.MessageInstance as Tree;
    return {
      topic,
      topicFilter: topic.replace(/tns1/g, 'onvif').replace(/tnsaxis/g, 'axis'),
      isAvailable: data.topic === 'true',
      isApplicationData: data.isApplicationData === 'true',
      name: String(data.NiceName ?? ''),
      stateful: message.isProperty === 'true',
      source: ((message.SourceInstance as Tree | undefined) ?? {}).SimpleItemInstance ?? {},
      data: ((message.DataInstance as Tree | undefined) ?? {}).SimpleItemInstance ?? {},
    };
  });
}

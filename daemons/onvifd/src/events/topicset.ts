import type { EventDecl, ItemDecl } from '@belfry/core';
import { EXTERNAL_TOPIC_NS } from '@belfry/core';
import { el } from '../soap/envelope.js';
import { DIALECT } from '../soap/names.js';

interface TopicNode {
  step: string;
  decl?: EventDecl;
  children: TopicNode[];
}

/** The declared ONVIF topics (tns1/tnsaxis; internal `belfry:` ones stay inside) as a tree of steps. */
function tree(decls: readonly EventDecl[]): TopicNode[] {
  const roots: TopicNode[] = [];
  for (const d of decls) {
    if (!d.topic.split('/').every((s) => !s.includes(':') || s.split(':')[0]! in EXTERNAL_TOPIC_NS)) continue;
    let level = roots;
    let node: TopicNode | undefined;
    for (const step of d.topic.split('/')) {
      node = level.find((n) => n.step === step);
      if (!node) level.push((node = { step, children: [] }));
      level = node.children;
    }
    node!.decl = d;
  }
  return roots;
}

function descriptions(wrapper: string, list: readonly ItemDecl[] | undefined): string {
  if (!list?.length) return '';
  return el(wrapper, {}, ...list.map((i) => el('tt:SimpleItemDescription', { Name: i.name, Type: i.type })));
}

function node(n: TopicNode): string {
  const inner = n.children.map(node);
  if (!n.decl) return el(n.step, {}, ...inner);
  const d = n.decl;
  const message = el('tt:MessageDescription', { IsProperty: d.stateful ? 'true' : 'false' }, descriptions('tt:Source', d.source), descriptions('tt:Key', d.key), descriptions('tt:Data', d.data));
  return el(n.step, { 'wstop:topic': 'true' }, message, ...inner);
}

/** GetEventProperties: eventd's catalogue (every daemon's declarations) in ONVIF's form. */
export function eventProperties(decls: readonly EventDecl[]): string {
  return (
    '<tev:GetEventPropertiesResponse>' +
    '<tev:TopicNamespaceLocation>http://www.onvif.org/onvif/ver10/topics/topicns.xml</tev:TopicNamespaceLocation>' +
    '<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet>' +
    `<wstop:TopicSet>${tree(decls).map(node).join('')}</wstop:TopicSet>` +
    `<wsnt:TopicExpressionDialect>${DIALECT.concreteSet}</wsnt:TopicExpressionDialect>` +
    `<wsnt:TopicExpressionDialect>${DIALECT.concrete}</wsnt:TopicExpressionDialect>` +
    `<tev:MessageContentFilterDialect>${DIALECT.itemFilter}</tev:MessageContentFilterDialect>` +
    '<tev:MessageContentSchemaLocation>http://www.onvif.org/onvif/ver10/schema/onvif.xsd</tev:MessageContentSchemaLocation>' +
    '</tev:GetEventPropertiesResponse>'
  );
}

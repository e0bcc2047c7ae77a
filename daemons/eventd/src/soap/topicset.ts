import type { EventDecl, ItemDecl } from '@belfry/core';
import { TOPIC_NS } from './names.js';
import { el, esc } from './write.js';

/**
 * Nice names of the topic tree's branches (a leaf's nice name is its declaration's). Only the
 * branches the reference names; any other branch has none, as on real devices.
 */
const BRANCH_NAMES: Record<string, string> = {
  'tns1:Device/tnsaxis:IO': 'Input ports',
  'tns1:Device/tnsaxis:Status': 'Device status',
  'tns1:Device/tnsaxis:SystemMessage': 'System message',
  'tns1:UserAlarm/tnsaxis:Recurring': 'Recurring',
  'tnsaxis:MediaClip': 'Media clip',
  'tnsaxis:Call': 'Call',
};

interface TopicNode {
  step: string;
  path: string;
  decl?: EventDecl;
  children: TopicNode[];
}

/** Whether every step's prefix is one the TopicSet can declare (others cannot be spelled in it). */
function spellable(topic: string): boolean {
  return topic.split('/').every((s) => !s.includes(':') || s.split(':')[0]! in TOPIC_NS);
}

/** The declared topics as a tree of their steps, in declaration order. */
function tree(decls: readonly EventDecl[]): TopicNode[] {
  const roots: TopicNode[] = [];
  for (const d of decls) {
    if (!spellable(d.topic)) continue;
    let level = roots;
    let path = '';
    let node: TopicNode | undefined;
    for (const step of d.topic.split('/')) {
      path = path ? `${path}/${step}` : step;
      node = level.find((n) => n.step === step);
      if (!node) level.push((node = { step, path, children: [] }));
      level = node.children;
    }
    node!.decl = d;
  }
  return roots;
}

function items(wrapper: string, list: readonly ItemDecl[] | undefined, stateful: boolean): string {
  if (!list?.length) return '';
  const simple = list.map((i) =>
    el(
      'aev:SimpleItemInstance',
      { 'aev:NiceName': i.niceName, Type: i.type, Name: i.name, isPropertyState: stateful ? 'true' : undefined },
      ...(i.values ?? []).map((v) => `<aev:Value>${esc(String(v))}</aev:Value>`),
    ),
  );
  return el(wrapper, {}, ...simple);
}

function node(n: TopicNode): string {
  const inner = n.children.map(node);
  if (n.decl) {
    const d = n.decl;
    const message = el(
      'aev:MessageInstance',
      { 'aev:isProperty': d.stateful ? 'true' : 'false' },
      items('aev:SourceInstance', d.source, false),
      items('aev:KeyInstance', d.key, false),
      items('aev:DataInstance', d.data, d.stateful),
    );
    return el(n.step, { 'wstop:topic': 'true', 'aev:NiceName': d.niceName || undefined }, message, ...inner);
  }
  return el(n.step, { 'aev:NiceName': BRANCH_NAMES[n.path] }, ...inner);
}

/** `wstop:TopicSet` of every declared topic: branches by step, `wstop:topic="true"` leaves with their message instance. */
export function topicSet(decls: readonly EventDecl[]): string {
  return `<wstop:TopicSet>${tree(decls).map(node).join('')}</wstop:TopicSet>`;
}

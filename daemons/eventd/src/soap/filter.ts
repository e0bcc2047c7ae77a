import type { EventDecl } from '@belfry/core';
import type { EventFilter } from '../model.js';
import { sender } from './fault.js';
import { DIALECT, NS, TOPIC_NS } from './names.js';
import { Fields } from './read.js';
import { attrOf, type XmlEl } from './xml.js';

export const FILTER_FAULT = 'aa:InvalidConditionFilterFault';
const bad = (reason: string) => sender(FILTER_FAULT, reason);

interface Step {
  uri: string;
  local: string;
}

/**
 * A topic expression's steps with their prefixes resolved: against the prefixes declared where the
 * expression is (clients write `tns1:…`, `onvif:…` or anything they bound), and for an undeclared
 * `tns1`/`tnsaxis` their usual meaning (scripts often do not declare them).
 */
function steps(text: string, scope: ReadonlyMap<string, string>): Step[] {
  const t = text.trim();
  if (!/^[A-Za-z0-9_.:-]+(\/[A-Za-z0-9_.:-]+)*$/.test(t) || t.length > 512) throw bad(`not a concrete topic: '${t.slice(0, 64)}'`);
  return t.split('/').map((s) => {
    const i = s.indexOf(':');
    if (i < 0) return { uri: '', local: s };
    const prefix = s.slice(0, i);
    const uri = scope.get(prefix) ?? TOPIC_NS[prefix];
    if (!uri) throw bad(`the topic prefix '${prefix}' is not declared`);
    return { uri, local: s.slice(i + 1) };
  });
}

function declSteps(topic: string): Step[] {
  return topic.split('/').map((s) => {
    const i = s.indexOf(':');
    return i < 0 ? { uri: '', local: s } : { uri: TOPIC_NS[s.slice(0, i)] ?? s.slice(0, i), local: s.slice(i + 1) };
  });
}

/**
 * The declared topic a client's expression names, in the catalogue's spelling. The first step is
 * compared by namespace and name; later steps by local name, since both `…/tnsaxis:IO/VirtualPort`
 * and `…/tnsaxis:IO/tnsaxis:VirtualPort` are on the wire.
 */
export function declaredTopic(text: string, scope: ReadonlyMap<string, string>, decls: readonly EventDecl[]): string {
  const want = steps(text, scope);
  const found = decls.find((d) => {
    const have = declSteps(d.topic);
    return have.length === want.length && have.every((h, i) => h.local === want[i]!.local && (i > 0 || h.uri === want[i]!.uri));
  });
  if (!found) throw bad(`unknown topic '${text.trim().slice(0, 128)}'`);
  return found.topic;
}

/**
 * `StartEvent` or `Condition`: `wsnt:TopicExpression` (Concrete or Simple dialect) and an optional
 * `wsnt:MessageContent` (ONVIF ItemFilter dialect), as a filter on a declared topic.
 */
export function eventFilterOf(e: XmlEl, decls: readonly EventDecl[]): EventFilter {
  const f = new Fields(e, NS.wsnt, { required: ['TopicExpression'], optional: ['MessageContent'] });
  const topicEl = f.child('TopicExpression')!;
  const dialect = attrOf(topicEl, 'Dialect');
  if (dialect !== undefined && dialect !== DIALECT.concrete && dialect !== DIALECT.simple) throw bad(`unsupported topic dialect '${dialect.slice(0, 128)}'`);
  const topic = declaredTopic(f.text('TopicExpression', 512) ?? '', topicEl.scope, decls);
  const contentEl = f.child('MessageContent');
  if (!contentEl) return { topic };
  const cd = attrOf(contentEl, 'Dialect');
  if (cd !== undefined && cd !== DIALECT.itemFilter) throw bad(`unsupported content dialect '${cd.slice(0, 128)}'`);
  const content = (f.text('MessageContent', 2048) ?? '').trim();
  return content ? { topic, content } : { topic };
}

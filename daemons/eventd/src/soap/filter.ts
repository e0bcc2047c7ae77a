import type { EventDecl } from '@belfry/core';
import { BelfryError } from '@belfry/core';
import { DIALECTS, ITEM_FILTER_DIALECT, parseContentFilter, parseTopicFilter } from '@belfry/core/filters';
import type { EventFilter } from '../model.js';
import { sender } from './fault.js';
import { NS } from './names.js';
import { Fields } from './read.js';
import { attrOf, type XmlEl } from './xml.js';

export const FILTER_FAULT = 'aa:InvalidConditionFilterFault';
const bad = (reason: string) => sender(FILTER_FAULT, reason);

/** The prefixes bound where an expression is written (the topic filter resolves its prefixes with them). */
function bindings(scope: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries([...scope].filter(([p]) => p && p !== 'xml'));
}

function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof BelfryError) throw bad(e.message);
    throw e;
  }
}

/**
 * The declared topic a client's expression names, in the catalogue's spelling (so the rule lists as
 * GetEventInstances does). The expression is read by the one topic filter (filters/): prefixes
 * resolved against the request's own bindings, later steps compared by local name, one topic only
 * (the Simple and Concrete dialects).
 */
export function declaredTopic(text: string, dialect: string | undefined, scope: ReadonlyMap<string, string>, decls: readonly EventDecl[]): string {
  const d = dialect ?? DIALECTS.concrete;
  if (d !== DIALECTS.concrete && d !== DIALECTS.simple) throw bad(`unsupported topic dialect '${d.slice(0, 128)}'`);
  const f = parsed(() => parseTopicFilter(text, { dialect: d, namespaces: bindings(scope) }));
  const found = decls.find((x) => f.matches(x.topic));
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
  const topic = declaredTopic(f.text('TopicExpression', 1024) ?? '', attrOf(topicEl, 'Dialect'), topicEl.scope, decls);
  const contentEl = f.child('MessageContent');
  if (!contentEl) return { topic };
  const cd = attrOf(contentEl, 'Dialect');
  if (cd !== undefined && cd !== ITEM_FILTER_DIALECT) throw bad(`unsupported content dialect '${cd.slice(0, 128)}'`);
  const content = (f.text('MessageContent', 2048) ?? '').trim();
  if (content) parsed(() => parseContentFilter(content));
  return content ? { topic, content } : { topic };
}

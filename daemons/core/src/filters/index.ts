import type { BelfryEvent } from '../events.js';
import { parseContentFilter, type ContentFilter } from './content.js';
import { parseTopicFilter, type TopicFilter, type TopicFilterOptions } from './topic.js';

export { CONTENT_LIMITS, ContentFilter, ITEM_FILTER_DIALECT, parseContentFilter } from './content.js';
export { DIALECTS, TOPIC_LIMITS, TOPIC_NAMESPACES, TopicFilter, parseTopicFilter, topicKey, type TopicFilterOptions } from './topic.js';

/** A topic filter and an optional content filter: what a rule condition or a stream subscription selects. */
export interface EventFilterSpec {
  topic: string;
  /** empty or absent = every instance of the topic */
  content?: string;
}

export interface CompiledEventFilter {
  topic: TopicFilter;
  content?: ContentFilter;
  matches(ev: BelfryEvent): boolean;
}

/** Parses both filters (either malformed → `invalid_argument`) into one predicate over events. */
export function eventFilter(spec: EventFilterSpec, opts?: TopicFilterOptions): CompiledEventFilter {
  const topic = parseTopicFilter(spec.topic, opts);
  const content = spec.content?.trim() ? parseContentFilter(spec.content) : undefined;
  return {
    topic,
    content,
    matches: (ev) => topic.matches(ev.topic) && (!content || content.matches(ev)),
  };
}

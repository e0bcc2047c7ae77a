// What the rule editor picks from, loaded once per visit of the Events page and again when the
// recipients or schedules change: the catalogue (topics, action templates), recipients, schedules, clips.
import type { Clip } from '../../api/types.js';
import type { Recipient, Schedule, Template, Topic } from '../../api/events.js';

export interface Catalogue {
  topics: Topic[];
  templates: Template[];
  recipients: Recipient[];
  schedules: Schedule[];
  clips: Clip[];
}

/** `com.axis.action.fixed.notification.smtp` sends through `com.axis.recipient.smtp` recipients */
export const recipientKindOf = (template: string) => /\.notification\.(\w+)$/.exec(template)?.[1];

/** The field a device's refusal names: its `name`, or the first quoted parameter in the message. */
export function refusedField(err: unknown): string | undefined {
  const e = err as { field?: string; message?: string } | undefined;
  const quoted = /'([a-z_]+)'/.exec(e?.message ?? '')?.[1];
  if (e?.field && e.field !== 'params' && !e.field.startsWith('params.')) return e.field;
  return e?.field?.startsWith('params.') ? e.field.slice(7) : quoted;
}

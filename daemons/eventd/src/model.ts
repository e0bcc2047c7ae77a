/**
 * eventd's configuration, in the shape of the VAPIX action1/event1 services (the SOAP API is the
 * oldest client and the one with the strictest wire form; the JSON API for the web UI maps onto the
 * same records). Every record has a numeric id given by the store, never reused while the device runs.
 */

/** Topic expression and optional ONVIF ItemFilter content expression, as the SOAP API carries them. */
export interface EventFilter {
  /** concrete topic, e.g. `tns1:Device/tnsaxis:IO/VirtualInput` */
  topic: string;
  /** e.g. `boolean(//SimpleItem[@Name="port" and @Value="1"])`; empty = any instance */
  content?: string;
}

export interface Condition extends EventFilter {
  /** the condition holds while the matching state does *not* */
  invert?: boolean;
}

/** An action configuration: a template (declared by a daemon, or eventd's own) with its parameters. */
export interface ActionConfig {
  id: number;
  name: string;
  /** e.g. `com.axis.action.fixed.play.audioclip` */
  template: string;
  /** every template parameter, unused ones as empty strings (action1 rule) */
  params: Record<string, string>;
}

export interface ActionRule {
  id: number;
  name: string;
  enabled: boolean;
  /** the trigger (edge); without one the rule is active while all conditions hold */
  startEvent?: EventFilter;
  conditions: Condition[];
  /** "wait between actions": after an action starts, the rule does not start it again for this long */
  activationTimeoutMs: number;
  /** an ActionConfig id */
  primaryAction: number;
  /** preconfigured by the firmware (shown in the UI; can be edited, enabled, removed) */
  preconfigured?: boolean;
}

/** A recipient: where notification actions send. Passwords are not here (see recipients/). */
export interface RecipientConfig {
  id: number;
  name: string;
  /** `com.axis.recipient.http`, `…https`, `…smtp`, `…tcp`, `…ftp`, `…sftp` */
  template: string;
  params: Record<string, string>;
}

/** A schedule (event1 AddScheduledEvent): an iCalendar DTSTART/DTEND/RRULE text. */
export interface ScheduledEvent {
  id: number;
  name: string;
  /** `DTSTART:…\nDTEND:…\nRRULE:…` (ical1 dialect); a pulse has no DTEND */
  ical: string;
}

export interface EventdConfig {
  actions: ActionConfig[];
  rules: ActionRule[];
  recipients: RecipientConfig[];
  schedules: ScheduledEvent[];
  /** the next id of each table */
  next: { actions: number; rules: number; recipients: number; schedules: number };
}

/** Limits, as on the devices we match (and explicit: each is tested at the limit). */
export const LIMITS = { rules: 256, actions: 256, recipients: 20, schedules: 100, conditions: 8, nameLength: 255, paramLength: 8192 } as const;

export type Table = 'actions' | 'rules' | 'recipients' | 'schedules';

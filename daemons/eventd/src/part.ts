import type { BelfryEvent, DaemonContext } from '@belfry/core';
import type { RouteHandlers } from '@belfry/core/http';
import type { Catalogue } from './catalogue.js';
import type { ActionRule, RecipientConfig } from './model.js';
import type { EventdStore } from './store.js';

/** An action eventd runs itself (notifications), given the action's parameters and the event that fired it. */
export type LocalAction = (params: Record<string, string>, ev: BelfryEvent | undefined, signal: AbortSignal) => Promise<void>;

/**
 * What parts offer each other inside eventd. A part sets its members when it starts; parts started
 * later use them (main.ts's order). Anything another daemon needs goes in the contract instead.
 */
export interface Shared {
  /** actions eventd runs itself, by template id (recipients/ registers the notifications) */
  localActions: Map<string, LocalAction>;
  /** virtual inputs 1–32 (inputs/): sets one, `durationS` deactivates it after; true when the state changed */
  virtualInputs?: { set(port: number, active: boolean, durationS?: number): boolean };
  /** what is wrong with an iCalendar schedule text (schedules/), or undefined */
  checkSchedule?: (ical: string) => string | undefined;
  /** sends a test message to a recipient (recipients/); rejects with what went wrong */
  testRecipient?: (r: Pick<RecipientConfig, 'template' | 'params'>, signal: AbortSignal) => Promise<void>;
  /**
   * the recipients (recipients/): their templates, the check of a configuration without its
   * password, and where a recipient's password goes when its record is stored by another part (SOAP)
   */
  recipients?: {
    templates(): readonly { id: string; params: readonly { name: string; secret?: boolean }[] }[];
    check(template: string, params: Record<string, string>): string | undefined;
    setSecrets(id: number, secrets: Record<string, string>): Promise<void>;
    dropSecrets(id: number): Promise<void>;
  };
  /** what is wrong with an action configuration for its template (engine/), or undefined */
  checkAction?: (template: string, params: Record<string, string>) => string | undefined;
  /** what is wrong with a rule (engine/: topics, filters, action id, limits), or undefined */
  checkRule?: (rule: Omit<ActionRule, 'id'>) => string | undefined;
}

/** What every part of eventd is given: the daemon's context, the one store, the one catalogue. */
export interface EventdDeps {
  ctx: DaemonContext;
  store: EventdStore;
  catalogue: Catalogue;
  shared: Shared;
}

/**
 * A part of eventd (the rule engine, the scheduler, virtual inputs, recipients, SOAP services, event
 * streams, …): started in order by main.ts, stopped in reverse. Its HTTP handlers join the one table.
 */
export interface Part {
  handlers?: RouteHandlers;
  stop(): Promise<void> | void;
}

export type StartPart = (deps: EventdDeps) => Promise<Part>;

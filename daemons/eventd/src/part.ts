import type { DaemonContext } from '@belfry/core';
import type { RouteHandlers } from '@belfry/core/http';
import type { Catalogue } from './catalogue.js';
import type { EventdStore } from './store.js';

/** What every part of eventd is given: the daemon's context, the one store and the one catalogue. */
export interface EventdDeps {
  ctx: DaemonContext;
  store: EventdStore;
  catalogue: Catalogue;
}

/**
 * A part of eventd (the rule engine, the scheduler, virtual inputs, SOAP services, event streams, …):
 * started in order by main.ts, stopped in reverse. Its HTTP handlers join the one handler table.
 */
export interface Part {
  handlers?: RouteHandlers;
  stop(): Promise<void> | void;
}

export type StartPart = (deps: EventdDeps) => Promise<Part>;

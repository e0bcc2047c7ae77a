import type { DaemonModule } from '@belfry/core';
import type { RouteHandlers } from '@belfry/core/http';
import { Catalogue } from './catalogue.js';
import { EVENTD_ROUTES } from './contract.js';
import { startEngine } from './engine/part.js';
import { seedPreconfigured } from './engine/preconfigured.js';
import { inputsPart } from './inputs/part.js';
import type { EventdDeps, Part, StartPart } from './part.js';
import { recipientsPart } from './recipients/part.js';
import { schedulesPart } from './schedules/part.js';
import { seedSchedules } from './schedules/defaults.js';
import { EventdStore } from './store.js';
import { startStreams } from './streams/part.js';
import { startSoap } from './soap/service.js';

export type { EventdContract } from './contract.js';

/** eventd's parts in start order (each is given the store and the catalogue; see part.ts). */
const PARTS: StartPart[] = [
  inputsPart(),
  schedulesPart(),
  (d) => startEngine(d),
  recipientsPart(),
  startSoap,
  startStreams,
];

/**
 * eventd: the event catalogue, rules, schedules, virtual inputs and manual triggers, recipients, and
 * the event APIs and streams (see README).
 */
export const daemon: DaemonModule = {
  name: 'eventd',
  async start(ctx) {
    const store = new EventdStore(ctx.stateDir, ctx.audit);
    store.load((s) => {
      seedSchedules(s);
      seedPreconfigured(s);
    });
    const catalogue = new Catalogue();
    await catalogue.start(ctx.bus);
    const deps: EventdDeps = { ctx, store, catalogue, shared: { localActions: new Map() } };
    const parts: Part[] = [];
    const handlers: RouteHandlers = {};
    for (const start of PARTS) {
      const p = await start(deps);
      parts.push(p);
      Object.assign(handlers, p.handlers);
    }
    if (EVENTD_ROUTES.length) await ctx.serveHttp(EVENTD_ROUTES, handlers);
    return {
      async stop() {
        for (const p of parts.reverse()) await p.stop();
        await catalogue.stop();
      },
    };
  },
};

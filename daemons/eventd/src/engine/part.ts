import { subscribeEvents } from '@belfry/core';
import type { EventdDeps, Part } from '../part.js';
import { engineApi } from './api.js';
import { makeChecks } from './checks.js';
import { ACTION_FAILED, ActionRunner, RUNNER_LIMITS, type RunnerLimits } from './runner.js';
import { RuleEngine } from './rules.js';
import { LastStarts } from './waits.js';

export interface EngineOptions {
  runner?: Partial<RunnerLimits>;
  /** how often the last start times are saved at most (ms) */
  waitSaveMs?: number;
  /** how long to wait for the retained states at start before evaluating anyway */
  settleMs?: number;
}

export interface EnginePart extends Part {
  engine: RuleEngine;
  runner: ActionRunner;
}

/** How long the settle marker may take before the engine evaluates anyway (a broker hiccup must not stall rules). */
const SETTLE_MS = 3000;

/**
 * The rule engine part: declares ActionFailed, offers `checkAction`/`checkRule`, follows every event
 * on the bus and the store's rules and action configurations.
 */
export async function startEngine(deps: EventdDeps, opts: EngineOptions = {}): Promise<EnginePart> {
  const { ctx, store, catalogue, shared } = deps;
  ctx.events.declare([{ topic: ACTION_FAILED, niceName: 'Action failed', stateful: false, source: [], data: [{ name: 'description', type: 'xsd:string' }] }]);
  const checks = makeChecks(catalogue, store, shared);
  Object.assign(shared, checks);
  const runner = new ActionRunner(ctx, catalogue, shared, { ...RUNNER_LIMITS, ...opts.runner });
  const waits = new LastStarts(ctx.stateDir, opts.waitSaveMs);
  const engine = new RuleEngine(store, runner, waits, ctx.log);
  engine.reload();
  const offStore = store.onChange((table) => {
    if (table === 'rules' || table === 'actions') engine.reload();
  });
  // the retained states arrive right after the subscription; a marker published after it arrives
  // after them (the broker keeps one queue per client), so then every state present at start is known
  const marker = `belfry/reply/${ctx.name}/engine-settled`;
  let settled!: () => void;
  const arrived = new Promise<void>((r) => (settled = r));
  const offMarker = await ctx.bus.subscribe(marker, () => settled());
  const offEvents = await subscribeEvents(ctx.bus, '#', (ev) => engine.onEvent(ev));
  ctx.bus.publish(marker, 'settled');
  const timer = setTimeout(settled, opts.settleMs ?? SETTLE_MS);
  await arrived;
  clearTimeout(timer);
  await offMarker();
  engine.settle();
  return {
    engine,
    runner,
    handlers: engineApi(store, catalogue, checks, engine),
    async stop() {
      offStore();
      await offEvents();
      engine.stopAll();
      await Promise.race([runner.idle(), new Promise((r) => setTimeout(r, 2000).unref())]);
      waits.flush();
    },
  };
}

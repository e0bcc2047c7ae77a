import { BelfryError, subscribeEvents, type ActionDecl, type BelfryEvent, type DaemonContext, type DaemonModule, type EventDecl, type Items } from '@belfry/core';
import { startTestBus, type TestBus } from '@belfry/core/testing';
import { Catalogue } from '../src/catalogue.js';
import { startEngine, type EngineOptions, type EnginePart } from '../src/engine/part.js';
import { seedPreconfigured } from '../src/engine/preconfigured.js';
import { ACTION_FAILED } from '../src/engine/runner.js';
import type { ActionRule, Condition } from '../src/model.js';
import type { Shared } from '../src/part.js';
import { EventdStore } from '../src/store.js';

export const VI = 'tns1:Device/tnsaxis:IO/VirtualInput';
export const PULSE = 'tns1:Device/tnsaxis:Test/Pulse';
export const PROBE = 'tns1:Device/tnsaxis:Test/Probe';
export const FIXED = 'com.belfry.test.fixed.act';
export const UNLIMITED = 'com.axis.action.unlimited.test';
export const FAILS = 'com.belfry.test.fixed.fail';
export const HANGS = 'com.belfry.test.fixed.hang';

const EVENTS: EventDecl[] = [
  { topic: VI, niceName: 'Virtual input', stateful: true, source: [{ name: 'port', type: 'xsd:int' }], data: [{ name: 'active', type: 'xsd:boolean' }] },
  { topic: PULSE, niceName: 'Pulse', stateful: false, source: [], data: [{ name: 'n', type: 'xsd:int' }] },
  { topic: PROBE, niceName: 'Probe', stateful: false, source: [], data: [{ name: 'n', type: 'xsd:int' }] },
];
const PARAMS: ActionDecl['params'] = [
  { name: 'text', type: 'string' },
  { name: 'n', type: 'int', min: 0, max: 100 },
  { name: 'flag', type: 'bool', optional: true },
];
const ACTIONS: ActionDecl[] = [
  { id: FIXED, niceName: 'Act', service: 'owner', method: 'act', params: PARAMS },
  { id: UNLIMITED, niceName: 'Act while active', service: 'owner', method: 'act', params: PARAMS, stopMethod: 'halt' },
  { id: FAILS, niceName: 'Fails', service: 'owner', method: 'fail', params: [] },
  { id: HANGS, niceName: 'Never answers', service: 'owner', method: 'hang', params: [] },
];

export interface Call {
  method: string;
  params: Record<string, unknown>;
}

/** Polls until `cond` holds (an event-driven wait with a generous cap, not a timing assertion). */
export async function until(cond: () => boolean, what: string, capMs = 10_000): Promise<void> {
  const end = Date.now() + capMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface Harness {
  tb: TestBus;
  store: EventdStore;
  shared: Shared;
  part: EnginePart;
  /** the owner's calls, in arrival order */
  calls: Call[];
  /** ActionFailed descriptions seen on the bus */
  failures: string[];
  owner: DaemonContext;
  setVI(port: number, active: boolean): void;
  pulse(n: number): void;
  /** adds an action configuration and a rule (checked like the APIs do) */
  rule(r: Partial<Omit<ActionRule, 'id' | 'primaryAction'>> & { conditions?: Condition[] }, action?: { template?: string; params?: Record<string, string> }): ActionRule;
  /** publishes a probe and waits for its action: everything published before it has been evaluated */
  barrier(): Promise<void>;
  /** restarts eventd (the engine part) on the same root */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function harness(opts: EngineOptions & { root?: string; seed?: boolean } = {}): Promise<Harness> {
  const tb = await startTestBus(['eventd', 'owner'], { root: opts.root });
  const calls: Call[] = [];
  const failures: string[] = [];
  let owner!: DaemonContext;
  const ownerMod: DaemonModule = {
    name: 'owner',
    async start(ctx) {
      owner = ctx;
      ctx.events.declare(EVENTS);
      ctx.events.declareActions(ACTIONS);
      await ctx.serve({
        act: (p: Record<string, unknown>) => {
          calls.push({ method: 'act', params: p });
          return {};
        },
        halt: (p: Record<string, unknown>) => {
          calls.push({ method: 'halt', params: p });
          return {};
        },
        fail: () => {
          throw new BelfryError('unavailable', 'the owner refuses');
        },
        hang: () => new Promise(() => undefined),
      });
      return { stop: async () => undefined };
    },
  };
  await tb.run(ownerMod);
  await subscribeEvents(owner.bus, ACTION_FAILED, (ev: BelfryEvent) => failures.push(String(ev.data.description)));

  let store!: EventdStore;
  let shared!: Shared;
  let part!: EnginePart;
  const eventd: DaemonModule = {
    name: 'eventd',
    async start(ctx) {
      store = new EventdStore(ctx.stateDir, ctx.audit);
      store.load(opts.seed ? seedPreconfigured : undefined);
      const catalogue = new Catalogue();
      await catalogue.start(ctx.bus);
      await until(() => ACTIONS.every((a) => catalogue.action(a.id)) && EVENTS.every((e) => catalogue.event(e.topic)), 'the owner declarations');
      shared = { localActions: new Map() };
      part = await startEngine({ ctx, store, catalogue, shared }, opts);
      return {
        async stop() {
          await part.stop();
          await catalogue.stop();
        },
      };
    },
  };
  let running = await tb.run(eventd);
  let probes = 0;
  let probeRule: number | undefined;

  const h: Harness = {
    tb,
    get store() {
      return store;
    },
    get shared() {
      return shared;
    },
    get part() {
      return part;
    },
    calls,
    failures,
    owner,
    setVI: (port, active) => owner.events.setState(VI, { port }, { active }),
    pulse: (n) => owner.events.emit(PULSE, { data: { n } }),
    rule(r, action = {}) {
      const params = action.params ?? { text: r.name ?? 'r', n: '1', flag: '' };
      const template = action.template ?? FIXED;
      const bad = shared.checkAction!(template, params);
      if (bad) throw new BelfryError('invalid_argument', bad);
      const a = store.add('actions', { name: r.name ?? 'a', template, params });
      const rule: Omit<ActionRule, 'id'> = { name: 'r', enabled: true, conditions: [], activationTimeoutMs: 0, ...r, primaryAction: a.id };
      const why = shared.checkRule!(rule);
      if (why) throw new BelfryError('invalid_argument', why);
      return store.add('rules', rule);
    },
    async barrier() {
      probeRule ??= store.list('rules').find((r) => r.name === 'probe')?.id;
      if (probeRule === undefined || !store.get('rules', probeRule)) probeRule = h.rule({ name: 'probe', startEvent: { topic: PROBE } }, { params: { text: 'probe', n: '0', flag: '' } }).id;
      const n = ++probes;
      const seen = () => calls.filter((c) => c.params.text === 'probe').length;
      const before = seen();
      owner.events.emit(PROBE, { data: { n } });
      await until(() => seen() > before, `probe ${n}`);
      await part.runner.idle();
    },
    async restart() {
      await running.stop();
      probeRule = undefined;
      running = await tb.run(eventd);
    },
    stop: () => tb.stop(),
  };
  return h;
}

export const on = (port: number): Condition => ({ topic: VI, content: `boolean(//SimpleItem[@Name="port" and @Value="${port}"]) and boolean(//SimpleItem[@Name="active" and @Value="1"])` });
export const acts = (h: Harness, text: string) => h.calls.filter((c) => c.method === 'act' && c.params.text === text).length;
export const halts = (h: Harness) => h.calls.filter((c) => c.method === 'halt').length;
export type { Items };

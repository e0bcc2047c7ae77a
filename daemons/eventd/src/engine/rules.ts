import type { BelfryEvent, Logger } from '@belfry/core';
import { eventFilter, topicKey, type CompiledEventFilter } from '@belfry/core/filters';
import type { ActionConfig, ActionRule } from '../model.js';
import type { EventdStore } from '../store.js';
import { isUnlimited } from './params.js';
import type { ActionRunner } from './runner.js';
import { StateTable } from './state.js';
import type { LastStarts } from './waits.js';

/** An enabled rule, compiled, with its run-time state. */
interface Live {
  rule: ActionRule;
  action: ActionConfig;
  /** what the rule was compiled from: an unchanged rule keeps its state across a reload */
  sig: string;
  trigger?: CompiledEventFilter;
  conditions: { f: CompiledEventFilter; invert: boolean }[];
  unlimited: boolean;
  active: boolean;
  /** an unlimited action was started and not stopped yet */
  running: boolean;
  /** the stateful instance that triggered the rule (a rule with only a trigger is active while it matches) */
  since?: BelfryEvent;
}

function compile(rule: ActionRule, action: ActionConfig, sig: string): Live {
  return {
    rule,
    action,
    sig,
    trigger: rule.startEvent ? eventFilter(rule.startEvent) : undefined,
    conditions: rule.conditions.map((c) => ({ f: eventFilter(c), invert: !!c.invert })),
    unlimited: isUnlimited(action.template),
    active: false,
    running: false,
  };
}

/**
 * The rule engine (semantics in README.md): keeps the state of every stateful instance, and on each
 * event evaluates only the enabled rules that name its topic (an index by topic key; rules with a
 * subtree or wildcard filter are asked about every event).
 */
export class RuleEngine {
  readonly state = new StateTable();
  private rules = new Map<number, Live>();
  private index = new Map<string, Set<Live>>();
  private wild = new Set<Live>();
  /** false until the retained states present at start have arrived (so an inverted condition does not fire on a state not yet seen) */
  private settled = false;

  constructor(
    private readonly store: EventdStore,
    private readonly runner: ActionRunner,
    private readonly lastStarts: LastStarts,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The retained states have arrived: rules without a trigger whose conditions hold become active. */
  settle(): void {
    this.settled = true;
    for (const l of this.rules.values()) this.evaluate(l);
  }

  /** Recompiles after a configuration change; unchanged rules keep their state, removed ones stop. */
  reload(): void {
    const actions = new Map(this.store.list('actions').map((a) => [a.id, a]));
    const next = new Map<number, Live>();
    const fresh: Live[] = [];
    for (const r of this.store.list('rules')) {
      const action = actions.get(r.primaryAction);
      if (!r.enabled || !action) continue;
      const sig = JSON.stringify([r, action]);
      const old = this.rules.get(r.id);
      if (old?.sig === sig) {
        next.set(r.id, old);
        continue;
      }
      try {
        const l = compile(r, action, sig);
        next.set(r.id, l);
        fresh.push(l);
      } catch (err) {
        this.log.warn({ rule: r.id, err: (err as Error).message }, 'rule not loaded');
      }
    }
    for (const [id, old] of this.rules) if (next.get(id) !== old) this.deactivate(old);
    this.rules = next;
    this.reindex();
    this.lastStarts.retain(new Set(this.store.list('rules').map((r) => r.id)));
    if (this.settled) for (const l of fresh) this.evaluate(l);
  }

  private reindex(): void {
    this.index.clear();
    this.wild.clear();
    for (const l of this.rules.values()) {
      const filters = [...(l.trigger ? [l.trigger] : []), ...l.conditions.map((c) => c.f)];
      const keys = filters.map((f) => f.topic.keys());
      if (keys.some((k) => !k)) this.wild.add(l);
      else
        for (const k of keys.flat() as string[]) {
          const set = this.index.get(k) ?? new Set<Live>();
          set.add(l);
          this.index.set(k, set);
        }
    }
  }

  /** One event from the bus. */
  onEvent(ev: BelfryEvent): void {
    const prev = ev.op ? this.state.update(ev) : undefined;
    if (!this.settled) return;
    const named = this.index.get(topicKey(ev.topic));
    if (named) for (const l of named) this.evaluate(l, ev, prev);
    for (const l of this.wild) this.evaluate(l, ev, prev);
  }

  /** Is this event an edge of the rule's trigger: a stateless event, or an instance changing to matching? */
  private edge(l: Live, ev: BelfryEvent | undefined, prev: BelfryEvent | undefined): boolean {
    if (!ev || !l.trigger?.matches(ev)) return false;
    if (!ev.op) return true;
    if (ev.op === 'Deleted') return false;
    // a first Initialized state is the engine learning it, not a change
    return prev ? !l.trigger.matches(prev) : ev.op === 'Changed';
  }

  private evaluate(l: Live, ev?: BelfryEvent, prev?: BelfryEvent): void {
    const holds = l.conditions.every((c) => this.state.any(c.f) !== c.invert);
    if (!l.trigger) {
      if (holds && !l.active) this.activate(l, ev);
      else if (!holds && l.active) this.deactivate(l);
      return;
    }
    if (this.edge(l, ev, prev) && holds) {
      l.since = ev!.op ? ev : undefined;
      // a fixed action runs once per trigger; an unlimited one is already running while active
      if (!l.unlimited || !l.active) this.activate(l, ev);
      l.active = true;
      return;
    }
    if (!l.active) return;
    // triggered: active while the other conditions hold; with none, while the triggering state does
    const still = l.conditions.length ? holds : !!l.since && this.state.instanceMatches(l.trigger, l.since);
    if (!still) this.deactivate(l);
  }

  private activate(l: Live, ev?: BelfryEvent): void {
    l.active = true;
    const now = this.now();
    const wait = l.rule.activationTimeoutMs;
    const last = this.lastStarts.get(l.rule.id, now);
    if (wait > 0 && last !== undefined && now - last < wait) {
      this.log.debug({ rule: l.rule.id }, 'action not started: waiting between actions');
      return;
    }
    this.lastStarts.set(l.rule.id, now, wait > 0);
    const ok = this.runner.submit({ ruleId: l.rule.id, ruleName: l.rule.name, action: l.action, kind: 'start', ev });
    l.running = ok && l.unlimited;
  }

  private deactivate(l: Live): void {
    l.active = false;
    l.since = undefined;
    if (!l.running) return;
    l.running = false;
    this.runner.submit({ ruleId: l.rule.id, ruleName: l.rule.name, action: l.action, kind: 'stop' });
  }

  /** Stops every running unlimited action (eventd is stopping). */
  stopAll(): void {
    for (const l of this.rules.values()) this.deactivate(l);
  }

  /** For the JSON API: whether a rule is active now. */
  isActive(id: number): boolean {
    return this.rules.get(id)?.active ?? false;
  }
}

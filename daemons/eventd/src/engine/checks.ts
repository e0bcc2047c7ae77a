import type { Catalogue } from '../catalogue.js';
import { eventFilter, type CompiledEventFilter } from '@belfry/core/filters';
import { LIMITS, type ActionConfig, type ActionRule, type EventFilter } from '../model.js';
import type { Shared } from '../part.js';
import type { EventdStore } from '../store.js';
import { checkParams, isUnlimited } from './params.js';

/** The longest "wait between actions": 99:59:59, what the hh:mm:ss field holds. */
export const MAX_WAIT_MS = (99 * 3600 + 59 * 60 + 59) * 1000;

function compileOrWhy(f: EventFilter, what: string): CompiledEventFilter | string {
  if (!f || typeof f.topic !== 'string') return `${what} has no topic`;
  if (f.content !== undefined && typeof f.content !== 'string') return `${what}: content filter must be a string`;
  try {
    return eventFilter(f);
  } catch (e) {
    return `${what}: ${(e as Error).message}`;
  }
}

/**
 * The checks other parts (SOAP, the JSON API) run before they store an action configuration or a
 * rule (`Shared.checkAction`, `Shared.checkRule`). Each returns what is wrong, or undefined.
 */
export type Checks = ReturnType<typeof makeChecks>;

export function makeChecks(catalogue: Catalogue, store: EventdStore, shared: Shared) {
  const templateKnown = (t: string) => !!catalogue.action(t) || shared.localActions.has(t);

  const checkAction = (template: string, params: Record<string, string>): string | undefined => {
    if (typeof template !== 'string' || !template) return 'no template';
    const decl = catalogue.action(template);
    if (!decl) return `action template '${template.slice(0, 100)}' is not declared on this device`;
    return checkParams(decl, params);
  };

  /** A filter's declared topics; a condition must name a stateful one (a stateless event can only trigger). */
  const checkTopic = (f: CompiledEventFilter, what: string, condition: boolean): string | undefined => {
    const decls = catalogue.eventDecls().filter((d) => f.topic.matches(d.topic));
    if (!decls.length) return `${what}: topic '${f.topic.expression.slice(0, 100)}' is not declared on this device`;
    if (condition && !decls.some((d) => d.stateful)) return `${what}: '${f.topic.expression.slice(0, 100)}' is a stateless event; it can only be the trigger`;
    return undefined;
  };

  const checkShape = (rule: Omit<ActionRule, 'id'>): string | undefined => {
    if (typeof rule.name !== 'string' || !rule.name.trim()) return 'the rule needs a name';
    if (rule.name.length > LIMITS.nameLength) return `name longer than ${LIMITS.nameLength} characters`;
    if (typeof rule.enabled !== 'boolean') return 'enabled must be true or false';
    const w = rule.activationTimeoutMs;
    if (!Number.isInteger(w) || w < 0 || w > MAX_WAIT_MS) return `wait between actions must be 0–${MAX_WAIT_MS / 1000} s`;
    if (!Array.isArray(rule.conditions)) return 'conditions must be a list';
    const n = rule.conditions.length + (rule.startEvent ? 1 : 0);
    if (!n) return 'the rule needs a trigger or at least one condition';
    if (n > LIMITS.conditions) return `at most ${LIMITS.conditions} conditions (the trigger included)`;
    return undefined;
  };

  /** `action`: the action configuration about to be stored with the rule (the JSON API), instead of `primaryAction` */
  const checkRule = (rule: Omit<ActionRule, 'id'>, action?: Pick<ActionConfig, 'template'>): string | undefined => {
    const shape = checkShape(rule);
    if (shape) return shape;
    // a preconfigured rule may stay (disabled) while what it needs is missing; enabling it needs it all
    const needAll = rule.enabled || !rule.preconfigured;
    const pre = rule.preconfigured && rule.enabled ? 'this preconfigured rule cannot be enabled: ' : '';
    const filters: [EventFilter, string, boolean][] = [...(rule.startEvent ? [[rule.startEvent, 'trigger', false] as [EventFilter, string, boolean]] : []), ...rule.conditions.map((c, i) => [c, `condition ${i + 1}`, true] as [EventFilter, string, boolean])];
    let stateful = false;
    for (const [f, what, cond] of filters) {
      const c = compileOrWhy(f, what);
      if (typeof c === 'string') return c;
      if (cond && (f as { invert?: unknown }).invert !== undefined && typeof (f as { invert?: unknown }).invert !== 'boolean') return `${what}: invert must be true or false`;
      const why = needAll ? checkTopic(c, what, cond) : undefined;
      if (why) return pre + why;
      if (cond || catalogue.eventDecls().some((d) => d.stateful && c.topic.matches(d.topic))) stateful = true;
    }
    action ??= Number.isInteger(rule.primaryAction) ? store.get('actions', rule.primaryAction) : undefined;
    if (!action) return `no action configuration ${String(rule.primaryAction).slice(0, 20)}`;
    if (needAll && !templateKnown(action.template)) return `${pre}action template '${action.template}' is not declared on this device`;
    if (isUnlimited(action.template) && !stateful) return `'${action.template}' runs while the rule is active: the rule needs a stateful trigger or a condition`;
    return undefined;
  };

  return { checkAction, checkRule };
}

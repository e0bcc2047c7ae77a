import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import type { RouteHandlers } from '@belfry/core/http';
import type { Catalogue } from '../catalogue.js';
import { LIMITS, type ActionConfig, type ActionRule, type Condition } from '../model.js';
import type { EventdStore } from '../store.js';
import type { Checks } from './checks.js';
import { isUnlimited } from './params.js';
import type { RuleEngine } from './rules.js';

interface UiCondition extends Condition {
  trigger?: boolean;
}
interface UiRule {
  name: string;
  enabled: boolean;
  wait?: string | number;
  conditions: UiCondition[];
  action: { template: string; params: Record<string, string> };
}

const json = (reply: FastifyReply, status: number, body: unknown) => reply.code(status).type('application/json').send(JSON.stringify(body));
const idOf = (req: FastifyRequest) => (req.params as { id: number }).id;
const bad = (why: string) => new BelfryError('invalid_argument', why);

export function hms(ms: number): string {
  const s = Math.floor(ms / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

/** "wait between actions" as the UI sends it: hh:mm:ss or seconds. */
export function waitMs(w: string | number | undefined): number {
  if (w === undefined) return 0;
  if (typeof w === 'number') return w * 1000;
  const [h, m, s] = w.split(':').map(Number) as [number, number, number];
  return ((h * 60 + m) * 60 + s) * 1000;
}

/**
 * The web UI's rules API. A UI rule carries its action (template and parameters), and the action
 * configuration is made, replaced and removed with it, as the devices we match do; rules made over
 * SOAP may share one, which the UI then copies on edit rather than change another rule's action.
 */
export function engineApi(store: EventdStore, catalogue: Catalogue, checks: Checks, engine: RuleEngine): RouteHandlers {
  const usedBy = (actionId: number, except?: number) => store.list('rules').filter((r) => r.primaryAction === actionId && r.id !== except).map((r) => r.id);

  /** The action's params with the template's unused optional ones filled in as empty strings, then checked. */
  const actionOf = (a: UiRule['action']): Pick<ActionConfig, 'template' | 'params'> => {
    const decl = catalogue.action(a.template);
    const params = { ...a.params };
    for (const p of decl?.params ?? []) if (p.optional && params[p.name] === undefined) params[p.name] = '';
    const why = checks.checkAction(a.template, params);
    if (why) throw bad(why);
    return { template: a.template, params };
  };

  const ruleOf = (b: UiRule, primaryAction: number, preconfigured: boolean | undefined, action: Pick<ActionConfig, 'template'>): Omit<ActionRule, 'id'> => {
    const [first, ...rest] = b.conditions;
    if (rest.some((c) => c.trigger)) throw bad('only the first condition can be the trigger');
    if (first!.trigger && first!.invert) throw bad('the trigger cannot be inverted');
    const cond = ({ topic, content, invert }: UiCondition): Condition => ({ topic, ...(content ? { content } : {}), ...(invert ? { invert } : {}) });
    const rule: Omit<ActionRule, 'id'> = { name: b.name, enabled: b.enabled, conditions: (first!.trigger ? rest : b.conditions).map(cond), activationTimeoutMs: waitMs(b.wait), primaryAction };
    if (first!.trigger) rule.startEvent = { topic: first!.topic, ...(first!.content ? { content: first!.content } : {}) };
    if (preconfigured) rule.preconfigured = true;
    const why = checks.checkRule(rule, action);
    if (why) throw why.startsWith('this preconfigured rule') ? new BelfryError('failed_precondition', why) : bad(why);
    return rule;
  };

  const show = (r: ActionRule) => {
    const a = store.get('actions', r.primaryAction);
    const conditions: UiCondition[] = [...(r.startEvent ? [{ ...r.startEvent, trigger: true }] : []), ...r.conditions];
    return { id: r.id, name: r.name, enabled: r.enabled, preconfigured: !!r.preconfigured, active: engine.isActive(r.id), wait: hms(r.activationTimeoutMs), waitSeconds: Math.floor(r.activationTimeoutMs / 1000), conditions, actionId: r.primaryAction, action: { template: a?.template ?? '', params: a?.params ?? {} } };
  };
  const ruleById = (id: number) => store.get('rules', id) ?? notFound('rule', id);
  const actionById = (id: number) => store.get('actions', id) ?? notFound('action configuration', id);

  const createRule = (b: UiRule) => {
    if (store.list('rules').length >= LIMITS.rules) throw new BelfryError('limit_exceeded', `at most ${LIMITS.rules} rules`);
    const action = actionOf(b.action);
    ruleOf(b, 0, false, action); // every check before anything is stored
    const a = store.add('actions', { name: b.name, ...action });
    try {
      return store.add('rules', ruleOf(b, a.id, false, action));
    } catch (err) {
      store.remove('actions', a.id);
      throw err;
    }
  };

  const replaceRule = (old: ActionRule, b: UiRule) => {
    // a preconfigured rule's own action may name a template not declared yet: the rule check says what is missing
    const kept = store.get('actions', old.primaryAction);
    const same = old.preconfigured && kept && kept.template === b.action.template && JSON.stringify(kept.params) === JSON.stringify(b.action.params);
    const action = same ? { template: kept.template, params: kept.params } : actionOf(b.action);
    ruleOf(b, old.primaryAction, old.preconfigured, action);
    const shared = usedBy(old.primaryAction, old.id).length > 0 || !store.get('actions', old.primaryAction);
    const actionId = shared ? store.add('actions', { name: b.name, ...action }).id : old.primaryAction;
    if (!shared) store.replace('actions', { id: actionId, name: b.name, ...action });
    store.replace('rules', { ...ruleOf(b, actionId, old.preconfigured, action), id: old.id });
  };

  const removeRule = (r: ActionRule) => {
    store.remove('rules', r.id);
    if (!usedBy(r.primaryAction).length && store.get('actions', r.primaryAction)) store.remove('actions', r.primaryAction);
  };

  const checkedAction = (b: { name: string; template: string; params: Record<string, string> }) => ({ name: b.name, ...actionOf(b) });

  return {
    '/api/v1/events/rules': async (req, reply) => {
      if (req.method === 'POST') return json(reply, 201, { id: createRule(req.body as UiRule).id });
      return json(reply, 200, { rules: store.list('rules').map(show), limit: LIMITS.rules });
    },
    '/api/v1/events/rules/:id': async (req, reply) => {
      const r = ruleById(idOf(req));
      if (req.method === 'GET') return json(reply, 200, show(r));
      if (req.method === 'PUT') replaceRule(r, req.body as UiRule);
      else removeRule(r);
      return json(reply, 200, {});
    },
    '/api/v1/events/actions': async (req, reply) => {
      if (req.method === 'POST') return json(reply, 201, { id: store.add('actions', checkedAction(req.body as never)).id });
      return json(reply, 200, { actions: store.list('actions').map((a) => ({ ...a, usedBy: usedBy(a.id) })), limit: LIMITS.actions });
    },
    '/api/v1/events/actions/:id': async (req, reply) => {
      const a = actionById(idOf(req));
      if (req.method === 'GET') return json(reply, 200, { ...a, usedBy: usedBy(a.id) });
      if (req.method === 'PUT') store.replace('actions', { id: a.id, ...checkedAction(req.body as never) });
      else if (usedBy(a.id).length) throw new BelfryError('failed_precondition', `action configuration ${a.id} is used by rule ${usedBy(a.id).join(', ')}`);
      else store.remove('actions', a.id);
      return json(reply, 200, {});
    },
    '/api/v1/events/templates': async (_req, reply) => json(reply, 200, { templates: catalogue.actionDecls().map((d) => ({ id: d.id, niceName: d.niceName, unlimited: isUnlimited(d.id), params: d.params })) }),
    '/api/v1/events/topics': async (_req, reply) => json(reply, 200, { topics: catalogue.eventDecls() }),
  };
}

function notFound(what: string, id: number): never {
  throw new BelfryError('not_found', `no ${what} ${id}`);
}

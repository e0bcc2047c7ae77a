import { MAX_WAIT_MS } from '../engine/checks.js';
import { LIMITS, type ActionRule, type EventFilter } from '../model.js';
import { sender, TER } from './fault.js';
import { eventFilterOf, FILTER_FAULT } from './filter.js';
import { DIALECT, NS } from './names.js';
import { needed, storeChange, type OpContext, type Operation } from './ops.js';
import { durationMs, durationText, Fields, nameOf } from './read.js';
import { el, esc, textEl } from './write.js';
import type { XmlEl } from './xml.js';

/**
 * action1's rules: `StartEvent` (the trigger, an edge) and/or `Conditions` (levels that must all
 * hold), `ActivationTimeout` (xsd:duration, the "wait between actions"), `PrimaryAction` (an action
 * configuration id). action1 has no "invert": an inverted condition is written as its opposite
 * content filter (`@Value="0"`), so the rules this service adds are never inverted.
 */

const ns = NS.aa;

function newRule(c: OpContext, e: XmlEl): Omit<ActionRule, 'id'> {
  const f = new Fields(e, ns, { required: ['Name', 'Enabled', 'PrimaryAction'], optional: ['StartEvent', 'Conditions', 'ActivationTimeout'] });
  const name = nameOf(f);
  const enabled = f.bool('Enabled')!;
  const decls = c.catalogue.eventDecls();
  const startEvent = f.child('StartEvent') && eventFilterOf(f.child('StartEvent')!, decls);
  const condEls = f.child('Conditions') ? new Fields(f.child('Conditions')!, ns, { lists: ['Condition'] }).all('Condition') : [];
  if (condEls.length > LIMITS.conditions) throw sender(TER.tooLarge, `at most ${LIMITS.conditions} conditions`);
  const conditions = condEls.map((x) => eventFilterOf(x, decls));
  if (!startEvent && !conditions.length) throw sender(FILTER_FAULT, 'a rule needs a StartEvent or a Condition');
  const primaryAction = f.id('PrimaryAction');
  if (!c.store.get('actions', primaryAction)) throw sender(TER.invalidArg, `PrimaryAction: no action configuration ${primaryAction}`);
  const rule: Omit<ActionRule, 'id'> = {
    name,
    enabled,
    ...(startEvent ? { startEvent } : {}),
    conditions,
    activationTimeoutMs: f.has('ActivationTimeout') ? durationMs(f.text('ActivationTimeout', 32)!, MAX_WAIT_MS) : 0,
    primaryAction,
  };
  // topics, filters and the action are checked above; what the engine's rule check still finds is
  // about how they combine (a stateless condition, an unlimited action without a stateful one)
  const problem = needed(c.shared.checkRule, 'the rule check')(rule);
  if (problem) throw sender(FILTER_FAULT, problem);
  return rule;
}

function filterXml(wrapper: string, f: EventFilter): string {
  const topic = `<wsnt:TopicExpression Dialect="${DIALECT.concrete}">${esc(f.topic)}</wsnt:TopicExpression>`;
  const content = f.content ? `<wsnt:MessageContent Dialect="${DIALECT.itemFilter}">${esc(f.content)}</wsnt:MessageContent>` : '';
  return el(wrapper, {}, topic, content);
}

function ruleXml(r: ActionRule): string {
  return el(
    'aa:ActionRule',
    {},
    textEl('aa:RuleID', String(r.id)),
    textEl('aa:Name', r.name),
    textEl('aa:Enabled', String(r.enabled)),
    r.startEvent ? filterXml('aa:StartEvent', r.startEvent) : '',
    r.conditions.length ? `<aa:Conditions>${r.conditions.map((x) => filterXml('aa:Condition', x)).join('')}</aa:Conditions>` : '',
    r.activationTimeoutMs ? textEl('aa:ActivationTimeout', durationText(r.activationTimeoutMs)) : '',
    textEl('aa:PrimaryAction', String(r.primaryAction)),
  );
}

export const RULE_OPS: Record<string, Operation> = {
  AddActionRule: {
    ns,
    least: 'admin',
    run(op, c) {
      const rule = newRule(c, new Fields(op, ns, { required: ['NewActionRule'] }).child('NewActionRule')!);
      const saved = storeChange('AddActionRule', () => c.store.add('rules', rule));
      return el('aa:AddActionRuleResponse', {}, textEl('aa:RuleID', String(saved.id)));
    },
  },

  GetActionRules: {
    ns,
    least: 'viewer',
    run(op, c) {
      new Fields(op, ns, {});
      return el('aa:GetActionRulesResponse', {}, `<aa:ActionRules>${c.store.list('rules').map(ruleXml).join('')}</aa:ActionRules>`);
    },
  },

  RemoveActionRule: {
    ns,
    least: 'admin',
    run(op, c) {
      const id = new Fields(op, ns, { required: ['RuleID'] }).id('RuleID');
      storeChange('RemoveActionRule', () => c.store.remove('rules', id));
      return '<aa:RemoveActionRuleResponse/>';
    },
  },
};

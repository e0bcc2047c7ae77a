import type { ActionDecl } from '@belfry/core';
import type { ActionConfig } from '../model.js';
import { sender, TER } from './fault.js';
import { NS } from './names.js';
import { needed, storeChange, type OpContext, type Operation } from './ops.js';
import { exactParams, Fields, nameOf, parametersOf } from './read.js';
import { RULE_OPS } from './action1-rules.js';
import { RECIPIENT_OPS } from './action1-recipients.js';
import { el, parameterList, textEl } from './write.js';
import type { XmlEl } from './xml.js';

/**
 * The action1 service (`http://www.axis.com/vapix/ws/action1`): templates and action
 * configurations here, recipients and rules in their own files.
 */

const ns = NS.aa;
export const TEMPLATE_FAULT = 'aa:InvalidTemplateTokenFault';

const XSD_OF: Record<ActionDecl['params'][number]['type'], string> = { string: 'xsd:string', int: 'xsd:integer', bool: 'xsd:boolean', enum: 'xsd:string' };

function newActionConfig(c: OpContext, e: XmlEl): Omit<ActionConfig, 'id'> {
  const f = new Fields(e, ns, { required: ['Name', 'TemplateToken'], optional: ['Parameters'] });
  const name = nameOf(f);
  const template = (f.text('TemplateToken', 255) ?? '').trim();
  const decl = c.catalogue.action(template);
  if (!decl) throw sender(TEMPLATE_FAULT, `unknown action template '${template}'`);
  const params = parametersOf(f, ns);
  exactParams(template, decl.params.map((p) => p.name), params);
  const problem = needed(c.shared.checkAction, 'the action check')(template, params);
  if (problem) throw sender(TER.invalidArg, `${template}: ${problem}`);
  return { name, template, params };
}

const ACTION_OPS: Record<string, Operation> = {
  GetActionTemplates: {
    ns,
    least: 'viewer',
    run(op, c) {
      new Fields(op, ns, {});
      const list = c.catalogue.actionDecls().map((a) =>
        el(
          'aa:ActionTemplate',
          {},
          textEl('aa:TemplateToken', a.id),
          el('aa:Parameters', {}, ...a.params.map((p) => el('aa:Parameter', { Name: p.name, Type: XSD_OF[p.type] ?? 'xsd:string' }))),
        ),
      );
      return el('aa:GetActionTemplatesResponse', {}, `<aa:ActionTemplates>${list.join('')}</aa:ActionTemplates>`);
    },
  },

  AddActionConfiguration: {
    ns,
    least: 'admin',
    run(op, c) {
      const f = new Fields(op, ns, { required: ['NewActionConfiguration'] });
      const rec = newActionConfig(c, f.child('NewActionConfiguration')!);
      const saved = storeChange('AddActionConfiguration', () => c.store.add('actions', rec));
      return el('aa:AddActionConfigurationResponse', {}, textEl('aa:ConfigurationID', String(saved.id)));
    },
  },

  GetActionConfigurations: {
    ns,
    least: 'viewer',
    run(op, c) {
      new Fields(op, ns, {});
      const list = c.store.list('actions').map((a) => el('aa:ActionConfiguration', {}, textEl('aa:ConfigurationID', String(a.id)), textEl('aa:Name', a.name), textEl('aa:TemplateToken', a.template), parameterList(a.params)));
      return el('aa:GetActionConfigurationsResponse', {}, `<aa:ActionConfigurations>${list.join('')}</aa:ActionConfigurations>`);
    },
  },

  RemoveActionConfiguration: {
    ns,
    least: 'admin',
    run(op, c) {
      const id = new Fields(op, ns, { required: ['ConfigurationID'] }).id('ConfigurationID');
      const user = c.store.list('rules').find((r) => r.primaryAction === id);
      if (user) throw sender(TER.invalidArg, `the action configuration ${id} is the action of rule ${user.id} (${user.name})`);
      storeChange('RemoveActionConfiguration', () => c.store.remove('actions', id));
      return '<aa:RemoveActionConfigurationResponse/>';
    },
  },
};

export const ACTION1: Record<string, Operation> = { ...ACTION_OPS, ...RECIPIENT_OPS, ...RULE_OPS };

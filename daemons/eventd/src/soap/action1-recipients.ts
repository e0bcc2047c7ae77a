import { sender, SoapFault, TER } from './fault.js';
import { NS } from './names.js';
import { storeChange, type Operation } from './ops.js';
import { exactParams, Fields, nameOf, parametersOf } from './read.js';
import { el, parameterList, textEl } from './write.js';

/**
 * action1's recipient operations. A recipient's secret parameters (passwords) go to the recipients
 * part (`RecipientsLink.setSecrets`), never into the store's record, so they are in no answer.
 */

const ns = NS.aa;
const XSD_OF: Record<string, string> = { string: 'xsd:string', int: 'xsd:integer', bool: 'xsd:boolean', enum: 'xsd:string' };
export const RECIPIENT_TEMPLATE_FAULT = 'aa:InvalidTemplateTokenFault';

export const RECIPIENT_OPS: Record<string, Operation> = {
  GetRecipientTemplates: {
    ns,
    least: 'viewer',
    run(op, c) {
      new Fields(op, ns, {});
      const list = c.recipients.templates().map((t) => el('aa:RecipientTemplate', {}, textEl('aa:TemplateToken', t.id), el('aa:Parameters', {}, ...t.params.map((p) => el('aa:Parameter', { Name: p.name, Type: XSD_OF[p.type ?? 'string'] ?? 'xsd:string' })))));
      return el('aa:GetRecipientTemplatesResponse', {}, `<aa:RecipientTemplates>${list.join('')}</aa:RecipientTemplates>`);
    },
  },

  AddRecipientConfiguration: {
    ns,
    least: 'admin',
    async run(op, c) {
      const f = new Fields(new Fields(op, ns, { required: ['NewRecipientConfiguration'] }).child('NewRecipientConfiguration')!, ns, { required: ['Name', 'TemplateToken'], optional: ['Parameters'] });
      const name = nameOf(f);
      const template = (f.text('TemplateToken', 255) ?? '').trim();
      const t = c.recipients.templates().find((x) => x.id === template);
      if (!t) throw sender(RECIPIENT_TEMPLATE_FAULT, `unknown recipient template '${template}'`);
      const given = parametersOf(f, ns);
      exactParams(template, t.params.map((p) => p.name), given);
      const secretNames = new Set(t.params.filter((p) => p.secret).map((p) => p.name));
      const params = Object.fromEntries(Object.entries(given).filter(([n]) => !secretNames.has(n)));
      const secrets = Object.fromEntries(Object.entries(given).filter(([n, v]) => secretNames.has(n) && v !== ''));
      const problem = c.recipients.check(template, given);
      if (problem) throw sender(TER.invalidArg, `${template}: ${problem}`);
      if (Object.keys(secrets).length && !c.recipients.setSecrets) throw new SoapFault('Receiver', TER.internal, 'recipient passwords cannot be kept yet', 503);
      const saved = storeChange('AddRecipientConfiguration', () => c.store.add('recipients', { name, template, params }));
      if (Object.keys(secrets).length) {
        try {
          await c.recipients.setSecrets!(saved.id, secrets);
        } catch {
          storeChange('AddRecipientConfiguration', () => c.store.remove('recipients', saved.id));
          throw new SoapFault('Receiver', TER.internal, 'the recipient password could not be stored');
        }
      }
      return el('aa:AddRecipientConfigurationResponse', {}, textEl('aa:ConfigurationID', String(saved.id)));
    },
  },

  GetRecipientConfigurations: {
    ns,
    least: 'viewer',
    run(op, c) {
      new Fields(op, ns, {});
      const list = c.store.list('recipients').map((r) => el('aa:RecipientConfiguration', {}, textEl('aa:ConfigurationID', String(r.id)), textEl('aa:Name', r.name), textEl('aa:TemplateToken', r.template), parameterList(r.params, (n) => /password/i.test(n))));
      return el('aa:GetRecipientConfigurationsResponse', {}, `<aa:RecipientConfigurations>${list.join('')}</aa:RecipientConfigurations>`);
    },
  },

  RemoveRecipientConfiguration: {
    ns,
    least: 'admin',
    async run(op, c) {
      const id = new Fields(op, ns, { required: ['ConfigurationID'] }).id('ConfigurationID');
      // a notification action names its recipient (`recipient_id`): it stays while one does
      const user = c.store.list('actions').find((a) => a.params.recipient_id === String(id));
      if (user) throw sender(TER.invalidArg, `the recipient ${id} is used by action configuration ${user.id} (${user.name})`);
      storeChange('RemoveRecipientConfiguration', () => c.store.remove('recipients', id));
      await c.recipients.dropSecrets?.(id);
      return '<aa:RemoveRecipientConfigurationResponse/>';
    },
  },
};

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
export const RECIPIENT_TEMPLATE_FAULT = 'aa:InvalidTemplateTokenFault';

export const RECIPIENT_OPS: Record<string, Operation> = {
  GetRecipientTemplates: {
    ns,
    least: 'viewer',
    run(op, c) {
      new Fields(op, ns, {});
      const list = c.recipients.templates().map((t) => el('aa:RecipientTemplate', {}, textEl('aa:TemplateToken', t.id), `<aa:Parameters>${t.params.map((p) => el('aa:Parameter', { Name: p.name, Type: 'xsd:string' })).join('')}</aa:Parameters>`));
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
      const problem = c.recipients.check(template, params);
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
      storeChange('RemoveRecipientConfiguration', () => c.store.remove('recipients', id));
      await c.recipients.dropSecrets?.(id);
      return '<aa:RemoveRecipientConfigurationResponse/>';
    },
  },
};

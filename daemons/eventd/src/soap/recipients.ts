import { checkRecipient, RECIPIENT_TEMPLATES } from '../recipients/templates.js';

/**
 * What the SOAP services need of the recipients part: its templates (GetRecipientTemplates), its
 * check of a configuration, and where a recipient's secret parameters (passwords) go — never into
 * the store's records and never into an answer.
 */
export interface RecipientTemplate {
  id: string;
  params: readonly { name: string; type?: string; secret?: boolean }[];
}

export interface RecipientsLink {
  templates(): readonly RecipientTemplate[];
  /** what is wrong with a configuration (every parameter given, secrets included), or undefined */
  check(template: string, params: Record<string, string>): string | undefined;
  /** keeps the secret parameters of recipient `id`; absent while the recipients part cannot keep them */
  setSecrets?(id: number, secrets: Record<string, string>): Promise<void>;
  dropSecrets?(id: number): Promise<void>;
}

/**
 * The recipients' templates and check (recipients/templates.ts) without a place for passwords: used
 * only when the recipients part does not run (`shared.recipients` absent); then a recipient with a
 * password is refused (503) rather than stored without it.
 */
export const provisionalRecipients: RecipientsLink = {
  templates: () => RECIPIENT_TEMPLATES,
  check: checkRecipient,
};

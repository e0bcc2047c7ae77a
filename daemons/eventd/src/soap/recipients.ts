/**
 * What the SOAP services need of the recipients part: its templates (GetRecipientTemplates), its
 * check of a configuration, and where a recipient's secret parameters (passwords) go — never into
 * the store's records and never into an answer.
 */
export interface RecipientTemplate {
  id: string;
  params: readonly { name: string; secret?: boolean }[];
}

export interface RecipientsLink {
  templates(): readonly RecipientTemplate[];
  /** what is wrong with a configuration (without its secrets), or undefined */
  check(template: string, params: Record<string, string>): string | undefined;
  /** keeps the secret parameters of recipient `id`; undefined when secrets cannot be kept yet */
  setSecrets?(id: number, secrets: Record<string, string>): Promise<void>;
  dropSecrets?(id: number): Promise<void>;
}

const p = (...names: string[]) => names.map((name) => ({ name, ...(/password/.test(name) ? { secret: true } : {}) }));

/**
 * The recipient templates as the action1 service names them, until the recipients part offers its
 * own (recipients/templates.ts): then this list goes.
 */
const PROVISIONAL: readonly RecipientTemplate[] = [
  { id: 'com.axis.recipient.http', params: p('upload_url', 'login', 'password', 'proxy_host', 'proxy_port', 'proxy_login', 'proxy_password', 'qos') },
  { id: 'com.axis.recipient.https', params: p('upload_url', 'login', 'password', 'validate_server_cert', 'proxy_host', 'proxy_port', 'proxy_login', 'proxy_password', 'qos') },
  { id: 'com.axis.recipient.smtp', params: p('email_to', 'email_from', 'host', 'port', 'login', 'password', 'encryption', 'validate_server_cert') },
  { id: 'com.axis.recipient.tcp', params: p('host', 'port', 'qos') },
  { id: 'com.axis.recipient.ftp', params: p('host', 'port', 'upload_path', 'login', 'password', 'passive', 'temporary') },
  { id: 'com.axis.recipient.sftp', params: p('host', 'port', 'upload_path', 'login', 'password', 'host_key_md5', 'host_key_sha256', 'temporary') },
];

export const provisionalRecipients: RecipientsLink = {
  templates: () => PROVISIONAL,
  check: (template, params) => (/^\d{0,5}$/.test(params.port ?? '') && Number(params.port ?? 0) <= 65535 ? undefined : `port: '${params.port}' is not a port (template ${template})`),
};

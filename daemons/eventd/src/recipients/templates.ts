import { LIMITS } from '../model.js';

/**
 * The recipient templates (action1 GetRecipientTemplates): where a notification can be sent. Every
 * parameter travels as a string; action1's rule "all parameters must be specified, unused ones as
 * empty strings" holds, and an empty value means the parameter's default.
 */
export interface RecipientParamSpec {
  name: string;
  type: 'string' | 'int' | 'bool' | 'enum';
  /** must not be empty */
  required?: boolean;
  /** what an empty value means */
  default?: string;
  values?: readonly string[];
  min?: number;
  max?: number;
  maxLength?: number;
  /** a password: kept as a secret param, never stored with the recipient, never returned */
  secret?: boolean;
}

export interface RecipientTemplate {
  id: string;
  niceName: string;
  params: readonly RecipientParamSpec[];
}

export const BOOL_VALUES = ['yes', 'no'] as const;
const bool = (name: string, dflt: 'yes' | 'no'): RecipientParamSpec => ({ name, type: 'bool', default: dflt });
const port = (dflt: string): RecipientParamSpec => ({ name: 'port', type: 'int', min: 1, max: 65535, default: dflt });
const host: RecipientParamSpec = { name: 'host', type: 'string', required: true, maxLength: 253 };
const login: RecipientParamSpec = { name: 'login', type: 'string', maxLength: 255 };
const password: RecipientParamSpec = { name: 'password', type: 'string', maxLength: 255, secret: true };
const url: RecipientParamSpec = { name: 'upload_url', type: 'string', required: true, maxLength: 2048 };
const folder: RecipientParamSpec = { name: 'upload_path', type: 'string', maxLength: 1024 };

export const RECIPIENT_TEMPLATES: readonly RecipientTemplate[] = [
  { id: 'com.axis.recipient.http', niceName: 'HTTP', params: [url, login, password] },
  { id: 'com.axis.recipient.https', niceName: 'HTTPS', params: [url, bool('validate_server_cert', 'yes'), login, password] },
  {
    id: 'com.axis.recipient.smtp',
    niceName: 'Email',
    params: [
      { name: 'email_to', type: 'string', required: true, maxLength: 1024 },
      { name: 'email_from', type: 'string', required: true, maxLength: 255 },
      host,
      port('587'),
      { name: 'encryption', type: 'enum', values: ['none', 'ssl', 'tls'], default: 'none' },
      bool('validate_server_cert', 'yes'),
      login,
      password,
    ],
  },
  { id: 'com.axis.recipient.tcp', niceName: 'TCP', params: [host, { ...port(''), required: true }] },
  {
    id: 'com.axis.recipient.ftp',
    niceName: 'FTP',
    params: [host, port('21'), folder, login, password, bool('temporary', 'yes'), bool('passive', 'yes')],
  },
  {
    id: 'com.axis.recipient.sftp',
    niceName: 'SFTP',
    params: [
      host,
      port('22'),
      folder,
      login,
      password,
      { name: 'ssh_host_public_key_md5', type: 'string', maxLength: 47 },
      { name: 'ssh_host_public_key_sha256', type: 'string', maxLength: 50 },
      bool('temporary', 'yes'),
    ],
  },
];

const BY_ID = new Map(RECIPIENT_TEMPLATES.map((t) => [t.id, t]));

export function recipientTemplate(id: string): RecipientTemplate | undefined {
  return BY_ID.get(id);
}

/** The names of a template's secret parameters (the password). */
export function secretParams(template: string): string[] {
  return (BY_ID.get(template)?.params ?? []).filter((p) => p.secret).map((p) => p.name);
}

/** Every parameter of the template, the given ones as they are, missing ones as empty strings. */
export function withAllParams(template: string, params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of BY_ID.get(template)?.params ?? []) out[p.name] = params[p.name] ?? '';
  return out;
}

/** A parameter's value, its default when empty. */
export function paramValue(template: string, params: Record<string, string>, name: string): string {
  const v = params[name] ?? '';
  return v !== '' ? v : (BY_ID.get(template)?.params.find((p) => p.name === name)?.default ?? '');
}

/** An SSH host key fingerprint, as the web UI takes it: MD5 as 32 hex digits (colons allowed), SHA-256 as 43 base64 characters. */
export const MD5_FINGERPRINT = /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){15})$/;
export const SHA256_FINGERPRINT = /^(?:SHA256:)?[A-Za-z0-9+/]{43}=?$/;
const EMAIL = /^[^\s@,<>"]+@[^\s@,<>"]+$/;

function checkValue(p: RecipientParamSpec, v: string): string | undefined {
  if (v.length > (p.maxLength ?? LIMITS.paramLength)) return `'${p.name}' is longer than ${p.maxLength ?? LIMITS.paramLength} characters`;
  if (v === '') return p.required ? `'${p.name}' must not be empty` : undefined;
  if ([...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return `'${p.name}' holds a control character`;
  if (p.type === 'int') {
    if (!/^\d{1,6}$/.test(v) || Number(v) < (p.min ?? 0) || Number(v) > (p.max ?? Infinity)) return `'${p.name}' must be an integer from ${p.min} to ${p.max}`;
  }
  if (p.type === 'bool' && !(BOOL_VALUES as readonly string[]).includes(v)) return `'${p.name}' must be yes or no`;
  if (p.type === 'enum' && !p.values?.includes(v)) return `'${p.name}' must be one of ${p.values?.join(', ')}`;
  return undefined;
}

/** Checks that depend on what the parameter means (URL scheme, addresses, fingerprints). */
function checkMeaning(template: string, params: Record<string, string>): string | undefined {
  const scheme = template === 'com.axis.recipient.https' ? 'https:' : template === 'com.axis.recipient.http' ? 'http:' : undefined;
  if (scheme) {
    let u: URL;
    try {
      u = new URL(params.upload_url ?? '');
    } catch {
      return `'upload_url' is not a URL`;
    }
    if (u.protocol !== scheme) return `'upload_url' must be an ${scheme.slice(0, -1)} URL`;
    if (u.username || u.password) return `'upload_url' must not hold credentials (use login and password)`;
  }
  if (template === 'com.axis.recipient.smtp') {
    const to = (params.email_to ?? '').split(',').map((a) => a.trim());
    if (to.length > 20) return `'email_to' holds more than 20 addresses`;
    const bad = to.find((a) => !EMAIL.test(a));
    if (bad !== undefined) return `'email_to' holds an address that is not one: '${bad}'`;
    if (!EMAIL.test(params.email_from ?? '')) return `'email_from' is not an email address`;
  }
  const md5 = params.ssh_host_public_key_md5 ?? '';
  if (md5 && !MD5_FINGERPRINT.test(md5)) return `'ssh_host_public_key_md5' must be 32 hexadecimal digits`;
  const sha = params.ssh_host_public_key_sha256 ?? '';
  if (sha && !SHA256_FINGERPRINT.test(sha)) return `'ssh_host_public_key_sha256' must be 43 base64 characters`;
  if (template === 'com.axis.recipient.sftp' && !md5 && !sha) return `an SFTP recipient needs a host key fingerprint (MD5 or SHA-256)`;
  const path = params.upload_path ?? '';
  if (path.split('/').includes('..')) return `'upload_path' must not climb with '..'`;
  return undefined;
}

/**
 * What is wrong with a recipient configuration for its template, or undefined: unknown template,
 * a missing or an extra parameter (all must be given, unused ones empty), a bad value.
 */
export function checkRecipient(template: string, params: Record<string, string>): string | undefined {
  const t = BY_ID.get(template);
  if (!t) return `unknown recipient template '${template}'`;
  for (const name of Object.keys(params)) if (!t.params.some((p) => p.name === name)) return `no parameter '${name}' in template '${template}'`;
  for (const p of t.params) {
    const v = params[p.name];
    if (typeof v !== 'string') return `parameter '${p.name}' is missing (unused ones are given as empty strings)`;
    const bad = checkValue(p, v);
    if (bad) return bad;
  }
  return checkMeaning(template, params);
}

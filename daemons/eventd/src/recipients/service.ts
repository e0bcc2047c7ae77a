import { BelfryError, type AuditLog, type Logger } from '@belfry/core';
import { LIMITS, type RecipientConfig } from '../model.js';
import type { EventdStore } from '../store.js';
import { SEND_LIMITS, type Message, type SendLimits, type Target } from './kind.js';
import type { Passwords } from './passwords.js';

/** What the service needs of the passwords (`Passwords`, secret params). */
export type PasswordKeeper = Pick<Passwords, 'isSet' | 'get' | 'put' | 'remove'>;
import { SENDERS } from './senders.js';
import { checkRecipient, paramValue, recipientTemplate, secretParams, withAllParams } from './templates.js';

/** A recipient as it is given: every template parameter, the password among them. */
export interface RecipientInput {
  name: string;
  template: string;
  params: Record<string, string>;
}

/** A recipient as it is shown: its parameters without the password, and whether one is set. */
export interface RecipientView extends RecipientConfig {
  passwordSet: boolean;
}

const splitSecrets = (template: string, params: Record<string, string>) => {
  const secret = new Set(secretParams(template));
  const plain: Record<string, string> = {};
  let password: string | undefined;
  for (const [k, v] of Object.entries(params)) if (secret.has(k)) password = v;
  else plain[k] = v;
  return { plain, password };
};

function checkName(name: unknown): void {
  if (typeof name !== 'string' || !name.trim()) throw new BelfryError('invalid_argument', 'the recipient needs a name', { name: 'name' });
  if (name.length > LIMITS.nameLength) throw new BelfryError('invalid_argument', `name longer than ${LIMITS.nameLength} characters`, { name: 'name' });
}

/** Checks a configuration; a password left out counts as empty here (it is kept or absent). */
function checkOrThrow(template: string, params: Record<string, string>): void {
  const blanks = Object.fromEntries(secretParams(template).map((n) => [n, '']));
  const bad = checkRecipient(template, { ...blanks, ...params });
  if (bad) throw new BelfryError(recipientTemplate(template) ? 'invalid_argument' : 'not_found', bad, { name: 'params' });
}

/**
 * The recipients: the store's table (without passwords) and the passwords (secret params), kept
 * together; sending and testing through each template's sender. Used by the JSON API, the
 * notification actions and (through `Shared.recipients`) the SOAP service. Nothing here logs a
 * parameter value: a failure is logged by template and id.
 */
export class Recipients {
  constructor(
    private readonly store: EventdStore,
    private readonly passwords: PasswordKeeper,
    private readonly log: Logger,
    private readonly audit: AuditLog,
    private readonly limits: SendLimits = SEND_LIMITS,
  ) {}

  view(r: RecipientConfig): RecipientView {
    return { id: r.id, name: r.name, template: r.template, params: { ...r.params }, passwordSet: this.passwords.isSet(r.id) };
  }

  list(): RecipientView[] {
    return this.store.list('recipients').map((r) => this.view(r));
  }

  get(id: number): RecipientView {
    const r = this.store.get('recipients', id);
    if (!r) throw new BelfryError('not_found', `no recipient ${id}`);
    return this.view(r);
  }

  /** Adds a recipient; its password goes to the secret params, and if that fails the recipient is not kept. */
  async add(input: RecipientInput): Promise<RecipientView> {
    checkName(input.name);
    checkOrThrow(input.template, input.params);
    if (this.store.list('recipients').length >= LIMITS.recipients) throw new BelfryError('limit_exceeded', `at most ${LIMITS.recipients} recipients`);
    const { plain, password } = splitSecrets(input.template, input.params);
    const saved = this.store.add('recipients', { name: input.name, template: input.template, params: plain });
    if (password) {
      try {
        await this.passwords.put(saved.id, password);
      } catch (e) {
        this.store.remove('recipients', saved.id);
        throw e;
      }
    }
    this.audit.write('eventd.recipient.added', { id: saved.id, template: saved.template, passwordSet: !!password });
    return this.view(saved);
  }

  /** Replaces a recipient's configuration; a password left out (undefined) stays as it was, '' clears it. */
  async replace(id: number, input: RecipientInput): Promise<RecipientView> {
    const old = this.store.get('recipients', id);
    if (!old) throw new BelfryError('not_found', `no recipient ${id}`);
    checkName(input.name);
    checkOrThrow(input.template, input.params);
    const { plain, password } = splitSecrets(input.template, input.params);
    if (password !== undefined && password !== (await this.passwords.get(id))) await this.passwords.put(id, password);
    // a template without a password (TCP) keeps none from the one before
    if (!secretParams(input.template).length) await this.passwords.remove(id);
    const rec = { id, name: input.name, template: input.template, params: plain };
    this.store.replace('recipients', rec);
    this.audit.write('eventd.recipient.changed', { id, template: rec.template, passwordChanged: password !== undefined });
    return this.view(rec);
  }

  /** Removes a recipient and its password; refused while an action configuration sends through it. */
  async remove(id: number): Promise<void> {
    if (!this.store.get('recipients', id)) throw new BelfryError('not_found', `no recipient ${id}`);
    const user = this.store.list('actions').find((a) => a.params.recipient_id === String(id));
    if (user) throw new BelfryError('failed_precondition', `action configuration ${user.id} ('${user.name}') sends through recipient ${id}`);
    this.store.remove('recipients', id);
    await this.passwords.remove(id);
    this.audit.write('eventd.recipient.removed', { id });
  }

  /** Throws what is wrong with a configuration (a password left out counts as empty). */
  check(template: string, params: Record<string, string>): void {
    checkOrThrow(template, params);
  }

  /** The SOAP service's hooks: its record is stored by it, the password kept here. */
  async setPassword(id: number, password: string): Promise<void> {
    await this.passwords.put(id, password);
  }

  async dropPassword(id: number): Promise<void> {
    await this.passwords.remove(id);
  }

  private async target(r: Pick<RecipientConfig, 'template' | 'params'>, password?: string): Promise<Target> {
    const sender = SENDERS[r.template];
    if (!sender) throw new BelfryError('not_found', `unknown recipient template '${r.template}'`);
    const params = withAllParams(r.template, r.params);
    for (const k of Object.keys(params)) params[k] = paramValue(r.template, params, k);
    return { template: r.template, params, password };
  }

  /** Sends through saved recipient `id`. */
  async send(id: number, msg: Message, signal: AbortSignal): Promise<void> {
    const r = this.store.get('recipients', id);
    if (!r) throw new BelfryError('not_found', `no recipient ${id}`);
    const t = await this.target(r, await this.passwords.get(id));
    try {
      await SENDERS[r.template]!.send(t, msg, signal, this.limits);
    } catch (e) {
      this.log.warn({ recipient: id, template: r.template, code: (e as BelfryError).code }, 'notification not sent');
      throw e;
    }
  }

  /** Tests saved recipient `id`. */
  async testSaved(id: number, signal: AbortSignal): Promise<void> {
    const r = this.store.get('recipients', id);
    if (!r) throw new BelfryError('not_found', `no recipient ${id}`);
    await SENDERS[r.template]!.test(await this.target(r, await this.passwords.get(id)), signal, this.limits);
  }

  /**
   * Tests an unsaved recipient (the UI's Test before Save). With `id`, a password left out is the
   * saved recipient's (editing a recipient does not show its password).
   */
  async testUnsaved(input: Pick<RecipientInput, 'template' | 'params'>, signal: AbortSignal, id?: number): Promise<void> {
    checkOrThrow(input.template, input.params);
    const { plain, password } = splitSecrets(input.template, input.params);
    const pw = password === undefined && id !== undefined ? await this.passwords.get(id) : password;
    await SENDERS[input.template]!.test(await this.target({ template: input.template, params: plain }, pw), signal, this.limits);
  }
}

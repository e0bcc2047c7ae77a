import { PARAMD, PARAMD_RESET } from '@belfry/core';
import type { StartPart } from '../part.js';
import { validZone } from '../schedules/zone.js';
import { recipientHandlers } from './api.js';
import { SEND_LIMITS, type SendLimits } from './kind.js';
import { NOTIFICATION_ACTIONS, notificationRunners } from './notifications.js';
import { Passwords } from './passwords.js';
import { Recipients } from './service.js';
import { checkRecipient, RECIPIENT_TEMPLATES, secretParams } from './templates.js';

/**
 * The recipients part: recipients and their passwords (secret params), sending and testing, eventd's
 * notification actions (declared as service eventd, run in process through `shared.localActions`),
 * their JSON API; `shared.testRecipient` and `shared.recipients` for the other parts (SOAP).
 * `limits` is for tests.
 */
export function recipientsPart(limits: SendLimits = SEND_LIMITS): StartPart {
  return async ({ ctx, store, shared }) => {
    const passwords = new Passwords(ctx.rpc.client(PARAMD));
    await passwords.load((id) => !!store.get('recipients', id));
    const recipients = new Recipients(store, passwords, ctx.log, ctx.audit, limits);
    const context = async () => {
      const zone = (await ctx.params.get('Time.TimeZone')) ?? '';
      return { zone: validZone(zone) ? zone : 'UTC', serial: ctx.board.identity.serialNumber, hostname: (await ctx.params.get('Network.HostName')) ?? '' };
    };
    const runners = notificationRunners(recipients, context);
    for (const [id, run] of runners) shared.localActions.set(id, run);
    ctx.events.declareActions(NOTIFICATION_ACTIONS);
    shared.testRecipient = (r, signal) => recipients.testUnsaved(r, signal);
    shared.recipients = {
      templates: () => RECIPIENT_TEMPLATES,
      check: (template, params) => checkRecipient(template, { ...Object.fromEntries(secretParams(template).map((n) => [n, ''])), ...params }),
      setSecrets: (id, secrets) => recipients.setPassword(id, secrets.password ?? ''),
      dropSecrets: (id) => recipients.dropPassword(id),
    };
    // whoever removes a recipient from the store (this API, SOAP), its password goes with it
    const offStore = store.onChange((table) => {
      if (table !== 'recipients') return;
      passwords.prune((id) => !!store.get('recipients', id)).catch((err: unknown) => ctx.log.warn({ err: (err as Error).message }, 'recipient passwords not pruned'));
    });
    // a restore or factory default of the params drops the passwords: the recipients stay, without
    const offReset = await ctx.bus.subscribe(PARAMD_RESET, () => {
      passwords.load((id) => !!store.get('recipients', id)).catch((err: unknown) => ctx.log.warn({ err: (err as Error).message }, 'recipient passwords not reloaded'));
    });
    return {
      handlers: recipientHandlers(recipients),
      async stop() {
        offStore();
        await offReset();
        for (const id of runners.keys()) shared.localActions.delete(id);
      },
    };
  };
}

import { BelfryError } from '@belfry/core';
import type { Role } from '@belfry/core/contract';
import type { EventdDeps } from '../part.js';
import { sender, SoapFault, TER } from './fault.js';
import type { RecipientsLink } from './recipients.js';
import type { XmlEl } from './xml.js';

/** What an operation is given: eventd's parts, the recipients part's link. */
export interface OpContext extends EventdDeps {
  recipients: RecipientsLink;
}

/** One SOAP operation: its service namespace, the least role that may call it, and what it answers (one element). */
export interface Operation {
  ns: string;
  least: Role;
  run(op: XmlEl, c: OpContext): string | Promise<string>;
}

/** A store change, its refusals as faults: a full table is a Sender fault, nothing stored. */
export function storeChange<T>(what: string, change: () => T): T {
  try {
    return change();
  } catch (e) {
    if (e instanceof BelfryError && e.code === 'limit_exceeded') throw sender(TER.tooLarge, `${what}: ${e.message}`);
    if (e instanceof BelfryError && e.code === 'not_found') throw sender(TER.invalidArg, `${what}: ${e.message}`);
    if (e instanceof SoapFault) throw e;
    throw new SoapFault('Receiver', TER.internal, `${what}: the configuration could not be saved`);
  }
}

/** A check another part offers in `Shared` (engine/, schedules/); without it the service cannot decide. */
export function needed<T>(check: T | undefined, what: string): T {
  if (!check) throw new SoapFault('Receiver', TER.internal, `${what} is not available`, 503);
  return check;
}

import type { Callers } from './contract.js';
import { BelfryError } from './errors.js';

/**
 * Bus identities. The broker authenticates every connection and its ACL ties the caller level of a
 * request topic (`belfry/rpc/<service>/<method>/<caller>`) to the username, so a server can trust it.
 *
 * - daemons (and the launcher): one user each, from the service list;
 * - the front door (`httpd`): the one user that may state an end user's access level;
 * - apps: unprivileged users `app-<id>`, who may only call methods whose contract lists `apps`;
 * - `cli`: reads only.
 */
export const FRONT_DOOR = 'httpd';
export const APP_PREFIX = 'app-';
/** An app id: it becomes part of a bus username and so of topic levels. */
export const APP_ID_RE = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export function appUser(id: string): string {
  if (!APP_ID_RE.test(id)) throw new BelfryError('invalid_argument', `bad app id '${id}'`);
  return APP_PREFIX + id;
}

export function isAppUser(name: string): boolean {
  return name.startsWith(APP_PREFIX);
}

/** Whether bus user `caller` may call a method declared with `callers` (see `Callers`). */
export function mayCall(callers: Callers, caller: string): boolean {
  if (callers === 'apps') return true;
  if (callers === 'daemons') return !isAppUser(caller);
  if (callers === 'frontDoor') return caller === FRONT_DOOR;
  return callers.includes(caller);
}

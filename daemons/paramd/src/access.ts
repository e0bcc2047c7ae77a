import { LEVELS, isAppUser, type Level } from '@belfry/core';

/**
 * The access level paramd grants a request, from the caller's authenticated bus identity and the
 * level it states. A caller may always ask for less than its ceiling, never for more: the front door
 * (httpd) and other daemons reach `internal` (secrets still only to their owner, see param-db), an app
 * reaches `viewer` at most, so it never reads an admin param or a secret whatever it claims.
 */
export function grantedLevel(caller: string, claimed: Level | undefined): Level {
  const ceiling: Level = isAppUser(caller) ? 'viewer' : 'internal';
  if (claimed === undefined) return ceiling;
  return LEVELS.indexOf(claimed) < LEVELS.indexOf(ceiling) ? claimed : ceiling;
}


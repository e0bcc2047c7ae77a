import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DevicePaths } from './paths.js';
import type { BusCredentials } from './bus.js';

/**
 * Where each bus user's password lives: one file per user, mode 0600, written at first boot by the
 * bus set-up (launcher or the `belfry-bus` unit). On a device each file belongs to the daemon's own
 * system user, so a daemon can read only its own.
 */
export function credentialsFile(paths: DevicePaths, user: string): string {
  return join(paths.state, 'bus', 'users', user);
}

export function readBusCredentials(paths: DevicePaths, user: string): BusCredentials {
  const password = readFileSync(credentialsFile(paths, user), 'utf8').trim();
  return { username: user, password };
}

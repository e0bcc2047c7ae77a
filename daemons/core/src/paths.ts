import { join } from 'node:path';

/**
 * Where a device keeps its files (docs/architecture.md, files on the device). `root` is `/` on a device and a chosen directory in dev
 * and tests, so that many simulated devices never collide.
 */
export interface DevicePaths {
  root: string;
  /** read-only code, web UI assets, default clips */
  lib: string;
  /** persistent state, one subfolder per owning daemon */
  state: string;
  /** sockets and runtime state, lost on reboot */
  run: string;
  /** log files (audit) */
  log: string;
  /** factory data of the board (read-only on a real device; the simulated board writes it once) */
  factory: string;
  /** the internal bus socket */
  busSocket: string;
}

export function devicePaths(root: string): DevicePaths {
  const run = join(root, 'run/belfry');
  return {
    root,
    lib: join(root, 'usr/lib/belfry'),
    state: join(root, 'var/lib/belfry'),
    run,
    log: join(root, 'var/log/belfry'),
    factory: join(root, 'factory'),
    busSocket: join(run, 'bus.sock'),
  };
}

/** The state folder a daemon owns. No daemon opens another daemon's folder. */
export function stateDir(paths: DevicePaths, owner: string): string {
  return join(paths.state, owner);
}

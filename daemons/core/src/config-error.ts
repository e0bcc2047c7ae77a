/**
 * A start failure that no restart can fix (a port this user may not bind, say). The daemon host
 * reports it in one line, without a stack trace, and exits with EXIT_CONFIG; neither the launcher
 * nor systemd (`RestartPreventExitStatus=`) restarts it.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `EX_CONFIG` of sysexits.h. */
export const EXIT_CONFIG = 78;

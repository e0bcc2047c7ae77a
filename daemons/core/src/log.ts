import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON lines to stdout (journald on a device); every line carries the daemon name. */
export function createLogger(daemon: string, level = process.env.BELFRY_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: daemon, level, base: { daemon } });
}

/**
 * The audit log: security-relevant actions (login failures, account, certificate and firewall
 * changes, param-store recovery…). Each daemon appends to its own file, so no file has two writers;
 * the line also goes to the daemon's log. Writes are synchronous on purpose: an audit line must not
 * be lost to a crash right after the action it records.
 */
export class AuditLog {
  private readonly file: string;
  constructor(
    logDir: string,
    private readonly daemon: string,
    private readonly log?: Logger,
  ) {
    mkdirSync(logDir, { recursive: true, mode: 0o750 });
    this.file = join(logDir, `audit-${daemon}.log`);
  }
  /** `warn` for what an operator must notice (lost or damaged state); the line says its level */
  write(action: string, fields: Record<string, unknown> = {}, level: 'info' | 'warn' = 'info'): void {
    const line = { time: new Date().toISOString(), daemon: this.daemon, action, ...(level === 'warn' ? { level } : {}), ...fields };
    appendFileSync(this.file, JSON.stringify(line) + '\n', { mode: 0o640 });
    this.log?.[level]({ audit: true, action, ...fields }, `audit: ${action}`);
  }
  get path(): string {
    return this.file;
  }
}

import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON lines to stdout (journald on a device); every line carries the daemon name. */
export function createLogger(daemon: string, level = process.env.BELFRY_LOG_LEVEL ?? 'info'): Logger {
  const p = pretty;
  return p ? pino({ name: daemon, level, base: { daemon } }, { write: (s: string) => void process.stdout.write(p(s)) }) : pino({ name: daemon, level, base: { daemon } });
}

let pretty: ((line: string) => string) | undefined;

/**
 * Human-readable log lines (pino-pretty) for a terminal; JSON stays the format everywhere else.
 * Loaded on demand: a daemon under the launcher or systemd never pays for it.
 */
export async function prettyPrinter(colorize = true): Promise<(line: string) => string> {
  const mod = await import('pino-pretty');
  // CommonJS: bundled, its exports come as `default`
  const prettyFactory = mod.prettyFactory ?? mod.default.prettyFactory;
  const f = prettyFactory({ colorize, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,daemon', messageFormat: '{daemon}: {msg}' });
  return (line) => {
    if (!line.startsWith('{')) return line.endsWith('\n') ? line : line + '\n';
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      // pino's `name` is the daemon's, said already; a field called name (a clip's) stays
      if (o.name === o.daemon) delete o.name;
      return f(o);
    } catch {
      return line + '\n';
    }
  };
}

/** Loggers made from now on print human-readable lines when stdout is a terminal. */
export async function prettyLogsOnTty(): Promise<void> {
  if (process.stdout.isTTY) pretty = await prettyPrinter();
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

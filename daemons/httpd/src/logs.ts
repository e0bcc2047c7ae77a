import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Most bytes of a log returned by one request. */
export const MAX_LOG_BYTES = 512 * 1024;

function tail(file: string, max = MAX_LOG_BYTES): string {
  try {
    const b = readFileSync(file);
    return b.subarray(Math.max(0, b.length - max)).toString('utf8');
  } catch {
    return '';
  }
}

/**
 * The system log: journald on a device (`journalctl` for the belfry units), else the file the
 * launcher keeps for a simulated device (`<root>/var/log/belfry/system.log`).
 */
export function systemLog(logDir: string): Promise<string> {
  if (existsSync('/run/systemd/journal/socket') && process.env.BELFRY_JOURNAL !== 'off' && !existsSync(join(logDir, 'system.log'))) {
    return new Promise((resolve) => {
      execFile('journalctl', ['-u', 'belfry-*', '-n', '2000', '-o', 'short-iso', '--no-pager'], { maxBuffer: MAX_LOG_BYTES * 2 }, (err, out) => resolve(err ? '' : out.slice(-MAX_LOG_BYTES)));
    });
  }
  return Promise.resolve(tail(join(logDir, 'system.log')));
}

export function accessLog(logDir: string): string {
  return tail(join(logDir, 'access.log'));
}

/** Every daemon's audit lines, merged in time order. */
export function auditLog(logDir: string): string {
  let files: string[] = [];
  try {
    files = readdirSync(logDir).filter((f) => /^audit-[a-z0-9-]+\.log$/.test(f));
  } catch {
    return '';
  }
  const lines = files.flatMap((f) => tail(join(logDir, f), MAX_LOG_BYTES / 4).split('\n').filter(Boolean));
  lines.sort((a, b) => (a.slice(9, 33) < b.slice(9, 33) ? -1 : 1));
  return lines.join('\n') + (lines.length ? '\n' : '');
}

import { join } from 'node:path';
import { RotatingFile } from '@belfry/core';

/** The access log rotates at 1 MiB, keeping one old file. */
export const ACCESS_LOG_MAX = 1024 * 1024;

/**
 * One line per request: time, client, user, method, path (query values of secrets blanked), status,
 * duration. Kept by httpd in `<root>/var/log/belfry/access.log`.
 */
export class AccessLog {
  private readonly out: RotatingFile;
  private buf: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(dir: string) {
    this.out = new RotatingFile(join(dir, 'access.log'), ACCESS_LOG_MAX);
  }

  get file(): string {
    return this.out.file;
  }

  write(f: { addr: string; user: string; method: string; url: string; status: number; ms: number }): void {
    const line = `${new Date().toISOString()} ${f.addr} ${f.user || '-'} ${f.method} ${redactUrl(f.url)} ${f.status} ${f.ms.toFixed(1)}ms\n`;
    this.buf.push(line);
    // batched: one append per 100 ms, not one per request
    this.timer ??= setTimeout(() => this.flush(), 100);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.buf.length) return;
    const text = this.buf.join('');
    this.buf = [];
    this.out.append(text);
  }
}

const SECRET_KEYS = /^(pwd|password|pass|passwd|secret|token|key)$/i;

/** Query values of secret-looking arguments become `***`, so no password reaches a log. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url.slice(0, 2048);
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((p) => {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      let name = k;
      try {
        name = decodeURIComponent(k.replace(/\+/g, ' '));
      } catch {
        /* keep raw */
      }
      return eq >= 0 && SECRET_KEYS.test(name) ? `${k}=***` : p;
    });
  return `${url.slice(0, q)}?${parts.join('&')}`.slice(0, 2048);
}

import { randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'belfry_session';
export const CSRF_HEADER = 'x-csrf-token';
/** A web UI session ends after 30 minutes without use, and 12 hours after login whatever happens. */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 3600_000;
/** Sessions at once; the oldest is dropped for a new one. */
export const MAX_SESSIONS = 100;

export interface Session {
  id: string;
  user: string;
  csrf: string;
  created: number;
  lastSeen: number;
}

/**
 * Cookie sessions for the web UI. The cookie is HttpOnly and SameSite=Strict; every request made
 * with it must also carry the session's CSRF token in `X-CSRF-Token`, which a page of another site
 * cannot read or send. Sessions live in memory: a restart logs everyone out.
 */
export class Sessions {
  private map = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  create(user: string): Session {
    const t = this.now();
    const s: Session = { id: randomBytes(32).toString('base64url'), user, csrf: randomBytes(24).toString('base64url'), created: t, lastSeen: t };
    if (this.map.size >= MAX_SESSIONS) this.map.delete(this.map.keys().next().value as string);
    this.map.set(s.id, s);
    return s;
  }

  /** The live session for a cookie value, refreshed; undefined when unknown or expired. */
  touch(id: string): Session | undefined {
    const s = this.map.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.lastSeen > SESSION_IDLE_MS || t - s.created > SESSION_ABSOLUTE_MS) {
      this.map.delete(id);
      return undefined;
    }
    s.lastSeen = t;
    return s;
  }

  csrfOk(s: Session, token: string | undefined): boolean {
    if (!token) return false;
    const a = Buffer.from(token);
    const b = Buffer.from(s.csrf);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  end(id: string): void {
    this.map.delete(id);
  }

  /** Ends every session of a user (password change, account removal). */
  endUser(user: string): void {
    for (const [id, s] of this.map) if (s.user === user) this.map.delete(id);
  }

  clear(): void {
    this.map.clear();
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

import { randomBytes } from 'node:crypto';
import type { ForwardedCaller } from '@belfry/core/http';

/** `wssession.cgi` tokens: each good for one upgrade within 15 s; at most 64 outstanding (the oldest go first). */
export const TOKEN_LIMITS = { ttlMs: 15_000, outstanding: 64 };

/**
 * Tokens for the WebSocket upgrade (`/vapix/ws-data-stream?wssession=<token>`): a client that
 * authenticated `wssession.cgi` (Digest) upgrades without credentials, as the caller it was.
 */
export class WsTokens {
  private readonly tokens = new Map<string, { caller: ForwardedCaller; until: number }>();

  constructor(
    private readonly limits = TOKEN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  issue(caller: ForwardedCaller): string {
    const t = this.now();
    for (const [k, v] of this.tokens) if (v.until <= t) this.tokens.delete(k);
    while (this.tokens.size >= this.limits.outstanding) this.tokens.delete(this.tokens.keys().next().value as string);
    const token = randomBytes(18).toString('base64url');
    this.tokens.set(token, { caller, until: t + this.limits.ttlMs });
    return token;
  }

  /** The caller a token stands for, once: a token is gone after its first use or its 15 s. */
  take(token: string): ForwardedCaller | undefined {
    const e = this.tokens.get(token);
    if (!e) return undefined;
    this.tokens.delete(token);
    return e.until > this.now() ? e.caller : undefined;
  }

  get size(): number {
    return this.tokens.size;
  }
}

/**
 * A token bucket for the answers to one protocol: a flood of probes (or M-SEARCHes, or mDNS queries)
 * gets at most `burst` answers at once and `perSecond` after, in total and `perSenderPerSecond` per
 * sender address, so one flooding host cannot starve the others. The sender table is bounded.
 */
export interface RateLimits {
  burst: number;
  perSecond: number;
  senderBurst: number;
  senderPerSecond: number;
  /** senders remembered (the oldest forgotten beyond it) */
  maxSenders: number;
}

export const DEFAULT_LIMITS: RateLimits = { burst: 32, perSecond: 16, senderBurst: 8, senderPerSecond: 4, maxSenders: 256 };

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimit {
  private all: Bucket;
  private senders = new Map<string, Bucket>();
  /** answers refused since start (for the log and the tests) */
  dropped = 0;

  constructor(
    readonly limits: RateLimits = DEFAULT_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.all = { tokens: limits.burst, at: now() };
  }

  private refill(b: Bucket, cap: number, rate: number, t: number): void {
    b.tokens = Math.min(cap, b.tokens + ((t - b.at) / 1000) * rate);
    b.at = t;
  }

  /** Takes a token for an answer to `sender`; false = stay silent. */
  take(sender: string): boolean {
    const t = this.now();
    const l = this.limits;
    let s = this.senders.get(sender);
    if (!s) {
      if (this.senders.size >= l.maxSenders) this.senders.delete(this.senders.keys().next().value!);
      s = { tokens: l.senderBurst, at: t };
      this.senders.set(sender, s);
    }
    this.refill(this.all, l.burst, l.perSecond, t);
    this.refill(s, l.senderBurst, l.senderPerSecond, t);
    if (this.all.tokens < 1 || s.tokens < 1) {
      this.dropped++;
      return false;
    }
    this.all.tokens--;
    s.tokens--;
    return true;
  }
}

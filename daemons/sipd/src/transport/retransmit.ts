/**
 * RFC 3261 timers A/E/F for requests sent over UDP (sip.js has none: it was written for
 * WebSocket). Keyed by the Via branch plus the CSeq method, so a CANCEL, which shares its INVITE's
 * branch, has its own entry. INVITE: resend at T1, 2·T1, 4·T1, … until any response (timer A) or
 * 64·T1 (timer B). Non-INVITE: resend at T1 doubling up to T2; a provisional response keeps the
 * resends at T2; a final one ends them; 64·T1 ends them (timer F). ACK is never resent (it has no
 * transaction). sip.js's own timers B/F report the timeout to the transaction user.
 */
export const T1_MS = 500;
export const T2_MS = 4000;
export const TIMEOUT_MS = 64 * T1_MS;
/** at most this many requests in flight at once (a flood of sends cannot grow the table) */
export const MAX_PENDING = 1024;

interface Pending {
  timer: NodeJS.Timeout;
  interval: number;
  sent: number;
  started: number;
  invite: boolean;
  provisional: boolean;
}

export class Retransmitter {
  private readonly pending = new Map<string, Pending>();
  retransmissions = 0;

  constructor(
    private readonly resend: (key: string) => void,
    private readonly maxRetransmissions: () => number,
    private readonly t1 = T1_MS,
    /** a request given up without any response (its peer is unreachable: proxy failover) */
    private readonly unanswered: (key: string) => void = () => undefined,
  ) {}

  static key(branch: string, method: string): string {
    return `${branch}|${method.toUpperCase()}`;
  }

  /** Starts the timers of a request just sent over UDP (`resend(key)` is asked to send it again). */
  track(branch: string, method: string): void {
    const m = method.toUpperCase();
    if (m === 'ACK' || !branch) return;
    const key = Retransmitter.key(branch, m);
    if (this.pending.has(key)) return;
    if (this.pending.size >= MAX_PENDING) this.drop(this.pending.keys().next().value as string);
    const p: Pending = { timer: undefined as unknown as NodeJS.Timeout, interval: this.t1, sent: 0, started: Date.now(), invite: m === 'INVITE', provisional: false };
    this.pending.set(key, p);
    this.schedule(key, p);
  }

  private schedule(key: string, p: Pending): void {
    p.timer = setTimeout(() => {
      if (Date.now() - p.started >= 64 * this.t1 || p.sent >= this.maxRetransmissions()) {
        this.drop(key);
        if (!p.provisional) this.unanswered(key);
        return;
      }
      p.sent++;
      this.retransmissions++;
      this.resend(key);
      p.interval = p.invite ? p.interval * 2 : Math.min(p.interval * 2, T2_MS);
      if (p.provisional) p.interval = T2_MS;
      this.schedule(key, p);
    }, p.interval);
    p.timer.unref();
  }

  /** A response to `branch`/`method` arrived. */
  response(branch: string, method: string, status: number): void {
    const key = Retransmitter.key(branch, method);
    const p = this.pending.get(key);
    if (!p) return;
    if (p.invite || status >= 200) return this.drop(key);
    p.provisional = true;
  }

  drop(key: string): void {
    const p = this.pending.get(key);
    if (p) clearTimeout(p.timer);
    this.pending.delete(key);
  }

  get size(): number {
    return this.pending.size;
  }

  stop(): void {
    for (const k of [...this.pending.keys()]) this.drop(k);
  }
}

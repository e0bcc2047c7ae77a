import type { BelfryEvent, EventHub } from '@belfry/core';
import type { CompiledEventFilter } from '@belfry/core/filters';

/**
 * Limits of the events service: subscriptions at once (pull points and push together), their
 * lifetime (a longer InitialTerminationTime or Renew is cut to `maxLifeMs`, a shorter one raised to
 * `minLifeMs`), messages waiting per subscription (past it the oldest go), messages per pull.
 */
export const SUB_LIMITS = { subscriptions: 16, minLifeMs: 10_000, maxLifeMs: 3_600_000, defaultLifeMs: 60_000, queue: 1000, messagesPerPull: 1024 } as const;

export interface Subscription {
  id: number;
  kind: 'pull' | 'push';
  /** push: the consumer's address */
  consumer?: string;
  filter?: CompiledEventFilter;
  expires: number;
  /** what the client asked for at creation: each pull keeps it alive at least that long again */
  life: number;
  queue: BelfryEvent[];
  dropped: number;
  /** a held PullMessages waiting for the next message */
  wake?: () => void;
  timer?: NodeJS.Timeout;
}

/**
 * The subscriptions of the events service, fed by core's EventHub (one bus subscription for all):
 * each starts with every matching stateful instance as `Initialized`, then the live events that
 * match its filter. Each ends at its termination time unless renewed (or pulled from).
 */
export class Subscriptions {
  private readonly subs = new Map<number, Subscription>();
  private next = 1;
  private readonly detach: () => void;

  constructor(
    private readonly hub: EventHub,
    private readonly onPush: (s: Subscription) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.detach = hub.attach((ev) => this.take(ev));
  }

  get size(): number {
    return this.subs.size;
  }

  /** Clamps a requested termination time into the limits. */
  clampLife(at: number | undefined): number {
    const now = this.now();
    const life = at === undefined ? SUB_LIMITS.defaultLifeMs : at - now;
    return Math.min(SUB_LIMITS.maxLifeMs, Math.max(SUB_LIMITS.minLifeMs, life));
  }

  /** A new subscription, or undefined when the table is full. */
  create(kind: Subscription['kind'], life: number, filter?: CompiledEventFilter, consumer?: string): Subscription | undefined {
    if (this.subs.size >= SUB_LIMITS.subscriptions) return undefined;
    const s: Subscription = { id: this.next++, kind, consumer, filter, life, expires: 0, queue: [], dropped: 0 };
    this.subs.set(s.id, s);
    this.extend(s, life);
    this.initialize(s);
    return s;
  }

  /** Every matching stateful instance as it is now, `Initialized` (creation and SetSynchronizationPoint). */
  initialize(s: Subscription): void {
    for (const ev of this.hub.snapshot()) if (!s.filter || s.filter.matches(ev)) this.enqueue(s, ev);
  }

  get(id: number | undefined): Subscription | undefined {
    return id === undefined ? undefined : this.subs.get(id);
  }

  /** Sets the termination time `life` ms from now. */
  extend(s: Subscription, life: number): void {
    s.expires = this.now() + life;
    clearTimeout(s.timer);
    s.timer = setTimeout(() => this.remove(s.id), life);
    s.timer.unref();
  }

  remove(id: number): boolean {
    const s = this.subs.get(id);
    if (!s) return false;
    clearTimeout(s.timer);
    this.subs.delete(id);
    s.queue = [];
    s.wake?.();
    return true;
  }

  /**
   * Up to `limit` messages; when none is waiting, waits for one until `timeoutMs` or the client
   * leaves. A pull keeps the subscription alive for its lifetime again.
   */
  async pull(s: Subscription, timeoutMs: number, limit: number, signal: AbortSignal): Promise<BelfryEvent[]> {
    this.extend(s, Math.max(s.life, timeoutMs + SUB_LIMITS.minLifeMs));
    if (!s.queue.length && timeoutMs > 0 && !signal.aborted) {
      s.wake?.(); // one held pull per subscription: an earlier one answers empty
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          if (s.wake === done) s.wake = undefined;
          resolve();
        };
        const t = setTimeout(done, timeoutMs);
        signal.addEventListener('abort', done);
        s.wake = done;
      });
    }
    return s.queue.splice(0, Math.min(limit, SUB_LIMITS.messagesPerPull));
  }

  private enqueue(s: Subscription, ev: BelfryEvent): void {
    s.queue.push(ev);
    if (s.queue.length > SUB_LIMITS.queue) {
      s.queue.shift();
      s.dropped++;
    }
    if (s.kind === 'push') this.onPush(s);
    else s.wake?.();
  }

  private take(ev: BelfryEvent): void {
    for (const s of this.subs.values()) if (!s.filter || s.filter.matches(ev)) this.enqueue(s, ev);
  }

  stop(): void {
    this.detach();
    for (const id of [...this.subs.keys()]) this.remove(id);
  }
}

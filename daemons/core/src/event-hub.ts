import type { Bus } from './bus.js';
import { instanceLevel, subscribeEvents, type BelfryEvent } from './events.js';

export type EventSink = (ev: BelfryEvent) => void;

/** The topic namespaces the external APIs speak; topics with other prefixes (`belfry:`) stay inside. */
export const EXTERNAL_TOPIC_NS: Record<string, string> = {
  tns1: 'http://www.onvif.org/ver10/topics',
  tnsaxis: 'http://www.axis.com/2009/event/topics',
};

/** Whether a topic is one the external streams carry (every prefixed step is tns1 or tnsaxis). */
export function isExternalTopic(topic: string): boolean {
  return topic.split('/').every((step) => {
    const c = step.indexOf(':');
    return c < 0 || step.slice(0, c) in EXTERNAL_TOPIC_NS;
  });
}

function sameItems(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/**
 * The one bus subscription behind every stream client (eventd's streams, onvifd's subscriptions): it keeps the current state of every stateful
 * instance, so a new client gets "Initialized state, then changes" without a bus subscription of its
 * own (a second subscription to the same filter would make the broker send every retained state
 * again, to every handler of that filter: the engine's included). A retained state the broker sends
 * again (another part of eventd subscribed) is a duplicate when its data is what we hold, else a change.
 * Only ONVIF topics (tns1/tnsaxis) are kept: internal `belfry:` topics never leave the device.
 */
export class EventHub {
  private readonly states = new Map<string, BelfryEvent>();
  private readonly sinks = new Set<EventSink>();
  private unsub?: () => Promise<void>;

  async start(bus: Bus): Promise<void> {
    this.unsub = await subscribeEvents(bus, '#', (ev) => this.take(ev));
  }

  async stop(): Promise<void> {
    this.sinks.clear();
    await this.unsub?.();
  }

  /** One event from the bus (exported for tests in process). */
  take(ev: BelfryEvent): void {
    if (!isExternalTopic(ev.topic)) return;
    if (ev.op) {
      const key = `${ev.topic}/${instanceLevel(ev.source ?? {})}`;
      const prev = this.states.get(key);
      if (ev.op === 'Deleted') {
        if (!prev) return;
        this.states.delete(key);
      } else {
        if (prev && ev.op === 'Initialized') {
          if (sameItems(prev.data, ev.data)) return;
          ev = { ...ev, op: 'Changed' };
        }
        this.states.set(key, ev);
      }
    }
    for (const s of this.sinks) s(ev);
  }

  /** Every stateful instance now, as `Initialized` (what a new subscriber is sent first). */
  snapshot(): BelfryEvent[] {
    return [...this.states.values()].map((e) => ({ ...e, op: 'Initialized' as const }));
  }

  /** Adds a sink for live events from now on; returns its removal. */
  attach(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  get clients(): number {
    return this.sinks.size;
  }
}

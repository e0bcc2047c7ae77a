import type { Bus } from './bus.js';
import type { ActionDecl, EventDecl } from './events.js';

/**
 * The one catalogue of event topics and actions: what every daemon declared, retained, on
 * `belfry/decl/<daemon>/events` and `…/actions` (eventd's own declarations arrive the same way).
 * eventd (GetEventInstances, the rule editor, the stream filters), MQTT publication and onvifd read it;
 * nothing is listed twice by hand. A daemon's new declaration replaces its old one whole.
 */
export class Catalogue {
  private readonly events = new Map<string, EventDecl[]>();
  private readonly actions = new Map<string, ActionDecl[]>();
  private readonly listeners = new Set<() => void>();
  private unsub?: () => Promise<void>;

  async start(bus: Bus): Promise<void> {
    this.unsub = await bus.subscribe('belfry/decl/+/+', (topic, payload) => {
      const [, , daemon, kind] = topic.split('/');
      if (!daemon || (kind !== 'events' && kind !== 'actions')) return;
      const list = parseList(payload);
      const map = kind === 'events' ? this.events : this.actions;
      if (list) map.set(daemon, list as never);
      else map.delete(daemon);
      for (const fn of this.listeners) fn();
    });
  }

  async stop(): Promise<void> {
    await this.unsub?.();
  }

  /** Every declared event topic (one entry per topic; a later declarer of the same topic wins). */
  eventDecls(): EventDecl[] {
    const byTopic = new Map<string, EventDecl>();
    for (const list of this.events.values()) for (const d of list) byTopic.set(d.topic, d);
    return [...byTopic.values()];
  }

  event(topic: string): EventDecl | undefined {
    return this.eventDecls().find((d) => d.topic === topic);
  }

  /** Every declared action template, with the daemon (RPC service) that runs it. */
  actionDecls(): ActionDecl[] {
    return [...this.actions.values()].flat();
  }

  action(id: string): ActionDecl | undefined {
    return this.actionDecls().find((a) => a.id === id);
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

function parseList(payload: Buffer): unknown[] | undefined {
  if (!payload.length) return undefined;
  try {
    const v = JSON.parse(payload.toString('utf8')) as unknown;
    return Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

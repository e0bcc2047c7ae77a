import { instanceLevel, type BelfryEvent } from '@belfry/core';
import { topicKey, type CompiledEventFilter } from '@belfry/core/filters';

/**
 * The current state of every stateful event instance seen on the bus (retained states arrive as
 * Initialized), grouped by topic key so a condition looks only at the instances of its topics.
 */
export class StateTable {
  private readonly byKey = new Map<string, Map<string, BelfryEvent>>();

  /** Records a stateful event; returns the instance's previous state (undefined when new). */
  update(ev: BelfryEvent): BelfryEvent | undefined {
    const key = topicKey(ev.topic);
    let m = this.byKey.get(key);
    if (!m) this.byKey.set(key, (m = new Map()));
    const inst = `${ev.producer ?? ''}|${instanceLevel(ev.source ?? {})}`;
    const prev = m.get(inst);
    if (ev.op === 'Deleted') m.delete(inst);
    else m.set(inst, ev);
    return prev;
  }

  /** Whether some current instance matches the filter (the filter's topic keys, or all of them). */
  any(f: CompiledEventFilter): boolean {
    const keys = f.topic.keys();
    const maps = keys ? keys.map((k) => this.byKey.get(k)) : [...this.byKey.values()];
    for (const m of maps) if (m) for (const ev of m.values()) if (f.matches(ev)) return true;
    return false;
  }

  /** Whether this very instance (same producer and source) currently matches. */
  instanceMatches(f: CompiledEventFilter, like: BelfryEvent): boolean {
    const ev = this.byKey.get(topicKey(like.topic))?.get(`${like.producer ?? ''}|${instanceLevel(like.source ?? {})}`);
    return !!ev && f.matches(ev);
  }
}

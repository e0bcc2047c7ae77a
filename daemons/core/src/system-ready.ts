import type { Bus } from './bus.js';
import type { DaemonState } from './daemon.js';

/**
 * Watches the retained liveness of `required` daemons and calls `onChange(ready, states)` whenever
 * "every required daemon is ready" flips. Used by the launcher, and later by whoever publishes the
 * SystemReady event.
 */
export async function watchSystemReady(
  bus: Bus,
  required: string[],
  onChange: (ready: boolean, states: Record<string, DaemonState | undefined>) => void,
): Promise<() => Promise<void>> {
  const states: Record<string, DaemonState | undefined> = Object.fromEntries(required.map((n) => [n, undefined]));
  let ready = false;
  return bus.subscribe('belfry/daemon/+/state', (topic, payload) => {
    const name = topic.split('/')[2]!;
    if (!(name in states)) return;
    try {
      states[name] = (JSON.parse(payload.toString('utf8')) as { state: DaemonState }).state;
    } catch {
      return;
    }
    const now = required.every((n) => states[n] === 'ready');
    if (now !== ready) {
      ready = now;
      onChange(ready, { ...states });
    }
  });
}

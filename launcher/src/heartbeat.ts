import { sdNotifier } from './sd-notify.js';

/**
 * Liveness of a daemon host. Under the launcher, the host sends a heartbeat over its IPC channel
 * every `heartbeatMs()` (a quarter of the watchdog: an idle host wakes for it every 5 s, and three
 * beats may be late before the watchdog bites); the launcher kills and
 * restarts a host silent for longer than `watchdogMs()` (stopped, or its event loop stuck). Under systemd (`Type=notify`, `WatchdogSec=`), the host tells
 * systemd it is ready and pings its watchdog at half of `WatchdogSec` through one long-lived sender
 * child (`sd-notify.ts`: Node has no Unix datagram socket; never a process per ping), so the unit
 * says `NotifyAccess=all`.
 */
export const HEARTBEAT_MS = 1000;

/**
 * How long a host may stay silent (BELFRY_WATCHDOG_MS, default 20 s, at least 2 × HEARTBEAT_MS;
 * systemd's WatchdogSec is the same). Why 20 s and not 10: a Node process's wake-up costs ~0.25 ms
 * of CPU on the bench machine whatever it does (a no-op timer measured 241 µs, Python's 76), so
 * each host's beat was ~0.01 % of a core idle — five hosts half of the 0.1 % an idle device may
 * cost (issue 16). A crash is still seen at once (the process exits); only a stuck event loop waits
 * longer to be restarted.
 */
export function watchdogMs(env = process.env): number {
  const v = Number(env.BELFRY_WATCHDOG_MS);
  return Number.isInteger(v) && v >= 2 * HEARTBEAT_MS ? v : WATCHDOG_DEFAULT_MS;
}
export const WATCHDOG_DEFAULT_MS = 20_000;

/** How often a host beats and the launcher checks: a quarter of the watchdog (so at least every HEARTBEAT_MS / 2). */
export function heartbeatMs(env = process.env): number {
  return watchdogMs(env) / 4;
}

export interface Heartbeat {
  /** every daemon of the host is up */
  ready(): void;
  stop(): void;
}

export function startHeartbeat(): Heartbeat {
  const timers: NodeJS.Timeout[] = [];
  if (process.send) {
    const beat = () => process.connected && process.send!({ beat: true });
    beat();
    timers.push(setInterval(beat, heartbeatMs()).unref());
  }
  const notifier = process.env.NOTIFY_SOCKET ? sdNotifier(process.env.NOTIFY_SOCKET) : undefined;
  const usec = Number(process.env.WATCHDOG_USEC);
  if (notifier && usec > 0) timers.push(setInterval(() => notifier.send('WATCHDOG=1'), Math.max(HEARTBEAT_MS, usec / 2000)).unref());
  return {
    // the launcher, like systemd, arms the watchdog once the host is ready
    ready: () => {
      if (process.connected) process.send!({ ready: true });
      notifier?.send('READY=1');
    },
    stop: () => {
      timers.forEach(clearInterval);
      notifier?.close();
    },
  };
}

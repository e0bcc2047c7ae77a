import { execFile } from 'node:child_process';

/**
 * Liveness of a daemon host. Under the launcher, the host sends a heartbeat over its IPC channel
 * every HEARTBEAT_MS; the launcher kills and restarts a host silent for longer than `watchdogMs()`
 * (stopped, or its event loop stuck). Under systemd (`Type=notify`, `WatchdogSec=`), the host tells
 * systemd it is ready and pings its watchdog through `systemd-notify`: Node has no Unix datagram
 * socket for sd_notify, so the unit says `NotifyAccess=all` (systemd-notify is our child process;
 * since systemd 246 it waits for systemd to take the message before it exits).
 */
export const HEARTBEAT_MS = 1000;

/** How long a host may stay silent (BELFRY_WATCHDOG_MS, default 10 s; systemd's WatchdogSec is the same). */
export function watchdogMs(env = process.env): number {
  const v = Number(env.BELFRY_WATCHDOG_MS);
  return Number.isInteger(v) && v >= 2 * HEARTBEAT_MS ? v : WATCHDOG_DEFAULT_MS;
}
export const WATCHDOG_DEFAULT_MS = 10_000;

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
    timers.push(setInterval(beat, HEARTBEAT_MS).unref());
  }
  const notify = process.env.NOTIFY_SOCKET ? (msg: string) => execFile('systemd-notify', [msg], () => undefined) : undefined;
  const usec = Number(process.env.WATCHDOG_USEC);
  if (notify && usec > 0) timers.push(setInterval(() => notify('WATCHDOG=1'), Math.max(HEARTBEAT_MS, usec / 2000)).unref());
  return {
    ready: () => notify?.('READY=1'),
    stop: () => timers.forEach(clearInterval),
  };
}

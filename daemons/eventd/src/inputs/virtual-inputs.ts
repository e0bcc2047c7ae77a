import type { Clock } from '../schedules/clock.js';
import { PORTS } from './events.js';

/** The longest `duration` a timed change takes, in seconds (one day; a longer hold is a rule or a schedule). */
export const MAX_DURATION_S = 86_400;

/**
 * The state of 32 boolean ports (virtual inputs; manual triggers use the same holder), each change
 * told to `out` (which publishes the stateful event). A timed change reverts after `durationS`
 * seconds (`0` = a pulse: the change and its revert at once). Asking for a port's current state
 * changes nothing (`false`), except that a timed request re-arms a pending revert and an untimed one
 * drops it.
 */
export class PortStates {
  private readonly state: boolean[] = new Array<boolean>(PORTS + 1).fill(false);
  private readonly reverts = new Map<number, unknown>();

  constructor(
    private readonly clock: Clock,
    private readonly out: (port: number, active: boolean) => void,
  ) {}

  /** Every port inactive, told to `out` (the Initialized instances). */
  init(): void {
    for (let p = 1; p <= PORTS; p++) this.out(p, false);
  }

  get(port: number): boolean {
    return this.state[port] ?? false;
  }

  list(): { port: number; active: boolean }[] {
    return this.state.slice(1).map((active, i) => ({ port: i + 1, active }));
  }

  /** Sets a port; true when its state changed. The caller has checked `port` (1–32) and `durationS`. */
  set(port: number, active: boolean, durationS?: number): boolean {
    // a timed change asked again while its revert is pending re-arms it; any other change ends it
    const rearm = this.reverts.has(port) && this.state[port] === active && durationS !== undefined && durationS > 0;
    this.cancel(port);
    const changed = this.state[port] !== active;
    if (changed) this.apply(port, active);
    if (durationS === 0 && changed) this.apply(port, !active);
    else if (durationS !== undefined && durationS > 0 && (changed || rearm)) {
      this.reverts.set(
        port,
        this.clock.setTimeout(() => {
          this.reverts.delete(port);
          this.apply(port, !active);
        }, durationS * 1000),
      );
    }
    return changed;
  }

  /** A port that changes on its own later (a manual trigger's sequence): cancels any pending revert. */
  cancel(port: number): void {
    const t = this.reverts.get(port);
    if (t !== undefined) this.clock.clearTimeout(t);
    this.reverts.delete(port);
  }

  stop(): void {
    for (const t of this.reverts.values()) this.clock.clearTimeout(t);
    this.reverts.clear();
  }

  private apply(port: number, active: boolean): void {
    // told first: a state nobody was told of is not the state
    this.out(port, active);
    this.state[port] = active;
  }
}

import { BelfryError } from '@belfry/core';
import type { Clock } from '../schedules/clock.js';
import { PORTS } from './events.js';
import type { PortStates } from './virtual-inputs.js';

/** Limits of one `virtualinput.cgi` action (explicit, tested at the limit). */
export const TRIGGER_LIMITS = { steps: 16, waitMs: 3_600_000, length: 256 } as const;

export interface TriggerStep {
  /** ms after the previous step */
  waitMs: number;
  active: boolean;
}

/**
 * `[<port>]:<a>[<wait><a>…]` (§2.11): the port (1 when left out), then `/` (active) or `\`
 * (inactive), each later one after a wait in ms (`6:/2000\` = port 6 active, inactive 2 s later).
 */
export function parseTriggerAction(action: string): { port: number; steps: TriggerStep[] } {
  if (action.length > TRIGGER_LIMITS.length) throw new BelfryError('invalid_argument', `action is longer than ${TRIGGER_LIMITS.length} characters`);
  const m = /^(\d{0,3}):((?:\d*[/\\])+)$/.exec(action);
  if (!m) throw new BelfryError('invalid_argument', `action '${action.slice(0, 40)}' is not [<port>]:<a>[<wait><a>…] with / (active) and \\ (inactive)`);
  const port = m[1] ? Number(m[1]) : 1;
  if (port < 1 || port > PORTS) throw new BelfryError('invalid_argument', `port ${m[1]} does not exist (1–${PORTS})`);
  const steps: TriggerStep[] = [];
  for (const s of m[2]!.matchAll(/(\d*)([/\\])/g)) {
    const waitMs = s[1] ? Number(s[1]) : 0;
    if (!steps.length && s[1]) throw new BelfryError('invalid_argument', 'the action starts with / or \\, not a wait');
    if (waitMs > TRIGGER_LIMITS.waitMs) throw new BelfryError('invalid_argument', `a wait is at most ${TRIGGER_LIMITS.waitMs} ms`);
    steps.push({ waitMs, active: s[2] === '/' });
  }
  if (steps.length > TRIGGER_LIMITS.steps) throw new BelfryError('invalid_argument', `at most ${TRIGGER_LIMITS.steps} steps in one action`);
  return { port, steps };
}

/**
 * Manual triggers (the stateful `VirtualPort` event): `virtualinput.cgi` sequences and the web UI's
 * buttons. The first step is applied at once; the rest follow on the clock. A new sequence or a set
 * on a port ends the sequence still running there.
 */
export class ManualTriggers {
  private readonly running = new Map<number, unknown>();

  constructor(
    private readonly clock: Clock,
    readonly ports: PortStates,
  ) {}

  run(port: number, steps: TriggerStep[]): void {
    this.end(port);
    const next = (i: number) => {
      const step = steps[i];
      if (!step) return this.running.delete(port);
      if (i > 0 && step.waitMs > 0) {
        this.running.set(
          port,
          this.clock.setTimeout(() => {
            this.ports.set(port, step.active);
            next(i + 1);
          }, step.waitMs),
        );
      } else {
        this.ports.set(port, step.active);
        next(i + 1);
      }
    };
    next(0);
  }

  set(port: number, active: boolean): boolean {
    this.end(port);
    return this.ports.set(port, active);
  }

  stop(): void {
    for (const t of this.running.values()) this.clock.clearTimeout(t);
    this.running.clear();
  }

  private end(port: number): void {
    const t = this.running.get(port);
    if (t !== undefined) this.clock.clearTimeout(t);
    this.running.delete(port);
  }
}

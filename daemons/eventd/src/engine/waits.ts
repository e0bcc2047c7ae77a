import { DurableFile } from '@belfry/core';

/**
 * When each rule last started its action, kept across a restart so that "wait between actions"
 * survives a reboot (a user who asked for one e-mail an hour does not get a second one because the
 * device restarted). Saved at most once per `saveMs` (the saved copy may lag by that much); a time in
 * the future (the clock went back) counts as now, so a wait never lasts longer than asked.
 */
export class LastStarts {
  private readonly file: DurableFile<Record<string, number>>;
  private times: Record<string, number> = {};
  private timer?: NodeJS.Timeout;

  constructor(
    dir: string,
    private readonly saveMs = 1000,
  ) {
    this.file = new DurableFile(dir, 'last-starts', 'belfry-eventd-waits-1', (b) => (b && typeof b === 'object' && !Array.isArray(b) ? undefined : 'not an object'));
    const r = this.file.load();
    this.times = r.value ?? {};
  }

  get(rule: number, now = Date.now()): number | undefined {
    const t = this.times[rule];
    return t === undefined ? undefined : Math.min(t, now);
  }

  set(rule: number, t: number, keep: boolean): void {
    this.times[rule] = t;
    if (keep) this.timer ??= setTimeout(() => this.flush(), this.saveMs);
  }

  /** Forgets rules no longer configured. */
  retain(ids: Set<number>): void {
    for (const k of Object.keys(this.times)) if (!ids.has(Number(k))) delete this.times[k];
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.file.save(this.times);
  }
}

import { BelfryError, PARAM_VETO, T, type DaemonContext } from '@belfry/core';

/** How long an owning daemon may think about a change before the batch fails. */
export const VETO_TIMEOUT_MS = 2000;

/**
 * Owners that want a say before their params change declare prefixes on `belfry/decl/<d>/paramVeto`
 * (see `DaemonContext.vetoParams`). Before storing a batch, paramd asks each ready owner whose
 * prefixes it touches; a refusal fails the whole batch with the owner's reason. An owner that is not
 * running has nothing to apply the change to, so it is not asked.
 */
export class Vetoes {
  private prefixes = new Map<string, string[]>();
  private ready = new Set<string>();

  constructor(private readonly ctx: DaemonContext) {}

  async start(): Promise<void> {
    await this.ctx.bus.subscribe('belfry/decl/+/paramVeto', (topic, payload) => {
      const daemon = topic.split('/')[2]!;
      try {
        const d = JSON.parse(payload.toString('utf8')) as { prefixes?: unknown };
        if (Array.isArray(d.prefixes) && d.prefixes.every((p) => typeof p === 'string')) this.prefixes.set(daemon, d.prefixes as string[]);
      } catch {
        this.prefixes.delete(daemon);
      }
    });
    await this.ctx.bus.subscribe(T.state('+'), (topic, payload) => {
      const daemon = topic.split('/')[2]!;
      try {
        const s = (JSON.parse(payload.toString('utf8')) as { state?: string }).state;
        if (s === 'ready') this.ready.add(daemon);
        else this.ready.delete(daemon);
      } catch {
        this.ready.delete(daemon);
      }
    });
  }

  async check(changes: Record<string, string | null>): Promise<void> {
    const names = Object.keys(changes);
    for (const [daemon, prefixes] of this.prefixes) {
      if (!this.ready.has(daemon)) continue;
      const mine = names.filter((n) => prefixes.some((p) => n === p || n.startsWith(p + '.')));
      if (!mine.length) continue;
      // every owner serves the veto contract under its own name
      const veto = this.ctx.rpc.client({ ...PARAM_VETO, name: daemon });
      try {
        await veto.paramVeto({ changes: Object.fromEntries(mine.map((n) => [n, changes[n]!])) }, { timeoutMs: VETO_TIMEOUT_MS });
      } catch (err) {
        const e = err instanceof BelfryError ? err : new BelfryError('internal', String(err));
        if (e.code === 'vetoed') throw new BelfryError('vetoed', e.message, { name: e.target ?? mine[0] });
        throw new BelfryError('unavailable', `${daemon} could not check the change: ${e.message}`, { name: mine[0] });
      }
    }
  }
}

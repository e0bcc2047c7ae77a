import { PARAMD_CHANGED, PARAMD_RESET, T, type Client, type DaemonContext, type Level, type ParamdContract, type ParamValues } from '@belfry/core';

/** Distinct (groups, level) answers kept at once. */
export const MAX_MEMO_ENTRIES = 64;

/**
 * param.cgi `list` answers, kept until any parameter changes: clients poll the same groups again
 * and again, and a round trip to paramd per request was most of param.cgi's cost. Every change
 * notification and every paramd restart drops them all; an answer fetched while a change arrived is
 * not kept (the generation moved on), so nothing stale is ever served.
 */
export class ListMemo {
  private entries = new Map<string, ParamValues>();
  private texts = new WeakMap<ParamValues, string>();
  private generation = 0;

  constructor(private readonly paramd: Client<ParamdContract>) {}

  async start(ctx: DaemonContext): Promise<void> {
    const drop = () => {
      this.generation++;
      this.entries.clear();
    };
    await ctx.bus.subscribe(PARAMD_CHANGED, drop);
    await ctx.bus.subscribe(PARAMD_RESET, drop);
    await ctx.bus.subscribe(T.state('paramd'), drop);
  }

  /** param.cgi's answer text for a list answer (computed once per kept answer) */
  text(params: ParamValues): string {
    let t = this.texts.get(params);
    if (t === undefined) {
      t = Object.entries(params)
        .map(([k, v]) => `root.${k}=${v}\n`)
        .join('');
      this.texts.set(params, t);
    }
    return t;
  }

  /** the kept answer text, without asking paramd (undefined when not kept) */
  peekText(groups: string[] | undefined, level: Level): string | undefined {
    const hit = this.entries.get(`${level}\n${groups?.join(',') ?? ''}`);
    return hit ? this.text(hit) : undefined;
  }

  async list(groups: string[] | undefined, level: Level): Promise<ParamValues> {
    const key = `${level}\n${groups?.join(',') ?? ''}`;
    const hit = this.entries.get(key);
    if (hit) return hit;
    const gen = this.generation;
    const r = await this.paramd.list({ groups, level });
    if (gen === this.generation) {
      if (this.entries.size >= MAX_MEMO_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, r.params);
    }
    return r.params;
  }
}

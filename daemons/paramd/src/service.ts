import { PARAMD, PARAMD_CHANGED, PARAMD_RESET, checkDeadline, type CallMeta, type DaemonContext } from '@belfry/core';
import type { ChangeSet, ParamDb } from '@belfry/param-db';
import { grantedLevel } from './access.js';
import type { Vetoes } from './veto.js';

/**
 * paramd's RPC service. Reads answer from memory. Writes go one at a time through a queue: validate,
 * ask the owners, store durably, announce the change, then answer — so a caller that has its answer
 * knows every cache has seen the change (same connection, same order). A write whose caller's
 * deadline passed while it waited in the queue is dropped when its turn comes (the caller has
 * answered its own user with a timeout; applying it later would surprise them).
 */
export async function serveParams(ctx: DaemonContext, db: ParamDb, vetoes: Vetoes): Promise<void> {
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <R>(meta: CallMeta, method: string, fn: () => Promise<R>): Promise<R> => {
    const turn = () => {
      checkDeadline(meta, `paramd.${method}`, ctx.log);
      return fn();
    };
    const run = queue.then(turn, turn);
    queue = run.catch(() => undefined);
    return run;
  };
  const announce = (cs: ChangeSet) => {
    if (Object.keys(cs.changes).length || cs.secret.length) {
      ctx.bus.publish(PARAMD_CHANGED, JSON.stringify({ rev: cs.rev, changes: cs.changes, secret: cs.secret.length ? cs.secret : undefined }));
    }
  };
  const write = async (prepared: { next: Map<string, string>; changed: Record<string, string | null> }) => {
    await vetoes.check(prepared.changed);
    const cs = db.apply(prepared.next, prepared.changed);
    announce(cs);
    return cs;
  };
  const reset = (keep: boolean, meta: CallMeta) =>
    serial(meta, keep ? 'restore' : 'factoryDefault', async () => {
      const cs = await write(db.prepareReset(keep));
      ctx.audit.write(keep ? 'params.restore' : 'params.factory_default', { rev: cs.rev });
      ctx.bus.publish(PARAMD_RESET, JSON.stringify({ kind: keep ? 'restore' : 'factory', rev: cs.rev }));
      return { rev: cs.rev };
    });

  const lvl = (meta: CallMeta, claimed: Parameters<typeof grantedLevel>[1]) => grantedLevel(meta.caller, claimed);
  await ctx.serve(PARAMD, {
    list: ({ groups, level }, meta) => ({ rev: db.rev, params: db.list(groups, lvl(meta, level)) }),
    get: ({ names, level, missingOk }, meta) => ({ rev: db.rev, params: db.get(names, lvl(meta, level), { missingOk, caller: meta.caller }) }),
    definitions: ({ groups, level }, meta) => ({ rev: db.rev, entries: db.definitions(groups, lvl(meta, level)) }),
    update: ({ changes, level }, meta) =>
      serial(meta, 'update', async () => ({ rev: (await write(db.prepareUpdate(changes, lvl(meta, level), meta.caller))).rev })),
    add: ({ group, template, values, level }, meta) =>
      serial(meta, 'add', async () => {
        const p = db.prepareAdd(group, template, values ?? {}, lvl(meta, level), meta.caller);
        const cs = await write(p);
        return { rev: cs.rev, instance: p.instance };
      }),
    remove: ({ groups, level }, meta) => serial(meta, 'remove', async () => ({ rev: (await write(db.prepareRemove(groups, lvl(meta, level)))).rev })),
    restore: (_p, meta) => reset(true, meta),
    factoryDefault: (_p, meta) => reset(false, meta),
  });
}

import { LEVELS, T, type DaemonContext, type ParamdContract } from '@belfry/core';
import type { ChangeSet, ParamDb } from '@belfry/param-db';
import type { Vetoes } from './veto.js';

const level = { enum: [...LEVELS] };
const names = { type: 'array', items: { type: 'string', maxLength: 1024 }, maxItems: 1000 };
const values = { type: 'object', additionalProperties: { type: 'string' } };
const schemas = {
  list: { type: 'object', additionalProperties: false, properties: { groups: names, level } },
  get: { type: 'object', additionalProperties: false, required: ['names'], properties: { names, level, missingOk: { type: 'boolean' } } },
  update: { type: 'object', additionalProperties: false, required: ['changes'], properties: { changes: values, level } },
  add: {
    type: 'object',
    additionalProperties: false,
    required: ['group', 'template'],
    properties: { group: { type: 'string', maxLength: 256 }, template: { type: 'string', maxLength: 64 }, values, level },
  },
  remove: { type: 'object', additionalProperties: false, required: ['groups'], properties: { groups: names, level } },
  definitions: { type: 'object', additionalProperties: false, properties: { groups: names, level } },
  restore: { type: 'object', additionalProperties: false },
  factoryDefault: { type: 'object', additionalProperties: false },
};

/**
 * paramd's RPC service. Reads answer from memory. Writes go one at a time through a queue: validate,
 * ask the owners, store durably, announce the change, then answer — so a caller that has its answer
 * knows every cache has seen the change (same connection, same order).
 */
export async function serveParams(ctx: DaemonContext, db: ParamDb, vetoes: Vetoes): Promise<void> {
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <R>(fn: () => Promise<R>): Promise<R> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  const announce = (cs: ChangeSet) => {
    if (Object.keys(cs.changes).length || cs.secret.length) {
      ctx.bus.publish(T.notify('paramd', 'changed'), JSON.stringify({ rev: cs.rev, changes: cs.changes, secret: cs.secret.length ? cs.secret : undefined }));
    }
  };
  const write = async (prepared: { next: Map<string, string>; changed: Record<string, string | null> }) => {
    await vetoes.check(prepared.changed);
    const cs = db.apply(prepared.next, prepared.changed);
    announce(cs);
    return cs;
  };
  const reset = (keep: boolean) =>
    serial(async () => {
      const cs = await write(db.prepareReset(keep));
      ctx.audit.write(keep ? 'params.restore' : 'params.factory_default', { rev: cs.rev });
      ctx.bus.publish(T.notify('paramd', 'reset'), JSON.stringify({ kind: keep ? 'restore' : 'factory', rev: cs.rev }));
      return { rev: cs.rev };
    });

  await ctx.serve<ParamdContract>(
    {
      list: ({ groups, level }) => ({ rev: db.rev, params: db.list(groups, level ?? 'internal') }),
      get: ({ names, level, missingOk }, meta) => ({ rev: db.rev, params: db.get(names, level ?? 'internal', { missingOk, caller: meta.caller }) }),
      definitions: ({ groups, level }) => ({ rev: db.rev, entries: db.definitions(groups, level ?? 'internal') }),
      update: ({ changes, level }, meta) => serial(async () => ({ rev: (await write(db.prepareUpdate(changes, level ?? 'internal', meta.caller))).rev })),
      add: ({ group, template, values, level }, meta) =>
        serial(async () => {
          const p = db.prepareAdd(group, template, values ?? {}, level ?? 'internal', meta.caller);
          const cs = await write(p);
          return { rev: cs.rev, instance: p.instance };
        }),
      remove: ({ groups, level }) => serial(async () => ({ rev: (await write(db.prepareRemove(groups, level ?? 'internal'))).rev })),
      restore: () => reset(true),
      factoryDefault: () => reset(false),
    },
    { schemas },
  );
}

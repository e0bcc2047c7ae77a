import type { BoardIdentity } from '@belfry/board';
import type { DaemonModule } from '@belfry/core';
import { ParamDb, deviceRegistry, type Registry } from '@belfry/param-db';
import { serveParams } from './service.js';
import { Vetoes } from './veto.js';

/** paramd owns the parameter store (docs/architecture.md, parameters). `registry` replaces the firmware's definitions (tests). */
export function paramdModule(opts: { registry?: (identity: BoardIdentity) => Registry } = {}): DaemonModule {
  return {
    name: 'paramd',
    async start(ctx) {
      const db = new ParamDb({
        registry: (opts.registry ?? deviceRegistry)(ctx.board.identity),
        dir: ctx.stateDir,
        audit: (action, fields) => ctx.audit.write(action, fields),
      });
      db.open();
      ctx.log.info({ rev: db.rev }, 'parameter store loaded');
      const vetoes = new Vetoes(ctx);
      await vetoes.start();
      await serveParams(ctx, db, vetoes);
      return { stop: async () => undefined };
    },
  };
}

export const daemon: DaemonModule = paramdModule();

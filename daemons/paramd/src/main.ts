import type { DaemonModule } from '@belfry/core';
import { ParamDb, deviceRegistry } from '@belfry/param-db';
import { serveParams } from './service.js';
import { Vetoes } from './veto.js';

/** paramd owns the parameter store (docs/architecture.md, parameters). */
export const daemon: DaemonModule = {
  name: 'paramd',
  async start(ctx) {
    const db = new ParamDb({
      registry: deviceRegistry(ctx.board.identity),
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

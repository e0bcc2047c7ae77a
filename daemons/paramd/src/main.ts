import { T, type DaemonModule } from '@belfry/core';
import { ParamDb, deviceRegistry } from '@belfry/param-db';
import { serveParams } from './service.js';
import { StorageReporter } from './storage-report.js';
import { Vetoes } from './veto.js';

export { CONFIG_RESET, type StorageAnnouncement } from './storage-report.js';

/** paramd owns the parameter store (docs/architecture.md, parameters). */
export const daemon: DaemonModule = {
  name: 'paramd',
  async start(ctx) {
    const db = new ParamDb({
      registry: deviceRegistry(ctx.board.identity),
      dir: ctx.stateDir,
      audit: (action, fields, level) => ctx.audit.write(action, fields, level),
    });
    db.open();
    ctx.log.info({ rev: db.rev }, 'parameter store loaded');
    // a fallback is announced before paramd serves, so owners (audiod's clips) see it when they reconcile
    const report = new StorageReporter(ctx);
    report.start(db.storage);
    await ctx.bus.subscribe(T.notify('paramd', 'reset'), () => report.clear());
    const vetoes = new Vetoes(ctx);
    await vetoes.start();
    await serveParams(ctx, db, vetoes);
    return { stop: async () => undefined };
  },
};

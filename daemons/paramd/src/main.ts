import type { BoardIdentity } from '@belfry/board';
import { PARAMD_RESET, type DaemonModule } from '@belfry/core';
import { ParamDb, deviceRegistry, type Registry } from '@belfry/param-db';
import { serveParams } from './service.js';
import { StorageReporter } from './storage-report.js';
import { Vetoes } from './veto.js';

export { CONFIG_RESET, type StorageAnnouncement } from './storage-report.js';

/** paramd owns the parameter store (docs/architecture.md, parameters). `registry` replaces the firmware's definitions (tests). */
export function paramdModule(opts: { registry?: (identity: BoardIdentity) => Registry } = {}): DaemonModule {
  return {
    name: 'paramd',
    async start(ctx) {
      const db = new ParamDb({
        registry: (opts.registry ?? deviceRegistry)(ctx.board.identity),
        dir: ctx.stateDir,
        audit: (action, fields, level) => ctx.audit.write(action, fields, level),
      });
      db.open();
      ctx.log.info({ rev: db.rev }, 'parameter store loaded');
      // a fallback is announced before paramd serves, so owners (audiod's clips) see it when they reconcile
      const report = new StorageReporter(ctx);
      report.start(db.storage);
      await ctx.bus.subscribe(PARAMD_RESET, () => report.clear());
      const vetoes = new Vetoes(ctx);
      await vetoes.start();
      await serveParams(ctx, db, vetoes);
      return { stop: async () => undefined };
    },
  };
}

export const daemon: DaemonModule = paramdModule();

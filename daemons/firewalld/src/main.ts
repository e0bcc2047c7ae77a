import { BelfryError, type DaemonModule } from '@belfry/core';
import { FIREWALLD, FIREWALLD_ROUTES, FW_TEST_TOPIC } from './contract.js';
import { Firewall } from './firewall.js';
import { LEGACY_PREFIX, legacyOf, vetoLegacy } from './legacy.js';
import { realNft, targetOf } from './nft.js';
import type { LegacyFilter } from './render.js';
import { firewallHandlers } from './rest.js';

export type { FirewalldContract } from './contract.js';

/** firewalld: the rules of `/config/rest/firewall/v1` and the legacy filter, as one nftables table (see README). */
export const daemon: DaemonModule = {
  name: 'firewalld',
  async start(ctx) {
    const target = targetOf(ctx.board.id);
    const nft = realNft(target);
    let legacy: LegacyFilter = { enabled: false, policy: 'allow', addresses: [], log: false };
    const ports = { http: 80, https: 443 };
    ctx.events.declare([{ topic: FW_TEST_TOPIC, niceName: 'Firewall rules under test', stateful: true, source: [], data: [{ name: 'Testing', type: 'xsd:boolean' }] }]);
    const fw = new Firewall({ dir: ctx.stateDir, nft, audit: ctx.audit, clearOnStart: target.kind !== 'check', legacy: () => legacy, onTest: (on) => ctx.events.setState(FW_TEST_TOPIC, {}, { Testing: on }) });
    const offNetwork = await ctx.params.watchSettings('Network', (s, changed) => {
      ports.http = s['HTTP.Port'];
      const next = legacyOf(s);
      if (JSON.stringify(next) === JSON.stringify(legacy)) return;
      legacy = next;
      if (changed.length) void fw.reenforce().catch((err: Error) => ctx.log.error({ err: err.message }, 'applying the legacy filter failed'));
    });
    const offHttps = await ctx.params.watchSettings('HTTPS', (s) => void (ports.https = s.Port));
    // a legacy filter change is refused before paramd stores it when it is malformed or nft refuses it
    await ctx.vetoParams([LEGACY_PREFIX], async (changes) => {
      try {
        await fw.check(vetoLegacy(legacy, changes));
      } catch (err) {
        throw err instanceof BelfryError && err.code === 'vetoed' ? err : new BelfryError('vetoed', (err as Error).message, { name: LEGACY_PREFIX });
      }
    });
    await fw.open();
    ctx.events.setState(FW_TEST_TOPIC, {}, { Testing: fw.view().testTimeLeft > 0 });
    await ctx.serve(FIREWALLD, {
      status: async () => ({ activated: fw.activated(), legacyFilter: legacy.enabled, target: target.kind, testTimeLeft: fw.view().testTimeLeft, lastError: fw.lastError }),
    });
    await ctx.serveHttp(FIREWALLD_ROUTES, firewallHandlers(fw, { http: () => ports.http, https: () => ports.https }));
    return {
      async stop() {
        fw.stop();
        offNetwork();
        offHttps();
      },
    };
  },
};

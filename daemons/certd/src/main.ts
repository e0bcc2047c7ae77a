import { BelfryError, PARAMD, PARAMD_RESET, type DaemonModule } from '@belfry/core';
import { CERTD, CERTD_ROUTES } from './contract/index.js';
import { httpsNotice } from './https-notice.js';
import { EXPIRY_PARAM, startExpiry } from './expiry.js';
import { restHandlers } from './rest/handlers.js';
import { startSoap } from './soap/index.js';
import { policyOf } from './store/keys.js';
import { HTTPS_PARAM, openStore, POLICY_PARAM } from './store/open.js';

export type { CertdContract } from './contract/index.js';

/** certd: the keystore, the certificate and CA stores, the REST certificate API, httpd's TLS material (see README). */
export const daemon: DaemonModule = {
  name: 'certd',
  async start(ctx) {
    const store = await openStore(ctx);
    const notice = httpsNotice(ctx, () => store.httpsAlias());
    const announce = notice.announce;
    await ctx.serve(CERTD, {
      tlsMaterial: async () => ({ ...(await store.tlsMaterial()), minVersion: policyOf(store.policyName()).minVersion, version: notice.version() }),
    });
    // the HTTPS certificate and the crypto policy together: the selected key must stay allowed
    await ctx.vetoParams([HTTPS_PARAM, POLICY_PARAM], (changes) => {
      const v = changes[HTTPS_PARAM];
      const alias = typeof v === 'string' ? v : store.httpsAlias();
      const policy = POLICY_PARAM in changes ? (changes[POLICY_PARAM] ?? undefined) : store.policyName();
      try {
        if (typeof v === 'string') store.checkSelectable(v);
        store.checkHttpsPolicy(alias, policy);
      } catch (err) {
        throw new BelfryError('vetoed', (err as Error).message, { name: typeof v === 'string' ? HTTPS_PARAM : POLICY_PARAM });
      }
    });
    const expiry = startExpiry(ctx, store);
    const offStore = store.onChange((c) => {
      if (c.kind === 'https' || c.kind === 'reset' || c.alias === store.httpsAlias()) announce();
      void expiry.check().catch(() => undefined);
    });
    const offParams = [
      ctx.params.onChange(HTTPS_PARAM, () => announce()),
      ctx.params.onChange(POLICY_PARAM, () => announce()),
      ctx.params.onChange(EXPIRY_PARAM, () => void expiry.check().catch(() => undefined)),
    ];
    // factory default: every certificate and CA goes, the bundle and a new default HTTPS come back
    const offReset = await ctx.bus.subscribe(PARAMD_RESET, (_t, payload) => {
      let kind = '';
      try {
        kind = (JSON.parse(payload.toString()) as { kind: string }).kind;
      } catch {
        return;
      }
      if (kind === 'factory') void store.factoryReset({ via: 'system' }).catch((err: Error) => ctx.log.error({ err: err.message }, 'factory default of the certificate store failed'));
    });
    const paramd = ctx.rpc.client(PARAMD);
    const soap = startSoap(ctx, store, {
      params: {
        get: async (names) => (await paramd.get({ names, level: 'internal' })).params,
        update: async (changes) => void (await paramd.update({ changes, level: 'internal' })),
      },
      audit: (action, fields) => ctx.audit.write(action, fields),
      holdTls: notice.hold,
    });
    await ctx.serveHttp(CERTD_ROUTES, { ...restHandlers(store, '/config/rest/cert/v1'), ...restHandlers(store, '/config/rest/cert/v1beta'), ...soap.handlers });
    await expiry.check();
    announce();
    return {
      async stop() {
        soap.stop();
        expiry.stop();
        offStore();
        for (const off of offParams) off();
        await offReset();
      },
    };
  },
};

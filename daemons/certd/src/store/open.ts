import { networkInterfaces } from 'node:os';
import { PARAMD, type DaemonContext } from '@belfry/core';
import { deviceIdSource } from './device-id-source.js';
import { makeFactoryHttps, removeLegacyHttpdKey, takeLegacyHttpdKey } from './factory.js';
import { FACTORY_HTTPS_ALIAS, FileCertStore, type Selection } from './file-store.js';

export const HTTPS_PARAM = 'HTTPS.Certificate';
export const POLICY_PARAM = 'Cert.CryptoPolicy';

/**
 * Opens certd's store on a device: the KEK from the board, the HTTPS selection in the param
 * `HTTPS.Certificate` (its one owner; `selectHttps` writes it through paramd), the crypto policy
 * from `Cert.CryptoPolicy`, the factory certificate from httpd's old key when there is one.
 */
export async function openStore(ctx: DaemonContext): Promise<FileCertStore> {
  const kek = await ctx.board.security.kek('keystore');
  const paramd = ctx.rpc.client(PARAMD);
  let selected = (await ctx.params.get(HTTPS_PARAM).catch(() => undefined)) ?? FACTORY_HTTPS_ALIAS;
  let policy = await ctx.params.get(POLICY_PARAM).catch(() => undefined);
  ctx.params.onChange(HTTPS_PARAM, (c) => {
    const v = c[HTTPS_PARAM] ?? FACTORY_HTTPS_ALIAS;
    // set through param.cgi (or reset): audited here; `selectHttps` audits its own
    if (v !== selected) ctx.audit.write('cert.https_selected', { alias: v, via: 'param' });
    selected = v;
  });
  ctx.params.onChange(POLICY_PARAM, (c) => (policy = c[POLICY_PARAM] ?? undefined));
  const selection: Selection = {
    get: () => selected,
    async set(alias, also) {
      const prev = selected;
      selected = alias;
      try {
        await paramd.update({ changes: { ...also, [HTTPS_PARAM]: alias }, level: 'internal' });
      } catch (err) {
        selected = prev;
        throw err;
      }
    },
  };
  const factoryOpts = async () => ({
    hostname: (await ctx.params.get('Network.HostName').catch(() => undefined)) ?? 'belfry',
    serial: ctx.board.identity.serialNumber,
    addresses: ['127.0.0.1', '::1', ...Object.values(networkInterfaces()).flatMap((l) => (l ?? []).filter((a) => !a.internal).map((a) => a.address.replace(/%.*$/, '')))],
  });
  // the simulated board has no factory: its identity is issued at certd's first start
  const security = ctx.board.security;
  if (!security.deviceId() && security.kind === 'software') {
    const { provisionSimDeviceId } = await import('./device-id.js');
    await provisionSimDeviceId(security, ctx.board.identity.serialNumber).catch((err: Error) => ctx.log.warn({ err: err.message }, 'device ID not provisioned'));
    if (security.deviceId()) ctx.audit.write('cert.device_id_provisioned', { serial: ctx.board.identity.serialNumber });
  }
  let first = true;
  const store = new FileCertStore({
    deviceId: await deviceIdSource(security),
    dir: ctx.stateDir,
    kek,
    audit: ctx.audit,
    selection,
    policy: () => policy,
    factoryHttps: async () => {
      // the first factory certificate is httpd's old one, when it left one
      const legacy = first ? takeLegacyHttpdKey(ctx.paths.state) : undefined;
      first = false;
      if (legacy) ctx.audit.write('cert.httpd_key_migrated', { alias: FACTORY_HTTPS_ALIAS });
      return legacy ?? makeFactoryHttps(await factoryOpts());
    },
  });
  await store.open();
  removeLegacyHttpdKey(ctx.paths.state);
  return store;
}

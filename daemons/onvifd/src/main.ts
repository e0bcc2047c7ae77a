import { Catalogue, EventHub, type DaemonModule } from '@belfry/core';
import { HTTPD } from '@belfry/httpd/contract';
import { ONVIFD_ROUTES } from './contract.js';
import { Pusher } from './events/notify.js';
import { Subscriptions } from './events/subscriptions.js';
import { DEVICE_INFO_OPS } from './ops/device-info.js';
import { DEVICE_SYSTEM_OPS } from './ops/device-system.js';
import { DEVICE_TIME_OPS } from './ops/device-time.js';
import { DEVICE_USER_OPS } from './ops/device-users.js';
import { eventOps } from './ops/events.js';
import { DEVICEIO_OPS, MEDIA_OPS } from './ops/media.js';
import type { OpContext, OperationTable } from './soap/ops.js';
import { onvifHandler } from './soap/service.js';

export type { OnvifdContract } from './contract.js';

/**
 * onvifd: the ONVIF device, media (audio-only), deviceIO and events services behind httpd (see
 * README). It owns no state of its own: every read and write goes to the owner (params to paramd,
 * the clock to boardd, accounts and credentials to httpd, events from the bus).
 */
export const daemon: DaemonModule = {
  name: 'onvifd',
  async start(ctx) {
    const catalogue = new Catalogue();
    await catalogue.start(ctx.bus);
    const hub = new EventHub();
    const pusher = new Pusher((t) => catalogue.event(t), ctx.log);
    const subs = new Subscriptions(hub, (s) => pusher.kick(s));
    await hub.start(ctx.bus);
    const c: OpContext = { ctx, httpd: ctx.rpc.client(HTTPD) };
    const table: OperationTable = { ...DEVICE_INFO_OPS, ...DEVICE_TIME_OPS, ...DEVICE_SYSTEM_OPS, ...DEVICE_USER_OPS, ...MEDIA_OPS, ...DEVICEIO_OPS, ...eventOps({ catalogue, subs, owners: new Map() }) };
    const handler = onvifHandler(table, c);
    await ctx.serveHttp(ONVIFD_ROUTES, Object.fromEntries(ONVIFD_ROUTES.map((r) => [r.path, handler])));
    return {
      async stop() {
        subs.stop();
        await hub.stop();
        await catalogue.stop();
      },
    };
  },
};

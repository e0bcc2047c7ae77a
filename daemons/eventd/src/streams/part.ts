import type { BelfryEvent } from '@belfry/core';
import { HTTPD } from '@belfry/httpd/contract';
import type { Catalogue } from '../catalogue.js';
import type { Part, StartPart } from '../part.js';
import { EventHub } from './hub.js';
import { RtspServer, type RtspLimits } from './rtsp/server.js';
import { RtspHost } from './rtsp/host.js';
import { RtspPort, RTSP_PORT_PARAM, rtspHost } from './rtsp-port.js';
import { deviceUuid, metadataXml, type ItemType } from './wire.js';
import { WS_LIMITS, WSSESSION_PATH, WS_PATH, WsStream } from './ws/stream.js';
import type { WS_CLIENT_LIMITS } from './ws/client.js';

/** An item's xsd type from the catalogue (memoised until the catalogue changes). */
export function itemTypes(catalogue: Catalogue): ItemType {
  let memo = new Map<string, Map<string, string>>();
  catalogue.onChange(() => (memo = new Map()));
  return (topic, item) => {
    let m = memo.get(topic);
    if (!m) {
      const d = catalogue.event(topic);
      m = new Map([...(d?.source ?? []), ...(d?.key ?? []), ...(d?.data ?? [])].map((i) => [i.name, i.type]));
      memo.set(topic, m);
    }
    return m.get(item);
  };
}

/** Options for tests in process (smaller limits). */
export interface StreamsOptions {
  rtspLimits?: Partial<RtspLimits>;
  wsLimits?: Partial<typeof WS_LIMITS>;
  wsClientLimits?: Partial<typeof WS_CLIENT_LIMITS>;
}

/**
 * The event streams: the RTSP metadata stream on its own port, the WebSocket stream behind httpd.
 * Both read one hub (one bus subscription, the current state of every stateful instance).
 */
export function streamsPart(opts: StreamsOptions = {}): StartPart {
  return async ({ ctx, catalogue }): Promise<Part> => {
    const hub = new EventHub();
    await hub.start(ctx.bus);
    const uuid = deviceUuid(ctx.board.identity.serialNumber);
    const typeOf = itemTypes(catalogue);
    const httpd = ctx.rpc.client(HTTPD);
    const rtsp = new RtspHost(
      () =>
        new RtspServer({
          hub,
          document: (ev: BelfryEvent) => metadataXml(ev, uuid, typeOf),
          // K60 gives up after 5 s without an answer: httpd has 3
          auth: (method, authorization, addr) => httpd.verifyDigest({ method, authorization, addr: addr.slice(0, 64) }, { timeoutMs: 3000 }),
          log: ctx.log,
          limits: opts.rtspLimits,
        }),
      ctx.log,
    );
    const port = new RtspPort();
    await rtsp.listen(await port.read(ctx), rtspHost(ctx));
    const off = ctx.params.onChange(RTSP_PORT_PARAM, () => void port.read(ctx).then((p) => rtsp.listen(p, rtspHost(ctx))));
    const ws = new WsStream({ hub, typeOf, log: ctx.log, limits: opts.wsLimits, clientLimits: opts.wsClientLimits });
    return {
      handlers: { [WSSESSION_PATH]: ws.wssession, [WS_PATH]: ws.dataStream },
      async stop() {
        off();
        ws.close();
        await rtsp.close();
        await hub.stop();
      },
    };
  };
}

export const startStreams: StartPart = streamsPart();

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Logger } from '@belfry/core';
import { callerOf, type CheckedHandler, type RouteHandler } from '@belfry/core/http';
import type { EventHub } from '../hub.js';
import type { ItemType } from '../wire.js';
import { WS_CLIENT_LIMITS, WsClient } from './client.js';
import { WsTokens } from './tokens.js';

/** Limits of the WebSocket stream as a whole. */
export const WS_LIMITS = {
  /** clients at once (503 on the upgrade above) */
  clients: 32,
  /** largest frame a client may send (ws closes with 1009 above) */
  maxPayload: 64 * 1024,
};

export const WS_PATH = '/vapix/ws-data-stream';
export const WSSESSION_PATH = '/axis-cgi/wssession.cgi';

export interface WsDeps {
  hub: EventHub;
  typeOf: ItemType;
  log: Logger;
  limits?: Partial<typeof WS_LIMITS>;
  clientLimits?: Partial<typeof WS_CLIENT_LIMITS>;
}

function refuse(sock: Duplex, status: number, text: string): void {
  const body = `${status} ${text}\n`;
  sock.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * The WebSocket event stream behind httpd: `wssession.cgi` issues one-use tokens to an authenticated
 * viewer; the upgrade (forwarded by httpd with the caller's identity, or as anonymous with a token)
 * becomes a `WsClient`.
 */
export class WsStream {
  readonly tokens = new WsTokens();
  private readonly wss: WebSocketServer;
  private readonly limits: typeof WS_LIMITS;
  private readonly clientLimits: typeof WS_CLIENT_LIMITS;

  constructor(private readonly deps: WsDeps) {
    this.limits = { ...WS_LIMITS, ...deps.limits };
    this.clientLimits = { ...WS_CLIENT_LIMITS, ...deps.clientLimits };
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxPayload, clientTracking: true });
  }

  get clients(): number {
    return this.wss.clients.size;
  }

  /** `GET /axis-cgi/wssession.cgi`: a token for one upgrade within 15 s (text/plain). */
  readonly wssession: RouteHandler = (req, reply) => reply.code(200).type('text/plain').send(this.tokens.issue(callerOf(req)));

  /** `/vapix/ws-data-stream`: a plain GET is told to upgrade; the upgrade is taken here. */
  readonly dataStream: CheckedHandler = {
    handler: (_req, reply) => reply.code(426).header('Upgrade', 'websocket').type('text/plain').send('426 Upgrade Required\nthis is a WebSocket endpoint\n'),
    upgrade: (req, sock, head) => this.upgrade(req, sock, head),
  };

  private upgrade(req: IncomingMessage, sock: Duplex, head: Buffer): void {
    sock.on('error', () => sock.destroy());
    const q = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
    let caller = callerOf(req);
    if (caller.role === 'anonymous') {
      const token = q.get('wssession');
      const byToken = token ? this.tokens.take(token) : undefined;
      // httpd turns this 401 into its challenge
      if (!byToken) return refuse(sock, 401, 'Unauthorized');
      caller = byToken;
    }
    const sources = q.get('sources');
    if (sources !== null && !sources.split(',').includes('events')) return refuse(sock, 400, 'Bad Request');
    if (this.wss.clients.size >= this.limits.clients) return refuse(sock, 503, 'Service Unavailable');
    this.wss.handleUpgrade(req, sock, head, (ws) => {
      this.deps.log.info({ user: caller.user, addr: caller.addr }, 'ws: event stream client');
      new WsClient(ws, this.deps.hub, this.deps.typeOf, this.clientLimits, () => this.deps.log.warn({ user: caller.user, addr: caller.addr }, 'ws: client does not keep up; dropped'));
    });
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}

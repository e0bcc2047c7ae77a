import type { BelfryEvent } from '@belfry/core';
import type { WebSocket } from 'ws';
import { eventFilter, type CompiledEventFilter } from '@belfry/core/filters';
import type { EventHub } from '../hub.js';
import { Outbox } from '../outbox.js';
import { notifyJson, type ItemType } from '../wire.js';

/** Limits of one WebSocket client. */
export const WS_CLIENT_LIMITS = {
  /** filters in one `events:configure` */
  filters: 32,
  /** notifications handed to the socket and not yet written before the client is dropped */
  queue: 1000,
};

/** The AJR error codes of the WebSocket event API. */
const E = { version: [2100, 'API version not supported'], json: [2101, 'Invalid JSON'], method: [2102, 'Method not supported'], missing: [2103, 'Required parameter missing'], invalid: [2104, 'Invalid parameter value specified'] } as const;

interface Request {
  apiVersion: string;
  context: string;
  method: string;
}

/**
 * One WebSocket event stream client (`/vapix/ws-data-stream?sources=events`): nothing is sent until
 * `events:configure`; then the acknowledgement first (apiVersion and context echoed), then every
 * stateful instance matching the filters as it is now, then live notifications. A new configure
 * replaces the set. A text frame that is not JSON (or a binary frame) gets a JSON-RPC style error
 * and the connection stays open: the client can still configure (K74 gives up on any `error` member
 * anyway). Pings are answered by `ws` itself.
 */
export class WsClient {
  private filters: CompiledEventFilter[] | undefined;
  private apiVersion = '1.0';
  private readonly outbox: Outbox;
  private readonly detach: () => void;

  constructor(
    private readonly ws: WebSocket,
    private readonly hub: EventHub,
    private readonly typeOf: ItemType,
    private readonly limits = WS_CLIENT_LIMITS,
    onDrop: () => void = () => undefined,
  ) {
    this.outbox = new Outbox(
      this.limits.queue,
      (data, done) => ws.send(data, () => done()),
      () => {
        onDrop();
        ws.terminate();
      },
    );
    this.detach = hub.attach((ev) => this.notify(ev));
    ws.on('message', (data, binary) => this.message(binary ? undefined : data.toString()));
    ws.on('close', () => this.detach());
    ws.on('error', () => ws.terminate());
  }

  private notify(ev: BelfryEvent): void {
    if (this.filters?.some((f) => f.matches(ev))) this.outbox.push(notifyJson(ev, this.apiVersion, this.typeOf));
  }

  private send(o: unknown): void {
    this.outbox.push(JSON.stringify(o));
  }

  private error(req: Partial<Request>, [code, message]: readonly [number, string], detail?: string): void {
    this.send({ apiVersion: req.apiVersion ?? '1.0', context: req.context ?? '', method: req.method ?? '', error: { code, message: detail ? `${message}: ${detail}` : message } });
  }

  private message(text: string | undefined): void {
    let m: unknown;
    try {
      m = text === undefined ? undefined : JSON.parse(text);
    } catch {
      m = undefined;
    }
    if (!m || typeof m !== 'object' || Array.isArray(m)) return this.error({}, E.json, text === undefined ? 'binary frames are not read' : undefined);
    const o = m as Record<string, unknown>;
    const req: Partial<Request> = {
      apiVersion: typeof o.apiVersion === 'string' ? o.apiVersion : undefined,
      context: typeof o.context === 'string' ? o.context : '',
      method: typeof o.method === 'string' ? o.method : '',
    };
    if (req.apiVersion === undefined) return this.error(req, E.missing, 'apiVersion');
    if (!/^1(\.\d+)?$/.test(req.apiVersion)) return this.error(req, E.version);
    if (req.method !== 'events:configure') return this.error(req, E.method);
    this.configure(req as Request, o.params);
  }

  private configure(req: Request, params: unknown): void {
    const list = (params as { eventFilterList?: unknown } | undefined)?.eventFilterList;
    if (!Array.isArray(list)) return this.error(req, E.missing, 'params.eventFilterList');
    if (list.length > this.limits.filters) return this.error(req, E.invalid, `at most ${this.limits.filters} filters`);
    const filters: CompiledEventFilter[] = [];
    for (const [i, f] of list.entries()) {
      const { topicFilter, contentFilter } = (f ?? {}) as { topicFilter?: unknown; contentFilter?: unknown };
      if (typeof topicFilter !== 'string') return this.error(req, E.missing, `eventFilterList[${i}].topicFilter`);
      if (contentFilter !== undefined && typeof contentFilter !== 'string') return this.error(req, E.invalid, `eventFilterList[${i}].contentFilter is not text`);
      try {
        filters.push(eventFilter({ topic: topicFilter, content: contentFilter }));
      } catch (err) {
        return this.error(req, E.invalid, `eventFilterList[${i}]: ${(err as Error).message}`);
      }
    }
    this.apiVersion = req.apiVersion;
    this.send({ apiVersion: req.apiVersion, context: req.context, method: req.method, data: {} });
    this.filters = filters;
    for (const ev of this.hub.snapshot()) this.notify(ev);
  }
}

import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { Transform, type Duplex } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { schemaFor, type RouteSpec, type WireFormat } from '../contract.js';
import { BelfryError } from '../errors.js';
import type { Logger } from '../log.js';
import { FORWARD, RANK, callerOf } from './caller.js';
import { errorAnswer, frontDoorAnswer, type WireAnswer } from './errors.js';
import { checkRequest } from './validate.js';
import { checkOnlyWhileConnected } from './connection-checks.js';

/** A route's handler. A `stream` route's reply is already hijacked: it answers on `reply.raw` and reads `req.raw`. */
export type RouteHandler = (req: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * A handler with a precheck: runs before the body is read and may answer (e.g. refuse an upload by
 * its announced size, so a 40 MB body is never buffered in the owner).
 */
export interface CheckedHandler {
  precheck?: RouteHandler;
  /** a body limit known per request (a param): past it the body stops being read, 413 */
  bodyLimit?: (req: FastifyRequest) => number | Promise<number>;
  handler: RouteHandler;
  /** a `websocket` route: the upgrade request, its socket and the bytes after its head (e.g. ws `handleUpgrade`) */
  upgrade?: UpgradeHandler;
}

/** Takes an HTTP upgrade (the route's owner answers 101 or refuses on the socket itself). */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Handlers by route path (one per `RouteSpec`; a path's methods share it). */
export type RouteHandlers = Record<string, RouteHandler | CheckedHandler>;

/** The front door's default body limit; a route may declare more (clip uploads). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** How long the front door waits for a non-stream route's answer unless the route says otherwise. */
export const DEFAULT_ROUTE_TIMEOUT_MS = 10_000;

/** Where a daemon serves its routes: `<run>/<daemon>/http.sock` (dir 0750, socket 0660). */
export function httpSocketPath(runDir: string, daemon: string): string {
  return join(runDir, daemon, 'http.sock');
}

export function sendAnswer(reply: FastifyReply, a: WireAnswer): FastifyReply {
  if (a.headers) reply.headers(a.headers);
  return reply.code(a.status).type(a.type).send(a.body);
}

/** An answer on a hijacked reply (stream routes). */
export function sendRaw(reply: FastifyReply, a: WireAnswer, extra: Record<string, string> = {}): void {
  const res = reply.raw;
  if (res.headersSent || res.destroyed) return;
  res.writeHead(a.status, { 'Content-Type': a.type, 'Content-Length': String(Buffer.byteLength(a.body)), ...a.headers, ...extra });
  res.end(a.body);
}

/** Whether the front door's deadline for this request has passed (it has answered already: do nothing). */
export function pastDeadline(req: FastifyRequest): boolean {
  const d = Number(req.headers[FORWARD.deadline]);
  return Number.isFinite(d) && d > 0 && Date.now() > d;
}

/**
 * The one HTTP server layer every daemon uses for its routes: fastify (so `inject()` tests the
 * handlers in-process), every body read raw (VAPIX form CGIs take their arguments from any body),
 * errors in each route's wire format from core's error table, and requests whose deadline passed
 * refused before any handler runs (a timeout answer from the front door means "not applied").
 */
export function routeServer(routes: readonly RouteSpec[], handlers: RouteHandlers, log?: Logger): FastifyInstance {
  for (const r of routes) if (!handlers[r.path]) throw new Error(`no handler for route ${r.path}`);
  for (const p of Object.keys(handlers)) if (!routes.some((r) => r.path === p)) throw new Error(`handler for undeclared route ${p}`);
  const app = Fastify({ logger: false, bodyLimit: DEFAULT_BODY_LIMIT, return503OnClosing: true, forceCloseConnections: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const formatOf = (req: FastifyRequest): WireFormat => (req.routeOptions.config as { errors?: WireFormat } | undefined)?.errors ?? 'vapix-text';
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof BelfryError) {
      if (err.code === 'internal') log?.error({ err: err.message, url: req.url }, 'route failed');
      return sendAnswer(reply, errorAnswer(formatOf(req), err));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return sendAnswer(reply, frontDoorAnswer(formatOf(req), status));
    log?.error({ err, url: req.url }, 'route failed');
    return sendAnswer(reply, errorAnswer(formatOf(req), err));
  });
  app.setNotFoundHandler((_req, reply) => sendAnswer(reply, frontDoorAnswer('vapix-text', 404)));
  serveUpgrades(app, routes, handlers);
  for (const r of routes) {
    const h = handlers[r.path]!;
    // each schema is compiled at its route's first request (validate.ts caches it): compiling them
    // all at start cost eventd's host ~50 ms of CPU before ready; launcher/test/contract-schemas
    // checks every one against the meta-schema
    const handler = typeof h === 'function' ? h : h.handler;
    const precheck = typeof h === 'function' ? undefined : h.precheck;
    const dynamicLimit = typeof h === 'function' ? undefined : h.bodyLimit;
    const refuseLate = async (req: FastifyRequest, reply: FastifyReply) => (pastDeadline(req) ? sendAnswer(reply, frontDoorAnswer(r.errors, 503)) : undefined);
    const refuseRole = secondLock(r);
    // the route's schemas (JSON API): a request that does not fit is a 400 and reaches no handler
    const invalid = (req: FastifyRequest, reply: FastifyReply) => {
      const schema = schemaFor(r.schema, req.method);
      const err = checkRequest(req, r.stream && schema ? { ...schema, body: undefined } : schema);
      return err ? sendAnswer(reply, errorAnswer(r.errors, err)) : undefined;
    };
    app.route({
      method: [...r.methods],
      url: r.path,
      config: { errors: r.errors },
      bodyLimit: r.bodyLimit ?? DEFAULT_BODY_LIMIT,
      // a stream takes the connection over before its body is read (it is live audio, or a file
      // that flows on as it comes); other routes get their body read, then the deadline check
      ...(r.stream
        ? {
            onRequest: async (req: FastifyRequest, reply: FastifyReply) => {
              if (refuseRole(req, reply) || invalid(req, reply)) return; // path and query only: the body is not read yet
              reply.hijack();
              await handler(req, reply);
            },
            handler: () => undefined,
          }
        : {
            onRequest: async (req: FastifyRequest, reply: FastifyReply) => refuseRole(req, reply) ?? (precheck ? precheck(req, reply) : undefined),
            ...(dynamicLimit ? { preParsing: async (req: FastifyRequest, _reply: FastifyReply, payload: NodeJS.ReadableStream) => limitBody(payload, await dynamicLimit(req)) } : {}),
            preHandler: async (req: FastifyRequest, reply: FastifyReply) => (await refuseLate(req, reply)) ?? invalid(req, reply),
            handler: async (req: FastifyRequest, reply: FastifyReply) => handler(req, reply),
          }),
    });
  }
  return app;
}

/**
 * The owner's own check of the route's least role, on the role the front door forwarded: a second
 * lock behind httpd's (a front-door bug once forwarded requests it had refused with a 401, and the
 * owners without a check of their own ran them as anonymous). Routes open to anonymous callers, or
 * whose access the owner decides (`setup`, `self`), are left to their handlers.
 */
function secondLock(r: RouteSpec): (req: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined {
  const least = (RANK as Record<string, number | undefined>)[r.access];
  if (!least) return () => undefined;
  return (req, reply) => {
    const role = callerOf(req).role;
    return RANK[role] >= least ? undefined : sendAnswer(reply, frontDoorAnswer(r.errors, role === 'anonymous' ? 401 : 403));
  };
}

/**
 * Upgrades (WebSocket) go to the handler of the `websocket` route with that path; any other upgrade
 * gets a 404 and the socket is closed (Node would otherwise drop it without an answer).
 */
function serveUpgrades(app: FastifyInstance, routes: readonly RouteSpec[], handlers: RouteHandlers): void {
  const byPath = new Map<string, UpgradeHandler>();
  for (const r of routes) {
    const h = handlers[r.path];
    if (r.websocket && h && typeof h !== 'function' && h.upgrade) byPath.set(r.path, h.upgrade);
  }
  if (!byPath.size) return;
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const up = byPath.get((req.url ?? '/').split('?')[0]!);
    if (up) return up(req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
}

/** The body as it arrives, failing with a 413 once it passes `max` bytes (a chunked body announces no size). */
function limitBody(payload: NodeJS.ReadableStream, max: number): NodeJS.ReadableStream {
  let n = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > max) cb(Object.assign(new Error('request body too large'), { statusCode: 413 }));
      else cb(null, chunk);
    },
  });
  return payload.pipe(counted);
}

/** Listens on a Unix socket only the front door may reach (dir 0750, socket 0660). */
export async function listenOnSocket(app: FastifyInstance, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  chmodSync(dirname(path), 0o750);
  rmSync(path, { force: true });
  // the front door applies request timeouts (streams have none); the owner waits for what it sends
  app.server.requestTimeout = 0;
  // the front door's keep-alive agent drops idle connections after 30 s: this side waits longer
  app.server.keepAliveTimeout = 60_000;
  checkOnlyWhileConnected(app.server);
  await app.listen({ path });
  chmodSync(path, 0o660);
}

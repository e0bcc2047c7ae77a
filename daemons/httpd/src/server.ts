import { STATUS_CODES, createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createServer as createHttps, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { schemaFor, type WireFormat } from '@belfry/core/contract';
import { checkOnlyWhileConnected, checkRequest, compileSchemas, errorAnswer, frontDoorAnswer } from '@belfry/core/http';
import type { Access, RouteDef } from './context.js';
import type { TlsMaterial } from './tls.js';
import type { HotLane } from './hot-lane.js';
import { Admission } from './connections.js';

/** A body the hot lane read before handing the request to fastify (replayed by a preParsing hook). */
export const REPLAY_BODY = Symbol('belfry.replayBody');

/** Limits of the HTTP layer: every one explicit, each tested at the limit. */
export const LIMITS = {
  /** request line + headers, bytes (Node answers 431 above) */
  maxHeaderSize: 16 * 1024,
  /** request body, bytes, unless a route allows more (clip uploads) */
  bodyLimit: 1024 * 1024,
  /** the whole request must arrive within this (slow clients) */
  requestTimeoutMs: 30_000,
  /** a request's headers must all arrive within this from its first byte (Node's headersTimeout: a
   * header line every few seconds does not extend it; a real client sends its headers at once) */
  headersTimeoutMs: 5_000,
  /** idle keep-alive connections close after this */
  keepAliveTimeoutMs: 15_000,
  /** open connections per listener; more are refused at accept */
  maxConnections: 256,
  /** open connections from one remote address per listener (one client never fills the listener) */
  maxConnectionsPerAddress: 32,
  /** the last this many of maxConnections are for connections whose requests carry valid credentials */
  reservedConnections: 32,
  /** a connection on a reserved slot closes unless a request on it authenticates within this */
  reservedAdmitMs: 5_000,
};

export type Hook = (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply, access: Access) => Promise<unknown>;

/**
 * One fastify app behind two listeners: plain HTTP and HTTPS share every route and hook. The TLS
 * certificate can be swapped with `setCertificate` without dropping open connections.
 */
export interface ClientConnection {
  address: string;
  port: number;
  protocol: 'http' | 'https';
  /** when the connection was accepted (ISO 8601) */
  since: string;
}

export class HttpServers {
  readonly app: FastifyInstance;
  private http: Server;
  private https: HttpsServer;
  private open = new Set<Socket>();
  /** the listener each open connection came in on (a moved listener's connections end after their answer) */
  private listenerOf = new WeakMap<Socket, Server | HttpsServer>();
  /** each connection's latest answer, so a port move can end busy connections once they have answered */
  private answering = new WeakMap<Socket, ServerResponse>();
  /** when each open connection was accepted (`clients()`) */
  private since = new WeakMap<Socket, number>();
  /** who gets a connection slot, per listener (connections.ts) */
  private admission = { http: new Admission(LIMITS), https: new Admission(LIMITS) };
  /** the shortcut for hot authenticated reads (see hot-lane.ts); set before routes are added */
  lane: HotLane | undefined;
  /** requests still arriving, checked by `sweep` against the request timeout */
  private arriving = new Map<IncomingMessage, { res: ServerResponse; since: number }>();
  private sweeper: NodeJS.Timeout | undefined;
  /** routes that stream for as long as the client wants (no request timeout) */
  private streamPaths = new Set<string>();
  /** the wire format of each route's errors, when not its path's (see `formatOf`) */
  private formats = new Map<string, WireFormat>();
  /** declared routes that stream (their table changes while httpd runs) */
  declaredStream: (path: string) => boolean = () => false;
  /** HTTP upgrades (WebSocket routes, upgrade.ts); without it an upgrade is refused */
  upgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;

  constructor(tls?: TlsMaterial) {
    let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    const opts = {
      maxHeaderSize: LIMITS.maxHeaderSize,
      // Node's own request timeout cannot spare live audio streams (transmit.cgi, receive.cgi run
      // for as long as the client wants): `sweep` below applies it to every other request
      requestTimeout: 0,
      headersTimeout: LIMITS.headersTimeoutMs,
      keepAliveTimeout: LIMITS.keepAliveTimeoutMs,
      // how often Node looks for requests past their timeouts (default 30 s: far too coarse)
      connectionsCheckingInterval: 1000,
    };
    const guard = (req: IncomingMessage, res: ServerResponse) => {
      this.answering.set(req.socket, res);
      const q = (req.url ?? '').indexOf('?');
      // only a request with a body can be slow after its headers (Node's headersTimeout covers those)
      const body = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
      const path = q < 0 ? (req.url ?? '') : req.url!.slice(0, q);
      if (body && !this.streamPaths.has(path) && !this.declaredStream(path)) {
        this.arriving.set(req, { res, since: performance.now() });
        this.startSweeper();
        req.once('end', () => this.arriving.delete(req));
      }
      // a connection on a reserved slot takes the full path, where its credentials are checked
      if (!this.onProbation(req) && this.lane?.take(req, res, full)) return;
      handler!(req, res);
    };
    // what the lane hands on: the full path, with the body the lane read (one function for every request)
    const full = (req: IncomingMessage, res: ServerResponse, body?: Buffer) => {
      if (body) (req as IncomingMessage & { [REPLAY_BODY]?: Buffer })[REPLAY_BODY] = body;
      handler!(req, res);
    };
    this.http = createHttp(opts, guard);
    // without material yet (certd is late) the listener is made but not opened (`hasCertificate`)
    this.https = createHttps({ ...opts, ...(tls ? { key: tls.key, cert: tls.cert } : {}), minVersion: tls?.minVersion ?? 'TLSv1.2' }, guard);
    this.certified = !!tls;
    // Node's check for requests past headersTimeout runs only while there are connections
    for (const s of [this.http, this.https]) checkOnlyWhileConnected(s);
    for (const s of [this.http, this.https]) s.on('upgrade', (req: IncomingMessage, sock: Duplex, head: Buffer) => (this.upgrade ? this.upgrade(req, sock, head) : sock.destroy()));
    for (const [s, admission] of [[this.http, this.admission.http], [this.https, this.admission.https]] as const) {
      s.maxConnections = LIMITS.maxConnections;
      s.on('connection', (sock: Socket) => {
        if (!admission.accept(sock)) return;
        this.open.add(sock);
        this.listenerOf.set(sock, s);
        this.since.set(sock, Date.now());
        sock.once('close', () => this.open.delete(sock));
      });
    }
    this.app = Fastify({
      bodyLimit: LIMITS.bodyLimit,
      logger: false,
      // Node's own refusals (431, 400, 408) in the route's format, not fastify's JSON for everyone
      clientErrorHandler: (err, socket) => this.clientError(err as unknown as Error & { code?: string; rawPacket?: Buffer }, socket),
      return503OnClosing: true,
      serverFactory: (h) => {
        handler = h;
        return this.http;
      },
    });
  }

  /** The wire format of a URL's error answers: the route's, else JSON under `/api/`, VAPIX text elsewhere. */
  formatOf(url: string): WireFormat {
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    return this.formats.get(path) ?? (path.startsWith('/api/') ? 'json-api' : path.startsWith('/config/') ? 'config-rest' : 'vapix-text');
  }

  /** A request Node could not read: the answer in the format of the path its request line names (if any). */
  private clientError(err: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const line = /^[A-Z]+ (\/\S*)/.exec(err.rawPacket?.subarray(0, 2048).toString('latin1') ?? '');
    const a = frontDoorAnswer(this.formatOf(line?.[1] ?? '/'), status);
    if (socket.writable) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${a.type}\r\nContent-Length: ${Buffer.byteLength(a.body)}\r\nConnection: close\r\n\r\n${a.body}`);
    socket.destroy();
  }

  /**
   * Node's own request timeout, minus the streams: one pass a second over the requests whose body
   * has not fully arrived (cheaper than a timer per request; Node does the same natively), only
   * while there are any: an idle server has no timer.
   */
  private startSweeper(): void {
    this.sweeper ??= setInterval(() => this.sweep(), 1000).unref();
  }

  private sweep(): void {
    const now = performance.now();
    for (const [req, a] of this.arriving) {
      if (req.complete || a.res.writableEnded || req.socket.destroyed) this.arriving.delete(req);
      else if (now - a.since > LIMITS.requestTimeoutMs) {
        this.arriving.delete(req);
        if (!a.res.headersSent) a.res.writeHead(408, { 'Content-Type': 'text/plain', Connection: 'close' }).end('408 Request Timeout\n');
        req.socket.destroy();
      }
    }
    if (this.arriving.size > 0) return;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private admissionOf(req: IncomingMessage): Admission {
    return (req.socket as { encrypted?: boolean }).encrypted ? this.admission.https : this.admission.http;
  }

  /** Whether the request's connection sits on a reserved slot without having authenticated (connections.ts). */
  onProbation(req: IncomingMessage): boolean {
    return this.admissionOf(req).onProbation(req.socket);
  }

  /** A request on this connection authenticated: the connection keeps its slot. */
  admit(req: IncomingMessage): void {
    this.admissionOf(req).admit(req.socket);
  }

  private certified = false;
  private material: TlsMaterial | undefined;
  private ciphers: string | undefined;

  /** New material for the next handshakes; open connections keep theirs. */
  setCertificate(tls: TlsMaterial): void {
    this.material = tls;
    this.secureContext();
  }

  /** The TLS 1.2 cipher list for the next handshakes (`tls.ts` `cipherList`; undefined: Node's default). */
  setCiphers(ciphers: string | undefined): void {
    this.ciphers = ciphers;
    if (this.material) this.secureContext();
  }

  private secureContext(): void {
    const tls = this.material!;
    this.https.setSecureContext({ key: tls.key, cert: tls.cert, minVersion: tls.minVersion ?? 'TLSv1.2', ...(this.ciphers ? { ciphers: this.ciphers } : {}) });
    this.certified = true;
  }

  /** HTTPS can be opened: a key and certificate arrived. */
  get hasCertificate(): boolean {
    return this.certified;
  }

  /** The open connections, both listeners (at most 2 × `maxConnections`): the web UI's connected clients. */
  clients(): ClientConnection[] {
    return [...this.open].map((s) => ({ address: s.remoteAddress ?? '', port: s.remotePort ?? 0, protocol: this.listenerOf.get(s) === this.https ? 'https' : 'http', since: new Date(this.since.get(s) ?? Date.now()).toISOString() }));
  }

  route(def: RouteDef): void {
    if (def.stream) this.streamPaths.add(def.path);
    if (def.errors) this.formats.set(def.path, def.errors);
    if (def.lane) this.lane?.add(def.path, def.lane.methods, def.lane.answer);
    const early = def.stream ?? def.precheck;
    for (const m of def.method) compileSchemas(schemaFor(def.schema, m));
    this.app.route({
      method: def.method,
      url: def.path,
      config: { access: def.access, anonymous: def.anonymous },
      ...(def.bodyLimit ? { bodyLimit: def.bodyLimit } : {}),
      // runs after authentication and before the body is read: a stream route takes the connection
      // over (the body is live audio), a precheck may refuse an upload by its announced size
      ...(early ? { onRequest: async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => early(req, reply) } : {}),
      // the route's schemas (JSON API): a request that does not fit is a 400 and reaches no handler
      ...(def.schema ? { preHandler: async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => invalid(req, reply, def) } : {}),
      handler: def.handler,
    });
  }

  private async listenOne(s: Server | HttpsServer, port: number, host: string): Promise<number> {
    // stop accepting on the old port; idle connections close now (Node's close()), busy ones (the
    // one that asked for the move, say) once their answer is out, instead of serving on a closed
    // port for as long as they are kept alive
    if (s.listening) {
      s.close();
      for (const sock of this.open) {
        if (this.listenerOf.get(sock) !== s) continue;
        const res = this.answering.get(sock);
        // (an HTTPS answer is keyed by its TLS socket, not found here: those end when idle, as before)
        if (res && !res.writableFinished) res.once('finish', () => sock.end());
      }
    }
    await new Promise<void>((resolve, reject) => {
      const onErr = (e: Error) => reject(e);
      s.once('error', onErr);
      s.listen(port, host, () => {
        s.off('error', onErr);
        resolve();
      });
    });
    return (s.address() as AddressInfo).port;
  }

  async listenHttp(port: number, host: string): Promise<number> {
    return this.listenOne(this.http, port, host);
  }
  async listenHttps(port: number, host: string): Promise<number> {
    return this.listenOne(this.https, port, host);
  }
  closeHttp(): void {
    if (this.http.listening) this.http.close();
  }
  closeHttps(): void {
    if (this.https.listening) this.https.close();
  }
  get httpPort(): number | undefined {
    return this.http.listening ? (this.http.address() as AddressInfo).port : undefined;
  }
  get httpsPort(): number | undefined {
    return this.https.listening ? (this.https.address() as AddressInfo).port : undefined;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.arriving.clear();
    this.closeHttp();
    this.closeHttps();
    for (const s of this.open) s.destroy();
    await this.app.close();
  }
}

function invalid(req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply, def: RouteDef): unknown {
  const err = checkRequest(req, schemaFor(def.schema, req.method));
  if (!err) return undefined;
  const a = errorAnswer(def.errors ?? 'json-api', err);
  return reply.code(a.status).type(a.type).send(a.body);
}

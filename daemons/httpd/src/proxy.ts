import { Agent, request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_BODY_LIMIT, DEFAULT_ROUTE_TIMEOUT_MS, FORWARD, FORWARD_PREFIX, callerHeaders, frontDoorAnswer, type WireAnswer } from '@belfry/core/http';
import type { DeclaredRoute } from './declared-routes.js';
import type { Caller } from './context.js';

/** Headers that describe one connection, not the request (RFC 9110 §7.6.1), and credentials the owner never sees. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'authorization', 'cookie', 'host']);

function clientHeaders(h: IncomingHttpHeaders, stream: boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || HOP.has(k) || k.startsWith(FORWARD_PREFIX)) continue;
    // a stream's length is whatever arrives (a Content-Length of 9999999 closed early): chunked to the owner
    if (stream && k === 'content-length') continue;
    out[k] = v;
  }
  return out;
}

function ownerHeaders(h: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || k === 'transfer-encoding' || k === 'keep-alive' || k.startsWith(FORWARD_PREFIX)) continue;
    // the owner's hop to httpd is kept alive or not on its own; only "close this stream" passes
    if (k === 'connection' && String(v).toLowerCase() !== 'close') continue;
    out[k] = v;
  }
  return out;
}

/**
 * One keep-alive agent per owner socket: a request reuses an idle connection instead of a connect
 * each time. Idle connections close after 30 s here, well before the owner's 60 s (serve.ts), so a
 * request never goes out on a connection the owner is closing.
 */
const agents = new Map<string, Agent>();
function agentFor(socket: string): Agent {
  let a = agents.get(socket);
  if (!a) agents.set(socket, (a = new Agent({ keepAlive: true, timeout: 30_000 })));
  return a;
}

export interface ProxyDeps {
  /** httpd's own 401 (with its challenge) for this request, as a wire answer */
  challenge(req: FastifyRequest): WireAnswer;
  log(req: FastifyRequest, status: number, t0: number): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

/**
 * Forwards an authenticated request to the route's owner on its Unix socket and streams both ways
 * with backpressure (a slow owner pauses the client's body, a slow client pauses the owner's
 * answer). httpd enforces the route's body limit while the body streams (413), answers 503 when the
 * owner is down and 504/503 when a non-stream route does not answer in time; the deadline travels
 * as `x-belfry-deadline` so the owner refuses work it would start after httpd gave up. An owner's
 * 401 ("ask for credentials", e.g. an AJR method above the anonymous caller) becomes httpd's challenge.
 */
export function forward(req: FastifyRequest, reply: FastifyReply, route: DeclaredRoute, caller: Caller, deps: ProxyDeps, read?: Buffer): void {
  reply.hijack();
  const t0 = performance.now();
  const { spec } = route;
  const res = reply.raw;
  const stream = !!spec.stream;
  const limit = spec.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const timeoutMs = spec.timeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS;
  let answered = false;
  const answer = (a: WireAnswer, close = false) => {
    if (answered || res.headersSent || res.destroyed) return;
    answered = true;
    res.writeHead(a.status, { 'Content-Type': a.type, 'Content-Length': String(Buffer.byteLength(a.body)), ...a.headers, ...(close ? { Connection: 'close' } : {}) });
    res.end(a.body);
    deps.log(req, a.status, t0);
  };
  const path = (req.url.split('?')[0] ?? '/').slice(0, 256);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    // the answer goes out now; what the client still sends is read and dropped, so its request
    // write does not fail on a reset before it reads the 413 (Connection: close ends it after)
    answer(frontDoorAnswer(spec.errors, 413), true);
    req.raw.resume();
    return;
  }

  const headers: OutgoingHttpHeaders = {
    ...clientHeaders(req.headers, stream),
    // a body the front door read already (a SOAP path shared by namespace) goes on whole
    ...(read ? { 'content-length': String(read.length) } : {}),
    ...callerHeaders({ user: caller.name, role: caller.role, via: caller.via, ptz: caller.ptz, proto: (req.raw.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http', addr: req.socket.remoteAddress ?? '' }),
    host: req.headers.host ?? 'localhost',
    ...(stream ? {} : { [FORWARD.deadline]: String(Date.now() + timeoutMs) }),
  };
  const up = request({ socketPath: route.socket, agent: agentFor(route.socket), method: req.method, path: req.url, headers });
  const timer = stream
    ? undefined
    : setTimeout(() => {
        deps.warn({ owner: route.owner, url: path, ms: timeoutMs }, 'the owner did not answer in time');
        answer(frontDoorAnswer(spec.errors, 504));
        up.destroy();
      }, timeoutMs);

  let ownerAnswer: IncomingMessage | undefined;
  up.on('response', (ures: IncomingMessage) => {
    ownerAnswer = ures;
    clearTimeout(timer);
    if (answered || res.destroyed) return void ures.destroy();
    if (ures.statusCode === 401) {
      ures.resume();
      return answer(deps.challenge(req));
    }
    answered = true;
    res.writeHead(ures.statusCode ?? 502, ownerHeaders(ures.headers));
    ures.pipe(res);
    deps.log(req, ures.statusCode ?? 502, t0);
    // the owner closing without finishing its answer (a preempted stream) closes the client too
    ures.on('aborted', () => res.destroy());
  });
  up.on('error', (err: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    // httpd answered already (timeout, 413, a challenge) or the owner's answer is complete (it
    // refused an upload by its size and closed while the body was still coming): nothing to do
    if (res.writableEnded || ownerAnswer?.complete) return;
    const down = err.code === 'ECONNREFUSED' || err.code === 'ENOENT';
    if (down) deps.warn({ owner: route.owner, url: path }, 'the owner is not running');
    if (!answered && (down || !stream)) return answer(frontDoorAnswer(spec.errors, 503));
    // a stream the owner ended without an answer (a preempted transmit): close, as Axis devices do
    if (!answered) deps.log(req, 0, t0);
    answered = true;
    req.socket.destroy();
  });
  res.on('close', () => {
    // the client went away: a stream's owner keeps what arrived (it may still play it), anything else stops
    if (!stream) up.destroy();
  });

  if (read) return void up.end(read);
  let got = 0;
  const body = req.raw;
  // the body waits for the owner's socket: writes queued before it connects report no 'drain'
  body.pause();
  up.once('socket', (s) => (s.connecting ? s.once('connect', () => body.resume()) : body.resume()));
  body.on('data', (b: Buffer) => {
    got += b.length;
    if (got > limit) {
      body.pause();
      up.destroy();
      clearTimeout(timer);
      answer(frontDoorAnswer(spec.errors, 413), true);
      req.socket.destroySoon();
      return;
    }
    // the owner has answered (a refusal before the body): the rest is read and dropped
    if (ownerAnswer?.complete || up.destroyed) return;
    if (!up.write(b)) body.pause();
  });
  up.on('drain', () => body.resume());
  // nowhere to write any more: keep reading (and dropping) so the client is not left hanging
  up.on('close', () => body.resume());
  body.on('end', () => up.end());
  // a stream client leaving early (HTTP/1.0 with Content-Length 9999999, closed when done): the owner plays what came
  body.on('close', () => {
    if (!body.complete && stream && !up.destroyed) up.end();
  });
}

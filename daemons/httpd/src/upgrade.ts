import { STATUS_CODES, request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FORWARD_PREFIX, callerHeaders, frontDoorAnswer, type WireAnswer } from '@belfry/core/http';
import { authenticate, challengeAnswer, type AuthDeps } from './auth/authenticate.js';
import type { Caller } from './context.js';
import type { DeclaredRoute } from './declared-routes.js';

/** How long the owner has to answer an upgrade (101 or a refusal). */
export const UPGRADE_ANSWER_MS = 10_000;

/** Client headers the owner never sees: credentials, httpd's own, the host (set anew). */
const DROP = new Set(['authorization', 'cookie', 'host', 'proxy-authorization']);

export interface UpgradeDeps {
  auth: AuthDeps;
  match(path: string): DeclaredRoute | undefined;
  /** a reserved connection slot: anonymous upgrades are challenged, an authenticated one keeps its slot */
  onProbation(req: IncomingMessage): boolean;
  admit(req: IncomingMessage): void;
  log(req: IncomingMessage, user: string, status: number, t0: number): void;
}

function writeAnswer(sock: Duplex, a: WireAnswer): void {
  const head = [`HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? ''}`, `Content-Type: ${a.type}`, `Content-Length: ${Buffer.byteLength(a.body)}`, 'Connection: close'];
  for (const [k, v] of Object.entries(a.headers ?? {})) head.push(`${k}: ${v}`);
  sock.end(head.join('\r\n') + '\r\n\r\n' + a.body);
}

/**
 * The least of `FastifyRequest`/`FastifyReply` that `authenticate` reads and answers on: an upgrade
 * never reaches fastify, and the front door's authentication must be the same one.
 */
function shims(req: IncomingMessage, sock: Duplex): { freq: FastifyRequest; freply: FastifyReply & { answered?: WireAnswer } } {
  const freq = { raw: req, headers: req.headers, url: req.url ?? '/', method: req.method ?? 'GET', socket: req.socket, caller: undefined } as unknown as FastifyRequest;
  const a: WireAnswer = { status: 200, type: 'text/plain', body: '' };
  const freply = {
    headers(h: Record<string, string>) {
      a.headers = { ...a.headers, ...h };
      return freply;
    },
    code(s: number) {
      a.status = s;
      return freply;
    },
    type(t: string) {
      a.type = t;
      return freply;
    },
    send(body: string) {
      a.body = body ?? '';
      freply.answered = a;
      writeAnswer(sock, a);
      return freply;
    },
  } as unknown as FastifyReply & { answered?: WireAnswer };
  return { freq, freply };
}

function ownerHeaders(h: IncomingHttpHeaders, caller: Caller, req: IncomingMessage): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !DROP.has(k) && !k.startsWith(FORWARD_PREFIX)) out[k] = v;
  const proto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return { ...out, ...callerHeaders({ user: caller.name, role: caller.role, via: caller.via, ptz: caller.ptz, proto, addr: req.socket.remoteAddress ?? '' }), host: h.host ?? 'localhost' };
}

/**
 * A WebSocket upgrade of a declared `websocket` route: authenticated as the route's other requests
 * are (Digest, Basic, session), except that an upgrade without credentials that carries a token of
 * the owner's (`wssession=`) goes to the owner as anonymous, for it to admit; then piped to the
 * owner's socket with the caller's identity. The owner's 401 becomes httpd's challenge; its 101
 * and everything after it passes through both ways.
 */
export async function forwardUpgrade(req: IncomingMessage, sock: Duplex, head: Buffer, deps: UpgradeDeps): Promise<void> {
  const t0 = performance.now();
  sock.on('error', () => sock.destroy());
  const path = (req.url ?? '/').split('?')[0]!;
  const route = deps.match(path);
  if (!route?.spec.websocket) return writeAnswer(sock, frontDoorAnswer('vapix-text', 404));
  if (req.method !== 'GET') return writeAnswer(sock, frontDoorAnswer(route.spec.errors, 405, { allow: ['GET'] }));
  const { freq, freply } = shims(req, sock);
  const token = /[?&]wssession=[^&]/.test(req.url ?? '');
  // a browser sends its session cookie on every upgrade but cannot add the CSRF header to one: with
  // a token (which itself took an authenticated request to get) the cookie is not a credential
  const credentials = req.headers.authorization !== undefined || (req.headers.cookie !== undefined && !token);
  if (deps.onProbation(req) && !credentials) return writeAnswer(sock, challengeAnswer(freq, deps.auth));
  // with a token and no credentials the owner decides; authenticate still sets the caller (anonymous viewer)
  const denied = await authenticate(freq, freply, deps.auth, credentials || !token ? route.spec.access : 'anonymous');
  if (denied || freply.answered) return deps.log(req, '', freply.answered?.status ?? 401, t0);
  const caller = (freq as unknown as { caller: Caller }).caller;
  if (caller.via !== 'anonymous') deps.admit(req);
  const up = request({ socketPath: route.socket, method: 'GET', path: req.url, headers: ownerHeaders(req.headers, caller, req) });
  const timer = setTimeout(() => {
    up.destroy();
    writeAnswer(sock, frontDoorAnswer(route.spec.errors, 504));
  }, UPGRADE_ANSWER_MS);
  up.on('upgrade', (res, upSock, upHead) => {
    clearTimeout(timer);
    if (sock.destroyed) return void upSock.destroy();
    const lines = [`HTTP/1.1 101 Switching Protocols`];
    for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
    sock.write(lines.join('\r\n') + '\r\n\r\n');
    if (upHead.length) sock.write(upHead);
    if (head.length) upSock.write(head);
    upSock.on('error', () => sock.destroy());
    upSock.on('close', () => sock.destroy());
    sock.on('close', () => upSock.destroy());
    upSock.pipe(sock);
    sock.pipe(upSock);
    deps.log(req, caller.name, 101, t0);
  });
  up.on('response', (res) => {
    clearTimeout(timer);
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const status = res.statusCode ?? 502;
      deps.log(req, caller.name, status, t0);
      if (status === 401) return writeAnswer(sock, challengeAnswer(freq, deps.auth));
      writeAnswer(sock, { status, type: String(res.headers['content-type'] ?? 'text/plain'), body: Buffer.concat(chunks).toString('utf8') });
    });
  });
  up.on('error', () => {
    clearTimeout(timer);
    if (!sock.destroyed) writeAnswer(sock, frontDoorAnswer(route.spec.errors, 503));
  });
  up.end();
}

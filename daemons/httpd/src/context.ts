import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Client, DaemonContext, ParamdContract } from '@belfry/core';
import type { Accounts, Role } from './accounts.js';
import type { Sessions } from './auth/sessions.js';
import type { HttpConfig } from './config.js';
import type { AccessLog } from './access-log.js';
import type { ListMemo } from './list-memo.js';

export type Access = Role | 'anonymous' | 'setup' | 'self';

/** Who is asking: an account, or anonymous (possibly an anonymous viewer). */
export interface Caller {
  name: string;
  role: Role | 'anonymous';
  ptz: boolean;
  via: 'digest' | 'basic' | 'session' | 'anonymous';
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
  interface FastifyContextConfig {
    access?: Access;
    anonymous?: RouteDef['anonymous'];
    /** the catch-all: the declared routes' table decides (main.ts) */
    dynamic?: true;
  }
}

/** What every handler can reach. */
export interface Http {
  d: DaemonContext;
  accounts: Accounts;
  sessions: Sessions;
  paramd: Client<ParamdContract>;
  config: HttpConfig;
  realm: string;
  accessLog: AccessLog;
  /** param.cgi list answers, until a param changes */
  listMemo: ListMemo;
  /** whether every required daemon is ready (from the bus) */
  systemReady(): boolean;
  /** what paramd last announced about its store (retained `PARAMD_STORAGE`): a configuration reset must be visible */
  paramdStorage(): { fallback: string; reason: string; at: string | null; lost: boolean } | undefined;
  /** the routes daemons have declared, as the front door serves them now (the OpenAPI document) */
  declaredRoutes(): readonly { owner: string; spec: import('@belfry/core/contract').RouteSpec }[];
  /** the declared route serving a path, with its owner's socket (`/config/rest/$all` asks the owners itself) */
  matchDeclared(path: string): { owner: string; socket: string; spec: import('@belfry/core/contract').RouteSpec } | undefined;
  /** the front door's open connections (`GET /api/v1/clients`) */
  clients(): import('./server.js').ClientConnection[];
  /** for `self` routes: answers 401 (anonymous) or 403 and returns false when the caller is below `role` */
  require(req: FastifyRequest, reply: FastifyReply, role: Role): boolean;
}

export type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown> | unknown;

export interface RouteDef {
  method: ('GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE')[];
  path: string;
  /** least role, `setup` (anonymous until an admin exists, then admin) or `self` (the handler decides) */
  access: Access;
  handler: Handler;
  /**
   * For `self` routes: whether an anonymous caller (`req.caller`, an anonymous viewer too) may be
   * served this request, judged from what arrives before the body (method, URL, headers). Otherwise
   * it is challenged before anything is parsed, so Digest clients that probe without a body (curl
   * sends an empty POST first) authenticate. Without it, anonymous is always challenged.
   */
  anonymous?: (req: FastifyRequest) => boolean;
  /**
   * A request that exercises the route and the least role it needs; the role × endpoint test is
   * generated from these. `destructive` probes (restart, factory default) change the device for
   * everyone; the test runs them last, and once for an allowed role.
   */
  probe: { method: string; url: string; body?: string; contentType?: string; needs: Role | 'anonymous'; destructive?: true };
  /** a live stream: takes the connection over after authentication (`reply.hijack()`), no request timeout, body unread */
  stream?: Handler;
  /** runs after authentication and before the body is read (may answer, e.g. refuse an oversized upload) */
  precheck?: Handler;
  /** the wire format of its error answers (core/http/errors.ts) when not the path's (`/api/` JSON, else VAPIX text): AJR CGIs say `ajr` */
  errors?: import('@belfry/core/contract').WireFormat;
  /** JSON API routes: schemas checked before the handler (a 400 in the JSON API shape) and documented in `/api/v1/openapi.json` */
  schema?: import('@belfry/core/contract').RouteSpec['schema'];
  /** largest body for this route, when it is not the server's */
  bodyLimit?: number;
  /** a synchronous answer for Digest-authenticated hot reads of these methods, taken before fastify (hot-lane.ts) */
  lane?: { methods: ('GET' | 'POST')[]; answer: import('./hot-lane.js').Lane };
}

import { Type, type Static, type TSchema } from 'typebox';

/**
 * A daemon's contract: everything other daemons (and httpd's front door, and later apps) may use of
 * it — its RPC methods with who may call them, its event topics with their source/data types, its
 * actions, and its HTTP routes. One TypeBox schema per item is the source of both the TypeScript
 * type and the JSON schema the RPC server, the HTTP route layer and the declarations use.
 *
 * A contract module (`daemons/<d>/src/contract.ts`, exported as `@belfry/<d>/contract`) imports only
 * `typebox` and types from core, so a caller never pulls the daemon's runtime dependencies.
 */

/** End-user roles, weakest first (the front door maps accounts onto these). */
export type Role = 'viewer' | 'operator' | 'admin';

/**
 * Least access for an HTTP route: a role, `anonymous`, `setup` (anonymous until the first admin
 * exists, then admin) or `self` (the owner decides per request from the forwarded role).
 */
export type Access = Role | 'anonymous' | 'setup' | 'self';

/** The wire format a route answers errors in, so the front door's own answers (401, 403, 405, 413, 503) match it. */
export type WireFormat = 'vapix-text' | 'ajr' | 'json-api' | 'soap' | 'config-rest';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call an RPC method, by authenticated bus identity (`bus-users.ts`): `daemons` = any bus
 * user that is not an app (the broker lets only the service list's daemons, the launcher and apps
 * publish requests at all); `frontDoor` = only httpd; a list names bus users; `apps` = anyone,
 * unprivileged apps (`app-<id>`) included. The RPC server refuses everyone else with
 * `permission_denied` before the handler runs.
 */
export type Callers = 'daemons' | 'frontDoor' | 'apps' | readonly string[];

export interface MethodSpec<P extends TSchema = TSchema, R extends TSchema = TSchema> {
  params: P;
  result: R;
  callers: Callers;
  summary?: string;
}

export interface EventSpec<S extends TSchema = TSchema, D extends TSchema = TSchema> {
  /** ONVIF-model topic, e.g. `tns1:Device/tnsaxis:IO/VirtualInput` */
  topic: string;
  niceName?: string;
  stateful: boolean;
  source: S;
  data: D;
}

export interface ActionSpec<P extends TSchema = TSchema> {
  niceName?: string;
  params: P;
}

/** A probe request for the role × endpoint test generated from the assembled route table. */
export interface RouteProbe {
  method: string;
  url: string;
  body?: string;
  contentType?: string;
  needs: Role | 'anonymous';
  destructive?: true;
}

/**
 * A JSON API operation's schemas (TypeBox): the route layer checks `params` (path segments),
 * `querystring` and a JSON `body` before the handler runs (`http/validate.ts`: a 400 in the JSON API
 * error shape, nothing done), and the OpenAPI document (`http/openapi.ts`) is made from them.
 * Path and query values arrive as strings and are coerced to the schema's numbers and booleans.
 * `rawBody` instead of `body`: the body is not JSON but a file of that media type (documented, not read).
 */
export interface RouteSchema {
  summary?: string;
  /** the least role of this method when it is above the route's `access` (its handler refuses the rest): documented */
  access?: Access;
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  rawBody?: string;
  response?: Record<number, TSchema>;
}

/** The JSON API's error body (`http/errors.ts` `jsonApiError`, `frontDoorAnswer`). */
export const JsonApiErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), name: Type.Optional(Type.String()) }),
});

/** An HTTP route a daemon serves on its own socket behind httpd (retained on the bus with the contract). */
export interface RouteSpec {
  path: string;
  methods: readonly HttpMethod[];
  access: Access;
  errors: WireFormat;
  /** largest request body in bytes (default: the front door's 1 MiB) */
  bodyLimit?: number;
  /** a live stream: no request timeout, the body flows both ways as it comes */
  stream?: boolean;
  /**
   * a WebSocket endpoint: the front door authenticates the upgrade (credentials, or anonymous for the
   * owner to admit by a token of its own) and pipes the upgraded connection to the owner, whose
   * handler's `upgrade` takes it (`http/serve.ts`); a plain GET reaches the ordinary handler
   */
  websocket?: boolean;
  /** non-stream routes: how long the front door waits for the owner's answer (default 10 s) */
  timeoutMs?: number;
  summary?: string;
  /** JSON API routes: one schema for every method, or one per method (`{ PATCH: …, DELETE: … }`) */
  schema?: RouteSchema | Partial<Record<HttpMethod, RouteSchema>>;
  /** the VAPIX API this route implements, for `apidiscovery.cgi`'s list while the owner declares it */
  api?: { id: string; version: string; name: string };
  /**
   * the Device Configuration REST API (`/config/rest/<id>/v<major>`) this route belongs to, for
   * `/config/discover`'s list while the owner declares it
   */
  configApi?: { id: string; major: number; version: string; state: 'released' | 'beta' | 'alpha' };
  /**
   * a SOAP route that serves only these Body namespaces: several owners may then declare the same
   * path (disjoint namespaces), and the front door forwards each request to the owner of the Body's
   * first element's namespace, with that owner's `access` and `bodyLimit`
   */
  soap?: { namespaces: readonly string[] };
  probe: RouteProbe;
}

const METHOD_KEYS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** A route's schema for one method (a per-method `schema` or the route's one schema). */
export function schemaFor(schema: RouteSpec['schema'], method: string): RouteSchema | undefined {
  if (!schema) return undefined;
  const keys = Object.keys(schema);
  if (keys.length && keys.every((k) => METHOD_KEYS.includes(k))) return (schema as Partial<Record<string, RouteSchema>>)[method === 'HEAD' ? 'GET' : method];
  return schema as RouteSchema;
}

export interface ContractSpec {
  name: string;
  methods: Record<string, MethodSpec>;
  events?: Record<string, EventSpec>;
  actions?: Record<string, ActionSpec>;
  routes?: readonly RouteSpec[];
}

/** Keeps the literal types of a contract (so `Params<typeof C, 'play'>` works) and checks its shape. */
export function defineContract<const C extends ContractSpec>(c: C): C {
  return c;
}

export type Params<C extends ContractSpec, M extends keyof C['methods']> = Static<C['methods'][M]['params']>;
export type Result<C extends ContractSpec, M extends keyof C['methods']> = Static<C['methods'][M]['result']>;

/** The RPC-level contract type (method → function) the existing `Client`/`Handlers` helpers take. */
export type MethodsOf<C extends ContractSpec> = {
  [M in keyof C['methods']]: (p: Static<C['methods'][M]['params']>) => Static<C['methods'][M]['result']>;
};

/** What the RPC server tells a handler about the request. */
export interface CallMeta {
  /** the caller's bus name, authenticated by the broker (its ACL ties request topics to usernames) */
  caller: string;
  /** when the caller stops waiting (epoch ms), if it said so; work still queued past it is dropped */
  deadline?: number;
}

export interface CallOptions {
  timeoutMs?: number;
}

/** A typed client of a contract: `ctx.rpc.client(PARAMD).get({ names })`. */
export type ClientOf<C extends ContractSpec> = {
  [M in keyof C['methods']]: (p: Params<C, M>, opts?: CallOptions) => Promise<Result<C, M>>;
};

/** The handlers that implement a contract (params already checked against the method's schema). */
export type HandlersOf<C extends ContractSpec> = {
  [M in keyof C['methods']]: (p: Params<C, M>, meta: CallMeta) => Result<C, M> | Promise<Result<C, M>>;
};

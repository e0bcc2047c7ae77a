import type { TSchema } from 'typebox';
import { JsonApiErrorBody, schemaFor, type Access, type RouteSchema, type RouteSpec } from '../contract.js';

/** What the document needs of a route: a daemon's `RouteSpec`, or one of httpd's own routes. */
export type OpenApiRoute = Pick<RouteSpec, 'path' | 'methods' | 'access' | 'errors' | 'summary' | 'schema'> & {
  /** the daemon that answers (httpd, or the daemon behind its socket) */
  servedBy?: string;
};

export interface OpenApiOptions {
  title?: string;
  version?: string;
  /** the web UI session cookie's name (httpd's) */
  sessionCookie?: string;
}

type Json = Record<string, unknown>;

/** OpenAPI wants `{id}` where the route table says `:id`. */
const openApiPath = (p: string) => p.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
const pathNames = (p: string) => [...p.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);

/** A schema as plain JSON (TypeBox schemas are; this drops anything JSON cannot say). */
const plain = (s: TSchema): Json => JSON.parse(JSON.stringify(s)) as Json;

function properties(s: TSchema | undefined): [string, Json, boolean][] {
  const o = s ? plain(s) : {};
  const required = new Set((o.required as string[] | undefined) ?? []);
  return Object.entries((o.properties as Record<string, Json> | undefined) ?? {}).map(([n, p]) => [n, p, required.has(n)]);
}

function parameters(path: string, s: RouteSchema | undefined): Json[] {
  const inPath = new Map(properties(s?.params).map(([n, p]) => [n, p]));
  return [
    ...pathNames(path).map((n) => ({ name: n, in: 'path', required: true, schema: inPath.get(n) ?? { type: 'string' } })),
    ...properties(s?.querystring).map(([n, p, req]) => ({ name: n, in: 'query', required: req, schema: p })),
  ];
}

const ERROR = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ERROR } } });

function responses(access: Access, s: RouteSchema | undefined): Json {
  const out: Json = {};
  for (const [status, schema] of Object.entries(s?.response ?? {})) out[status] = { description: Number(status) < 300 ? 'success' : 'an error', content: { 'application/json': { schema: schema === JsonApiErrorBody ? ERROR : plain(schema) } } };
  if (!Object.keys(out).some((k) => Number(k) < 300)) out['200'] = { description: 'success' };
  if (s?.params || s?.querystring || s?.body) out['400'] ??= errorResponse('the request does not fit the schema (`name` says which field); nothing was done');
  if (access !== 'anonymous') {
    out['401'] ??= errorResponse('no or wrong credentials (with the Digest challenge)');
    out['403'] ??= errorResponse('the account is below the least role, or a session request lacks its X-CSRF-Token');
  }
  out['503'] ??= errorResponse('a daemon the route needs is not running or did not answer');
  out.default = errorResponse('an error in the JSON API shape');
  return out;
}

/** Anyone: no requirement; otherwise any one of Digest, Basic (where the policy allows it) or the session cookie. */
function security(access: Access): Json[] {
  return access === 'anonymous' ? [] : [{ digest: [] }, { basic: [] }, { session: [] }];
}

const ACCESS_WORDS: Record<Access, string> = {
  anonymous: 'anyone',
  viewer: 'viewer or above',
  operator: 'operator or above',
  admin: 'admin',
  setup: 'anyone until the first administrator exists, then admin',
  self: 'decided per request by the handler',
};

function operation(r: OpenApiRoute, method: string): Json {
  const s = schemaFor(r.schema, method);
  const summary = s?.summary ?? r.summary;
  const access = s?.access ?? r.access;
  const op: Json = {
    ...(summary ? { summary } : {}),
    description: `Least role: ${access} (${ACCESS_WORDS[access]}).${r.servedBy ? ` Served by ${r.servedBy}.` : ''}`,
    operationId: `${method.toLowerCase()}${openApiPath(r.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    parameters: parameters(r.path, s),
    responses: responses(access, s),
    security: security(access),
    'x-belfry-least-role': access,
  };
  if (s?.body) op.requestBody = { required: false, content: { 'application/json': { schema: plain(s.body) } } };
  else if (s?.rawBody) op.requestBody = { required: true, content: { [s.rawBody]: { schema: { type: 'string', format: 'binary' } } } };
  return op;
}

/**
 * The JSON API's OpenAPI 3.1 document (JSON Schema as TypeBox writes it, `null` included), made from the route table as it is (httpd's own routes and
 * the routes running daemons declared): every route in the JSON API format, each method an
 * operation with its path and query parameters, JSON body, responses and least role
 * (`x-belfry-least-role`, and a security requirement unless anonymous).
 */
export function openApiDocument(routes: readonly OpenApiRoute[], opts: OpenApiOptions = {}): Json {
  const paths: Record<string, Json> = {};
  const api = routes.filter((r) => r.errors === 'json-api').sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const r of api) {
    const item = (paths[openApiPath(r.path)] ??= {});
    for (const m of r.methods) if (m !== 'HEAD') item[m.toLowerCase()] = operation(r, m);
  }
  return {
    openapi: '3.1.0',
    info: { title: opts.title ?? 'Belfry JSON API', version: opts.version ?? '1' },
    paths,
    components: {
      schemas: { Error: plain(JsonApiErrorBody) },
      securitySchemes: {
        digest: { type: 'http', scheme: 'digest' },
        basic: { type: 'http', scheme: 'basic', description: 'HTTPS only unless Network.HTTP.AuthenticationPolicy allows it' },
        session: { type: 'apiKey', in: 'cookie', name: opts.sessionCookie ?? 'belfry_session', description: 'from POST /api/v1/session; requests that change something also send its csrfToken as X-CSRF-Token' },
      },
    },
  };
}

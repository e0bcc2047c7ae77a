import type { RouteSpec } from '@belfry/core/contract';
import { openApiDocument } from '@belfry/core/http';
import { SESSION_COOKIE } from './auth/sessions.js';
import type { RouteDef } from './context.js';

/**
 * The JSON API's OpenAPI document from the one route table: httpd's own `/api/` routes and the
 * routes daemons declare (core's `openApiDocument` builds it). `GET /api/v1/openapi.json` makes it
 * at each request, so a daemon's routes appear once it has declared them; `make docs` writes the
 * same from the contracts (`docs/api/openapi.json`).
 */
export function frontDoorOpenApi(own: readonly RouteDef[], declared: readonly { owner: string; spec: RouteSpec }[]): Record<string, unknown> {
  const mine = own
    .filter((r) => (r.errors ?? (r.path.startsWith('/api/') ? 'json-api' : 'vapix-text')) === 'json-api')
    .map((r) => ({ path: r.path, methods: r.method, access: r.access, errors: 'json-api' as const, ...(r.schema ? { schema: r.schema } : {}), servedBy: 'httpd' }));
  return openApiDocument([...mine, ...declared.map((d) => ({ ...d.spec, servedBy: d.owner }))], { sessionCookie: SESSION_COOKIE });
}

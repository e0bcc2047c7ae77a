import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Http, RouteDef } from './context.js';
import { paramRoutes } from './cgi/param.js';
import { accountRoutes } from './cgi/accounts-cgi.js';
import { discoveryRoutes } from './cgi/ajr-cgi.js';
import { configDiscoverRoutes } from './cgi/config-discover.js';
import { systemRoutes } from './cgi/system.js';
import { apiRoutes } from './cgi/api.js';

/**
 * httpd's own routes: every path, its methods and the least role it needs. The auth hook reads the
 * role from here. With the routes the daemons declare on the bus (declared-routes.ts) it makes the
 * one route table the front door serves and the role × endpoint test is generated from.
 */
export function routeTable(http: Http, challenge: (req: FastifyRequest, reply: FastifyReply) => FastifyReply, onLoginFailure: (req: FastifyRequest, user: string) => void): RouteDef[] {
  return [...discoveryRoutes(http, challenge), ...paramRoutes(http, challenge), ...accountRoutes(http, challenge), ...systemRoutes(http, challenge), ...apiRoutes(http, onLoginFailure), ...configDiscoverRoutes(http)];
}

/**
 * httpd's own routes as data (paths, methods, access, probes, schemas), for the role × endpoint
 * test, the curl test and `make docs`: the route builders only keep references to their
 * dependencies while building, so a stub serves; no handler of this table may be called.
 */
export function ownRoutes(): RouteDef[] {
  const stub = { d: { board: { identity: {} }, paths: { run: '/nonexistent', log: '/nonexistent' }, rpc: { client: () => ({}) } } } as unknown as Http;
  const never = (): FastifyReply => {
    throw new Error('a route of ownRoutes() has no server');
  };
  return routeTable(stub, never, () => undefined);
}

export { frontDoorOpenApi } from './openapi.js';

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Http, RouteDef } from './context.js';
import { paramRoutes } from './cgi/param.js';
import { accountRoutes } from './cgi/accounts-cgi.js';
import { discoveryRoutes } from './cgi/ajr-cgi.js';
import { systemRoutes } from './cgi/system.js';
import { apiRoutes } from './cgi/api.js';
import { audioRoutes } from './cgi/audio.js';
import { audioApiRoutes } from './cgi/audio-api.js';

/**
 * The one route table: every path, its methods and the least role it needs. The auth hook reads the
 * role from here, and the role × endpoint test is generated from it.
 */
export function routeTable(http: Http, challenge: (req: FastifyRequest, reply: FastifyReply) => FastifyReply, onLoginFailure: (req: FastifyRequest, user: string) => void): RouteDef[] {
  return [...discoveryRoutes(http, challenge), ...paramRoutes(http, challenge), ...accountRoutes(http, challenge), ...systemRoutes(http, challenge), ...audioRoutes(http, challenge), ...apiRoutes(http, onLoginFailure), ...audioApiRoutes(http)];
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import { jsonApiError } from '@belfry/core/http';
import type { Http, RouteDef } from '../context.js';
import type { Role } from '../accounts.js';
import { SESSION_COOKIE, SESSION_IDLE_MS, cookieValue } from '../auth/sessions.js';
import { isHttps } from '../auth/authenticate.js';
import { API_SCHEMAS } from './api-schemas.js';
import { frontDoorOpenApi } from '../openapi.js';

export function json(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json').send(JSON.stringify(body));
}

/** A BelfryError in the JSON API's shape and status (core's error table); anything else is the error handler's 500. */
export function fail(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof BelfryError && err.code !== 'internal') {
    const a = jsonApiError(err);
    return reply.code(a.status).type(a.type).send(a.body);
  }
  throw err;
}

/**
 * The JSON API the web UI uses (same auth and validation as every other route): log in and out
 * with a cookie session, create the first admin, and manage accounts.
 */
export function apiRoutes(http: Http, onLoginFailure: (req: FastifyRequest, user: string) => void): RouteDef[] {
  const sessionInfo = (user: string, role: Role, csrf: string) => ({ user, role, csrfToken: csrf, idleTimeoutS: SESSION_IDLE_MS / 1000 });
  const routes: RouteDef[] = [
    {
      method: ['POST'],
      path: '/api/v1/session',
      access: 'anonymous',
      schema: API_SCHEMAS.login,
      handler: async (req, reply) => {
        try {
          const { user, password } = req.body as { user: string; password: string };
          const a = await http.accounts.verifyPassword(user, password);
          if (!a) {
            onLoginFailure(req, user);
            return json(reply, 401, { error: { code: 'unauthenticated', message: 'wrong user name or password' } });
          }
          const s = http.sessions.create(a.name);
          reply.header('Set-Cookie', `${SESSION_COOKIE}=${s.id}; Path=/; HttpOnly; SameSite=Strict${isHttps(req) ? '; Secure' : ''}`);
          return json(reply, 200, sessionInfo(a.name, a.role, s.csrf));
        } catch (err) {
          return fail(reply, err);
        }
      },
      // a malformed login (400 from the handler): shows the route is open to anyone without counting
      // a failed login; a wrong password would answer 401 and look like an auth refusal to the matrix
      probe: { method: 'POST', url: '/api/v1/session', body: '{"user":null,"password":null}', contentType: 'application/json', needs: 'anonymous' },
    },
    {
      method: ['GET'],
      path: '/api/v1/session',
      access: 'viewer',
      schema: API_SCHEMAS.session,
      handler: async (req, reply) => {
        const sid = cookieValue(req.headers.cookie, SESSION_COOKIE);
        const s = sid ? http.sessions.touch(sid) : undefined;
        return json(reply, 200, { user: req.caller.name, role: req.caller.role, ...(s ? { csrfToken: s.csrf } : {}) });
      },
      probe: { method: 'GET', url: '/api/v1/session', needs: 'viewer' },
    },
    {
      method: ['DELETE'],
      path: '/api/v1/session',
      access: 'viewer',
      schema: API_SCHEMAS.logout,
      handler: async (req, reply) => {
        const sid = cookieValue(req.headers.cookie, SESSION_COOKIE);
        if (sid) http.sessions.end(sid);
        reply.header('Set-Cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
        return json(reply, 200, {});
      },
      probe: { method: 'DELETE', url: '/api/v1/session', needs: 'viewer' },
    },
    {
      method: ['GET'],
      path: '/api/v1/users',
      access: 'admin',
      schema: API_SCHEMAS.users,
      handler: async (_req, reply) => json(reply, 200, { users: http.accounts.all(), max: 100 }),
      probe: { method: 'GET', url: '/api/v1/users', needs: 'admin' },
    },
    {
      method: ['POST'],
      path: '/api/v1/users',
      access: 'setup',
      schema: API_SCHEMAS.addUser,
      handler: async (req, reply) => {
        try {
          const b = req.body as { user: string; password: string; role?: Role; ptz?: boolean; comment?: string };
          const r = b.role ?? 'viewer';
          if (http.accounts.needsSetup && req.caller.role !== 'admin' && r !== 'admin') throw new BelfryError('failed_precondition', 'the first account must be an administrator');
          const a = await http.accounts.add({ name: b.user, password: b.password, role: r, ptz: b.ptz === true, comment: b.comment, setup: req.caller.role !== 'admin' });
          return json(reply, 201, a);
        } catch (err) {
          // without credentials, after another request made the first admin meanwhile
          if (err instanceof BelfryError && err.code === 'permission_denied' && req.caller.via === 'anonymous') return json(reply, 401, { error: { code: 'unauthenticated', message: 'log in first' } });
          return fail(reply, err);
        }
      },
      probe: { method: 'POST', url: '/api/v1/users', body: '{"user":"probe","password":"x","role":"viewer"}', contentType: 'application/json', needs: 'admin' },
    },
    {
      method: ['PATCH'],
      path: '/api/v1/users/:user',
      access: 'admin',
      schema: API_SCHEMAS.updateUser,
      handler: async (req, reply) => {
        try {
          const { password, role, ptz, comment } = req.body as { password?: string; role?: Role; ptz?: boolean; comment?: string };
          const user = (req.params as { user: string }).user;
          const a = await http.accounts.update(user, { password, role, ptz, comment });
          if (password !== undefined || role) http.sessions.endUser(user);
          return json(reply, 200, a);
        } catch (err) {
          return fail(reply, err);
        }
      },
      probe: { method: 'PATCH', url: '/api/v1/users/nobody', body: '{}', contentType: 'application/json', needs: 'admin' },
    },
    {
      method: ['DELETE'],
      path: '/api/v1/users/:user',
      access: 'admin',
      schema: API_SCHEMAS.removeUser,
      handler: async (req, reply) => {
        try {
          const user = (req.params as { user: string }).user;
          await http.accounts.remove(user);
          http.sessions.endUser(user);
          return json(reply, 200, {});
        } catch (err) {
          return fail(reply, err);
        }
      },
      probe: { method: 'DELETE', url: '/api/v1/users/nobody', needs: 'admin' },
    },
  ];
  routes.push({
    method: ['GET'],
    path: '/api/v1/clients',
    // admin: who is connected (addresses) is the network's business, like the access log
    access: 'admin',
    schema: API_SCHEMAS.clients,
    handler: async (_req, reply) => {
      const clients = http.clients();
      return json(reply, 200, { total: clients.length, clients });
    },
    probe: { method: 'GET', url: '/api/v1/clients', needs: 'admin' },
  });
  routes.push({
    method: ['GET'],
    path: '/api/v1/openapi.json',
    // viewer: what the API offers is no secret from any account, but the device's software
    // (daemons, versions of their routes) is not shown to anonymous visitors
    access: 'viewer',
    schema: API_SCHEMAS.openapi,
    handler: async (_req, reply) => json(reply, 200, frontDoorOpenApi(routes, http.declaredRoutes())),
    probe: { method: 'GET', url: '/api/v1/openapi.json', needs: 'viewer' },
  });
  return routes;
}

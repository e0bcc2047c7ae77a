import { Type } from 'typebox';
import { JsonApiErrorBody, type RouteSchema } from '@belfry/core/contract';
import { MAX_COMMENT, MAX_PASSWORD, ROLES } from '../accounts.js';

/**
 * The schemas of httpd's JSON API (`cgi/api.ts`): checked before a handler runs (`server.ts`, a 400
 * in the JSON API shape) and documented in `/api/v1/openapi.json`. The account rules themselves
 * (which characters a name or password may hold) stay in `accounts.ts`, shared with pwdgrp.cgi; a
 * password may be sent longer than those rules allow only to be refused by them with `name: pwd`.
 */
// one literal each (not ROLES.map): the static type stays 'viewer' | 'operator' | 'admin' for typed clients
const Role = Type.Union([Type.Literal(ROLES[0]), Type.Literal(ROLES[1]), Type.Literal(ROLES[2])]);
const UserName = Type.String({ maxLength: 32, description: '1–32 letters, digits, ".", "_" or "-", starting with a letter or digit' });
const Password = Type.String({ maxLength: 1024, description: `1–${MAX_PASSWORD} printable ASCII characters` });
const Comment = Type.String({ maxLength: MAX_COMMENT });
const NoQuery = Type.Object({}, { additionalProperties: false });
const OK = Type.Object({}, { additionalProperties: false });
const Account = Type.Object({ name: Type.String(), role: Role, ptz: Type.Boolean(), comment: Type.String() });
const ByUser = Type.Object({ user: Type.String({ maxLength: 32 }) }, { additionalProperties: false });

export const API_SCHEMAS = {
  login: {
    summary: 'log in: a session cookie and its CSRF token',
    querystring: NoQuery,
    body: Type.Object({ user: Type.String({ maxLength: 32 }), password: Password }, { additionalProperties: false }),
    response: { 200: Type.Object({ user: Type.String(), role: Role, csrfToken: Type.String(), idleTimeoutS: Type.Integer() }), 401: JsonApiErrorBody },
  },
  session: { summary: 'who is logged in', querystring: NoQuery, response: { 200: Type.Object({ user: Type.String(), role: Role, csrfToken: Type.Optional(Type.String()) }) } },
  logout: { summary: 'log out (ends the session cookie)', querystring: NoQuery, response: { 200: OK } },
  users: { summary: 'every account (never a password)', querystring: NoQuery, response: { 200: Type.Object({ users: Type.Array(Account), max: Type.Integer() }) } },
  addUser: {
    summary: 'add an account; the first one (without credentials) must be an administrator',
    querystring: NoQuery,
    body: Type.Object({ user: UserName, password: Password, role: Type.Optional(Role), ptz: Type.Optional(Type.Boolean()), comment: Type.Optional(Comment) }, { additionalProperties: false }),
    response: { 201: Account },
  },
  updateUser: {
    summary: "change an account's password, role, PTZ right or comment (its sessions end when the password or role changes)",
    params: ByUser,
    querystring: NoQuery,
    body: Type.Object({ password: Type.Optional(Password), role: Type.Optional(Role), ptz: Type.Optional(Type.Boolean()), comment: Type.Optional(Comment) }, { additionalProperties: false }),
    response: { 200: Account },
  },
  removeUser: { summary: 'remove an account (the last administrator stays)', params: ByUser, querystring: NoQuery, response: { 200: OK } },
  clients: {
    summary: 'the open HTTP and HTTPS connections: address, port, protocol, since when (at most 2 × 256)',
    querystring: NoQuery,
    response: { 200: Type.Object({ total: Type.Integer(), clients: Type.Array(Type.Object({ address: Type.String(), port: Type.Integer(), protocol: Type.Union([Type.Literal('http'), Type.Literal('https')]), since: Type.String() }), { maxItems: 512 }) }) },
  },
  openapi: { summary: 'this document: the JSON API as the route table has it now (declared routes of running daemons included)', querystring: NoQuery, response: { 200: Type.Object({ openapi: Type.String(), paths: Type.Object({}) }) } },
} satisfies Record<string, RouteSchema>;

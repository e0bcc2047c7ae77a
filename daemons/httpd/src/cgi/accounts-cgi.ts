import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import type { Http, RouteDef } from '../context.js';
import type { Account, PublicAccount, Role } from '../accounts.js';
import { formArgs } from './util.js';

/** `sgrp` (§1.3): colon-separated viewer, operator, admin, ptz; the highest role wins. */
export function parseSgrp(sgrp: string | undefined): { role: Role; ptz: boolean } | undefined {
  if (sgrp === undefined || sgrp === '') return undefined;
  const parts = sgrp.split(':').map((s) => s.trim().toLowerCase());
  if (parts.some((p) => !['viewer', 'operator', 'admin', 'ptz'].includes(p))) return undefined;
  const role: Role | undefined = parts.includes('admin') ? 'admin' : parts.includes('operator') ? 'operator' : parts.includes('viewer') ? 'viewer' : undefined;
  return role ? { role, ptz: parts.includes('ptz') } : undefined;
}

function page(text: string): string {
  return `<html><head><title>User accounts</title></head><body bgcolor=#ffffff>${text}</body></html>\n`;
}

/** `pwdgrp.cgi?action=get` (§2.4): admin, operator, viewer, ptz and digusers, quoted, no spaces. */
export function groupLines(list: PublicAccount[]): string {
  const names = (f: (a: PublicAccount) => boolean) => `"${list.filter(f).map((a) => a.name).join(',')}"`;
  return [
    `admin=${names((a) => a.role === 'admin')}`,
    `operator=${names((a) => a.role === 'admin' || a.role === 'operator')}`,
    `viewer=${names(() => true)}`,
    `ptz=${names((a) => a.ptz)}`,
    `digusers=${names(() => true)}`,
  ].join('\n') + '\n';
}

/** `usergroup.cgi` (§2.5): the user, then its groups. */
export function userGroups(a: Pick<Account, 'name' | 'role' | 'ptz'>): string {
  const groups = ['users', ...(a.role === 'admin' ? ['admin', 'operator', 'viewer'] : a.role === 'operator' ? ['operator', 'viewer'] : ['viewer']), ...(a.ptz ? ['ptz'] : [])];
  return `${a.name}\n${groups.join(' ')}\n`;
}

export function accountRoutes(http: Http, unauthorized: (req: FastifyRequest, reply: FastifyReply) => FastifyReply): RouteDef[] {
  const pwdgrp = async (req: FastifyRequest, reply: FastifyReply) => {
    const args = formArgs(req);
    const action = (args.get('action') ?? '').toLowerCase();
    const setup = http.accounts.needsSetup;
    // in setup state the one thing allowed without credentials is creating the first admin
    if (setup && req.caller.role !== 'admin' && !(action === 'add' && parseSgrp(args.get('sgrp'))?.role === 'admin')) return unauthorized(req, reply);
    const user = args.get('user') ?? '';
    const error = (err: unknown) => {
      http.d.log.info({ action, user, reason: err instanceof Error ? err.message : String(err) }, 'pwdgrp.cgi refused');
      if (err instanceof BelfryError && err.code === 'already_exists') return page('Error: this user name already exists, consult the system log file');
      return page('Error: consult the system log file.');
    };
    if (action === 'get') return reply.type('text/plain').send(groupLines(http.accounts.all()));
    reply.type('text/html');
    try {
      if (action === 'add') {
        const g = parseSgrp(args.get('sgrp'));
        if (!g) throw new BelfryError('invalid_argument', 'sgrp must name viewer, operator or admin');
        const grp = args.get('grp');
        if (grp !== undefined && grp !== 'users') throw new BelfryError('invalid_argument', 'grp must be users');
        await http.accounts.add({ name: user, password: args.get('pwd') ?? '', role: g.role, ptz: g.ptz, comment: args.get('comment'), setup: req.caller.role !== 'admin' });
        return page(`Created account ${user}.`);
      }
      if (action === 'update') {
        const sgrp = args.get('sgrp');
        const g = sgrp !== undefined ? parseSgrp(sgrp) : undefined;
        if (sgrp !== undefined && !g) throw new BelfryError('invalid_argument', 'sgrp must name viewer, operator or admin');
        const pwd = args.get('pwd');
        await http.accounts.update(user, { password: pwd, role: g?.role, ptz: g?.ptz, comment: args.get('comment') });
        if (pwd !== undefined || g) http.sessions.endUser(user);
        return page(`Modified account ${user}.`);
      }
      if (action === 'remove') {
        await http.accounts.remove(user);
        http.sessions.endUser(user);
        return page(`Removed account ${user}.`);
      }
      throw new BelfryError('invalid_argument', `unknown action '${action}'`);
    } catch (err) {
      if (!(err instanceof BelfryError)) throw err;
      // another request made the first admin meanwhile
      if (err.code === 'permission_denied') return unauthorized(req, reply);
      return error(err);
    }
  };
  return [
    {
      method: ['GET', 'POST'],
      path: '/axis-cgi/pwdgrp.cgi',
      access: 'setup',
      handler: pwdgrp,
      probe: { method: 'GET', url: '/axis-cgi/pwdgrp.cgi?action=get', needs: 'admin' },
    },
    {
      method: ['GET', 'POST'],
      path: '/axis-cgi/usergroup.cgi',
      access: 'viewer',
      handler: async (req, reply) => {
        reply.type('text/plain');
        const c = req.caller;
        return c.name ? userGroups({ name: c.name, role: c.role as Role, ptz: c.ptz }) : '';
      },
      probe: { method: 'GET', url: '/axis-cgi/usergroup.cgi', needs: 'viewer' },
    },
  ];
}

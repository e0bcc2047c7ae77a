import { BelfryError, type Role } from '@belfry/core';
import type { XmlEl } from '@belfry/core/xml';
import { childText, esc, kids } from '../soap/envelope.js';
import { SoapFault, sender, TER } from '../soap/fault.js';
import { NS } from '../soap/names.js';
import type { OpContext, OperationTable } from '../soap/ops.js';

/** ONVIF's user levels ↔ the device's roles (`Anonymous` and `Extended` have no account behind them). */
const LEVEL_ROLE: Record<string, Role> = { Administrator: 'admin', Operator: 'operator', User: 'viewer' };
const ROLE_LEVEL: Record<Role, string> = { admin: 'Administrator', operator: 'Operator', viewer: 'User' };

/** At most this many users in one CreateUsers/DeleteUsers (the device holds 100 accounts in all). */
export const MAX_USERS_PER_CALL = 16;

interface UserIn {
  name: string;
  password?: string;
  role: Role;
}

function userOf(u: XmlEl, needPassword: boolean): UserIn {
  const name = childText(u, 'Username') ?? '';
  const password = childText(u, 'Password');
  const level = childText(u, 'UserLevel') ?? '';
  if (!name) throw sender(TER.invalidArgVal, 'a user without Username');
  if (!Object.hasOwn(LEVEL_ROLE, level)) throw sender('ter:AnonymousNotAllowed', `UserLevel ${level.slice(0, 32)} is not one the device has (Administrator, Operator, User)`);
  if (needPassword && !password) throw sender('ter:PasswordTooWeak', `${name.slice(0, 32)} needs a password`);
  return { name, password, role: LEVEL_ROLE[level]! };
}

/** httpd's refusals as ONVIF's user faults. */
function userFault(e: unknown, name: string): unknown {
  if (!(e instanceof BelfryError)) return e;
  const n = name.slice(0, 32);
  const map: Record<string, [string, string]> = {
    already_exists: ['ter:UsernameClash', `${n} exists already`],
    limit_exceeded: ['ter:TooManyUsers', 'the device holds 100 accounts at most'],
    not_found: ['ter:UsernameMissing', `no user ${n}`],
    failed_precondition: ['ter:FixedUser', 'the last administrator stays an administrator'],
  };
  if (map[e.code]) return sender(map[e.code]![0], map[e.code]![1]);
  if (e.code === 'invalid_argument') return sender((e.message.includes('password') ? 'ter:PasswordTooLong' : 'ter:UsernameTooLong'), e.message);
  return e;
}

function users(op: XmlEl, name: string): XmlEl[] {
  const list = kids(op, name);
  if (!list.length) throw sender(TER.invalidArgVal, `no ${name} given`);
  if (list.length > MAX_USERS_PER_CALL) throw sender('ter:TooManyUsers', `at most ${MAX_USERS_PER_CALL} users per request`);
  return list;
}

/** ONVIF users are the device's accounts (httpd's, the same as pwdgrp.cgi's); passwords never leave httpd. */
export const DEVICE_USER_OPS: OperationTable = {
  GetUsers: {
    ns: NS.tds,
    least: 'admin',
    async run(_op, c: OpContext) {
      const { accounts } = await c.httpd.listAccounts({});
      return `<tds:GetUsersResponse>${accounts.map((a) => `<tds:User><tt:Username>${esc(a.name)}</tt:Username><tt:UserLevel>${ROLE_LEVEL[a.role]}</tt:UserLevel></tds:User>`).join('')}</tds:GetUsersResponse>`;
    },
  },
  CreateUsers: {
    ns: NS.tds,
    least: 'admin',
    async run(op, c) {
      const list = users(op, 'User').map((u) => userOf(u, true));
      const { accounts } = await c.httpd.listAccounts({});
      // checked before any is made: one clash refuses the whole request
      const clash = list.find((u, i) => accounts.some((a) => a.name === u.name) || list.findIndex((v) => v.name === u.name) !== i);
      if (clash) throw sender('ter:UsernameClash', `${clash.name.slice(0, 32)} exists already`);
      const made: string[] = [];
      for (const u of list) {
        try {
          await c.httpd.addAccount({ name: u.name, password: u.password!, role: u.role });
          made.push(u.name);
        } catch (e) {
          // all or nothing: the users this request made go again
          for (const n of made) await c.httpd.removeAccount({ name: n }).catch(() => undefined);
          throw userFault(e, u.name);
        }
      }
      return '<tds:CreateUsersResponse/>';
    },
  },
  SetUser: {
    ns: NS.tds,
    least: 'admin',
    async run(op, c) {
      const list = users(op, 'User').map((u) => userOf(u, false));
      const { accounts } = await c.httpd.listAccounts({});
      const missing = list.find((u) => !accounts.some((a) => a.name === u.name));
      if (missing) throw sender('ter:UsernameMissing', `no user ${missing.name.slice(0, 32)}`);
      for (const u of list) {
        try {
          await c.httpd.updateAccount({ name: u.name, role: u.role, ...(u.password ? { password: u.password } : {}) });
        } catch (e) {
          throw userFault(e, u.name);
        }
      }
      return '<tds:SetUserResponse/>';
    },
  },
  DeleteUsers: {
    ns: NS.tds,
    least: 'admin',
    async run(op, c) {
      const names = users(op, 'Username').map((u) => u.text.trim());
      const { accounts } = await c.httpd.listAccounts({});
      const missing = names.find((n) => !accounts.some((a) => a.name === n));
      if (missing) throw sender('ter:UsernameMissing', `no user ${missing.slice(0, 32)}`);
      for (const n of names) {
        try {
          await c.httpd.removeAccount({ name: n });
        } catch (e) {
          const f = userFault(e, n);
          throw f instanceof SoapFault ? f : e;
        }
      }
      return '<tds:DeleteUsersResponse/>';
    },
  },
};
